"""The demo company: a seeded Bulgarian building-materials distributor with its hidden truth.

``build_demo(path)`` creates a workspace filled with it (``saleskpi demo``); ``generate(...)``
yields its tables as pyarrow Tables (sales in chunks) for benchmarks and tests. The truth
tables (``truth_*``) hold what the generator knows and the analyses must recover: true
potential, share of wallet, purchase-process parameters, rep bias, satisfaction, loyalty lift.
See docs/demo.md.
"""

from __future__ import annotations

from saleskpi.demo.build import STEPS, build_demo
from saleskpi.demo.generator import INPUT_TABLES, TRUTH_TABLES, DemoSpec, generate

__all__ = ["build_demo", "generate", "DemoSpec", "STEPS", "INPUT_TABLES", "TRUTH_TABLES"]
