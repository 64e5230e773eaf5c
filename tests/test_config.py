import re
import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from saleskpi.analyses.clv import DEFAULT_HISTORY_WEIGHTS
from saleskpi.config import (
    BGN_PER_EUR,
    SETTINGS_TEMPLATE,
    Settings,
    WorkspaceSection,
    load_settings,
    parse_settings,
)
from saleskpi.errors import ConfigError


def test_template_parses_to_the_defaults(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text(SETTINGS_TEMPLATE.format(name="X", backend="duckdb://saleskpi.duckdb", currency="EUR"))
    settings = load_settings(path)
    assert settings.workspace.currency == "EUR"
    assert settings.import_.future_days == 31
    assert settings.import_.date_formats[:2] == ["%Y-%m-%d", "%d.%m.%Y"]


def test_bgn_rate_is_built_in_and_fixed():
    settings = parse_settings({"currencies": {"USD": 1.08}}, source="s.toml")
    assert settings.rate("BGN") == BGN_PER_EUR == 1.95583
    assert settings.rate("eur") == 1.0
    assert settings.rate("USD") == 1.08
    assert settings.rate("GBP") is None
    lev = parse_settings({"workspace": {"currency": "BGN"}}, source="s.toml")
    assert lev.rate("EUR") == pytest.approx(1 / 1.95583)


def test_every_problem_is_reported_with_file_and_key():
    with pytest.raises(ConfigError) as info:
        parse_settings({"workspace": {"currency": "EURO", "colour": "red"},
                        "import": {"future_days": -1}}, source="ws/settings.toml")
    text = str(info.value)
    assert text.startswith("ws/settings.toml: 3 invalid setting(s):")
    assert "[workspace] currency" in text and "'EURO'" in text
    assert "[workspace] colour: unknown key; remove it or check its spelling" in text
    assert "[import] future_days" in text and "-1" in text


def test_bad_toml_names_the_file(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text("[workspace\nname = 1\n")
    with pytest.raises(ConfigError, match=r"settings.toml: not valid TOML"):
        load_settings(path)


def test_missing_file_says_how_to_create_it(tmp_path: Path):
    with pytest.raises(ConfigError, match="saleskpi init DIR"):
        load_settings(tmp_path / "settings.toml")


def test_abc_cutoffs_are_refused_when_overlapping_or_out_of_range(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text('[abc]\ncutoffs = [0.95, 0.8]\nshare_thresholds = [0.5, 1.2]\n[abc.actions]\nXYZ = "call"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    text = str(info.value)
    assert text.startswith(f"{path}: 3 invalid setting(s):")
    assert "[abc] cutoffs: must be two increasing cumulative shares in (0, 1), such as [0.8, 0.95]; got [0.95, 0.8]" in text
    assert "[abc] share_thresholds: must be two increasing shares" in text
    assert "[abc] actions: 'XYZ' is not a cell" in text


def filled_template() -> str:
    return SETTINGS_TEMPLATE.format(name="X", backend="duckdb://x.duckdb", currency="BGN")


def test_template_parses_to_exactly_every_default_of_the_model(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text(filled_template(), encoding="utf-8")
    assert load_settings(path) == Settings(workspace=WorkspaceSection(name="X", backend="duckdb://x.duckdb",
                                                                      currency="BGN"))


def sections_of(text: str) -> dict[str, set[str]]:
    """The keys written in each [section] of a template, commented out or not."""
    keys: dict[str, set[str]] = {"": set()}
    section = ""
    for line in text.splitlines():
        if line.startswith("["):
            section = line.strip("[]")
            keys[section] = set()
        elif (m := re.match(r"^(?:# )?([A-Za-z_]+) = ", line)):
            keys[section].add(m[1])
    return keys


def test_template_has_every_field_of_every_section_and_nothing_else():
    written = sections_of(filled_template())
    for name, field in Settings.model_fields.items():
        section = field.alias or name
        sub = field.annotation
        expected = ({f.alias or n for n, f in sub.model_fields.items()} if isinstance(sub, type)
                    and issubclass(sub, BaseModel) else {"USD"})
        assert written.pop(section) == expected, section
    assert written == {"": set()}


def test_the_commented_examples_of_the_template_are_valid_settings():
    text = re.sub(r"(?m)^# (\w+ = )", r"\1", filled_template())
    settings = parse_settings(tomllib.loads(text), source="t")
    assert settings.workspace.as_of == "2025-12-31" and settings.currencies == {"USD": 1.08}
    assert settings.abc.actions == {"CAC": "grow share: priority visit plan"}
    # the example of history_weights is the analysis' own default (written in clv.py)
    assert tuple(settings.clv.history_weights) == DEFAULT_HISTORY_WEIGHTS


def test_template_comments_carry_the_rule_of_each_value():
    text = filled_template()
    assert "# Must be one of year, quarter, month.\nperiod = \"year\"\n" in text
    assert "# Must be a whole number >= 0.\nfuture_days = 31\n" in text
    assert "# Must be two increasing cumulative shares in (0, 1).\ncutoffs = [0.8, 0.95]\n" in text


def test_a_misspelt_section_or_key_is_offered_the_close_spelling():
    with pytest.raises(ConfigError) as info:
        parse_settings({"clv": {"penaliser": 0.1}, "abcc": {"method": "pareto"}, "sales": {"period": "yaer"}},
                       source="s.toml")
    assert str(info.value) == (
        "s.toml: 3 invalid setting(s):\n"
        "  - [sales] period: must be one of year, quarter, month, got 'yaer'; did you mean 'year'?\n"
        "  - [clv] penaliser: unknown key; remove it or check its spelling (did you mean 'penalizer'?)\n"
        "  - [abcc]: unknown key; remove it or check its spelling (did you mean 'abc'?)")


def test_bad_toml_names_the_line_and_column(tmp_path: Path):
    path = tmp_path / "settings.toml"
    path.write_text("[workspace\nname = 1\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert str(info.value) == (f"{path}: not valid TOML at line 1, column 11: expected ']' at the end of a "
                               "table declaration. Fix that line:\n    1 | [workspace\n      |           ^")


def test_wrong_values_name_the_rule_and_the_default_as_an_example():
    with pytest.raises(ConfigError) as info:
        parse_settings({"potential": {"quantile": 1.5, "territory_weights": {"population": -1}},
                        "clv": {"history_weights": [0.5, 0.5]}, "currencies": {"usd": 0, "US": 1.0}},
                       source="s.toml")
    assert str(info.value).split("\n")[1:] == [
        "  - [potential] quantile: must be a number in (0, 1), such as 0.8; got 1.5",
        "  - [potential] territory_weights: must be a table of weights, each >= 0 and not all zero, such as "
        "{ buying_income = 0.5, retail_sales = 0.3, population = 0.2 }; got { population = -1 }",
        "  - [clv] history_weights: give one weight per full year (5, history_years), the most recent first, "
        "each >= 0 and not all zero, such as [0.35, 0.25, 0.2, 0.12, 0.08]; got [0.5, 0.5]",
        "  - [currencies] usd: must be a number > 0, got 0",
    ]
    lower = parse_settings({"currencies": {"usd": 1.1}, "abc": {"actions": {"cac": "call"}}}, source="s.toml")
    assert lower.currencies == {"USD": 1.1} and lower.abc.actions == {"CAC": "call"}


def test_the_compute_memory_limit_is_auto_or_an_amount():
    from saleskpi.config import parse_settings

    assert parse_settings({}, source="s").compute.memory_limit == "auto"
    assert parse_settings({"compute": {"memory_limit": "4gb"}}, source="s").compute.memory_limit == "4GB"
    with pytest.raises(ConfigError) as info:
        parse_settings({"compute": {"memory_limit": "lots"}}, source="ws/settings.toml")
    assert "[compute] memory_limit: must be \"auto\" or an amount of memory of at least 256MB" in str(info.value)
