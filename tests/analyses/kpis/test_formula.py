"""The formula language: one parser, built as a table expression or evaluated on one set of values,
by the same rules (an unknown measure or a denominator that is not positive makes the value empty)."""

from decimal import Decimal

import ibis
import pytest

from saleskpi.analyses.kpis.formula import build, evaluate, measures_of
from saleskpi.errors import UsageError

CASES = [
    ("margin / turnover_value", {"margin": "30", "turnover_value": "120"}, Decimal("0.25")),
    ("-margin + 2 * (turnover_value - 0.5)", {"margin": "30", "turnover_value": "120"}, Decimal("209.0")),
    ("margin / turnover_value", {"margin": "30", "turnover_value": "0"}, None),
    ("margin / turnover_value", {"margin": "30", "turnover_value": "-5"}, None),
    ("margin * turnover_value", {"margin": None, "turnover_value": "4"}, None),
]


@pytest.mark.parametrize("text, values, expected", CASES)
def test_evaluate_and_build_agree(text, values, expected):
    exact = {k: None if v is None else Decimal(v) for k, v in values.items()}
    assert evaluate(text, exact) == expected
    row = ibis.memtable({k: [None if v is None else float(v)] for k, v in values.items()},
                        schema={k: "float64" for k in values})
    built = row.select(x=build(text, row)).x.execute().iloc[0]
    assert (built != built and expected is None) or built == pytest.approx(float(expected))


def test_the_names_and_the_refusals():
    assert measures_of("turnover_value * turnover_value_attainment + turnover_value") == [
        "turnover_value", "turnover_value_attainment"]
    with pytest.raises(UsageError, match=r"'abs\(margin\)' is neither a measure"):
        evaluate("abs(margin)", {"margin": Decimal(1)})
