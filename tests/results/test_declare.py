"""Declared results: the check of what an analysis returns, the declarations' own rules, one
name per concept across every result, and docs/results.md kept in step."""

from __future__ import annotations

from pathlib import Path

import ibis
import pytest

from saleskpi.analyses import declared_results, registry, results_markdown
from saleskpi.compute import checked
from saleskpi.results import Kind, Result, ResultMismatch, column, conform

DOCS = Path(__file__).resolve().parents[2] / "docs" / "results.md"


def _declared(*columns) -> Result:
    return Result("demo-result", ("Demo", "Демо"), ("A result.", "Резултат."), columns)


MONEY = column("margin_value", "money", "Margin", "Марж", "Margin.", "Марж.")
COUNT = column("customers", "count", "Customers", "Клиенти", "How many.", "Колко.")
CURRENCY = column("currency", "text", "Currency", "Валута", "The currency.", "Валутата.")


def test_conform_names_the_result_and_the_column():
    declared = _declared(COUNT, MONEY, CURRENCY)
    good = ibis.memtable({"currency": ["EUR"], "customers": [3], "margin_value": [10.005]})
    out = conform(good, declared).to_pyarrow().to_pylist()
    # put in the declared order; money rounded to the cent
    assert out == [{"customers": 3, "margin_value": 10.01, "currency": "EUR"}]
    with pytest.raises(ResultMismatch, match="Result 'demo-result': missing declared column.s. margin_value"):
        conform(good.drop("margin_value"), declared)
    with pytest.raises(ResultMismatch, match="undeclared column.s. extra"):
        conform(good.mutate(extra=1), declared)
    with pytest.raises(ResultMismatch, match="column 'customers' is float64, which a count column cannot be"):
        conform(good.mutate(customers=good.customers.cast("float64")), declared)


def test_decimal_money_stays_exact():
    declared = _declared(MONEY, CURRENCY)
    t = ibis.memtable({"margin_value": ["25010405.69"], "currency": ["EUR"]}).mutate(
        margin_value=ibis._.margin_value.cast("decimal(18, 2)"))
    out = conform(t, declared)
    assert out.schema()["margin_value"] == ibis.dtype("decimal(38, 2)")
    assert str(out.to_pyarrow().column(0)[0]) == "25010405.69"


def test_a_declaration_with_money_needs_a_currency_and_pay_needs_a_rep():
    with pytest.raises(ResultMismatch, match="has money columns but no 'currency' column"):
        _declared(MONEY)
    rep = column("rep_id", "id", "Rep", "Търговец", "The rep.", "Търговецът.")
    with pytest.raises(ResultMismatch, match="pay data must be scoped by rep_id"):
        Result("pay", ("Pay", "Заплащане"), ("Pay.", "Заплащане."), (MONEY, CURRENCY, rep), pay=True)
    with pytest.raises(ResultMismatch, match="scope keys must be among"):
        Result("x", ("X", "X"), ("X.", "X."), (column("rep", "id", "R", "Р", "R.", "Р."),), scope=("rep",))


def test_an_analysis_must_return_what_it_declares():
    counts = registry()["abc"]
    with pytest.raises(ResultMismatch, match="Analysis 'abc' returned undeclared result.s. nope; "
                                             "did not return declared result.s. abc, abc-limits"):
        checked(counts, {"nope": ibis.memtable({"a": [1]})})


def test_one_name_per_concept_across_every_result():
    """A column name means the same thing (kind, unit, titles, definition) in every result."""
    seen: dict[str, tuple[str, object]] = {}
    for result in declared_results().values():
        for c in result.columns:
            if c.name in seen:
                first, declared = seen[c.name]
                assert c == declared, f"'{c.name}' is declared differently in {first} and {result.name}"
            else:
                seen[c.name] = (result.name, c)
    # a ratio is not called _value or _volume (those are money and product units)
    for result in declared_results().values():
        for c in result.columns:
            if c.name.endswith(("_value", "_volume")) and "_by_" not in c.name:
                assert c.kind in (Kind.money, Kind.volume), f"{result.name}.{c.name} is a {c.kind.value}"
            if c.kind is Kind.money:
                assert "currency" in result.column_names


def test_every_declared_column_has_both_languages():
    for result in declared_results().values():
        assert all(result.title) and all(result.description), result.name
        for c in result.columns:
            assert all(c.title) and all(c.description), f"{result.name}.{c.name}"


def test_docs_results_page_is_generated_from_the_declarations():
    assert DOCS.read_text(encoding="utf-8") == results_markdown(), (
        "docs/results.md is out of date: run  python -m saleskpi.analyses > docs/results.md")
