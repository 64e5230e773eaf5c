"""Definitions files: every hand-written TOML file (settings, mappings, and the catalogues and plans
to come) is read by one loader into typed, frozen pydantic models, and every problem is reported
together in one :class:`~saleskpi.errors.ConfigError` naming the file, the key, what was found and
the fix.

``load_definitions(path, Model)`` reads and validates a file; ``parse_definitions(data, Model,
source=...)`` validates parsed TOML; a model subclasses :class:`Definitions` and declares each
value's rule as data with the constraints (:class:`Range`, :class:`IncreasingPair`,
:class:`Weights`, :class:`Check`, :class:`Keys`; choices are ``Literal`` types);
``render_template(Model)`` writes the commented TOML file of its defaults.
"""

from saleskpi.definitions.constraints import (
    Check,
    IncreasingPair,
    Keys,
    Range,
    Weights,
    definition_error,
    definition_problem,
)
from saleskpi.definitions.loader import Definitions, load_definitions, parse_definitions, read_toml
from saleskpi.definitions.messages import config_error
from saleskpi.definitions.template import render_template

__all__ = [
    "Check",
    "Definitions",
    "IncreasingPair",
    "Keys",
    "Range",
    "Weights",
    "config_error",
    "definition_error",
    "definition_problem",
    "load_definitions",
    "parse_definitions",
    "read_toml",
    "render_template",
]
