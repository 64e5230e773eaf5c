import pytest

from saleskpi.data.schema import SQL_TYPES, TABLES, Derivation, match_headers, normalize_header, table
from saleskpi.errors import UsageError


def test_every_table_of_the_design_is_defined():
    assert set(TABLES) == {
        "customers", "products", "sales", "territories", "reps", "teams", "potential", "surveys",
        "survey_invitations", "loyalty_members", "loyalty_events", "targets", "competency_assessments",
    }


@pytest.mark.parametrize("tbl", TABLES.values(), ids=lambda t: t.name)
def test_definitions_are_consistent(tbl):
    names = tbl.column_names
    assert len(names) == len(set(names)), "duplicate column"
    assert set(tbl.key) <= set(names)
    for group in tbl.one_of:
        assert set(group) <= set(names)
    for col in tbl.columns:
        assert col.type in SQL_TYPES
        if col.references:
            target, column = col.references.split(".")
            assert column in TABLES[target].column_names
    # an alias may point to one column only, and never shadow another column's name
    seen: dict[str, str] = {}
    for col in tbl.columns:
        for alias in (col.name, *col.aliases):
            norm = normalize_header(alias)
            assert seen.setdefault(norm, col.name) == col.name, f"{tbl.name}: alias {alias!r} is ambiguous"


@pytest.mark.parametrize("tbl", [t for t in TABLES.values() if t.derivations], ids=lambda t: t.name)
def test_derivations_name_columns_of_their_table(tbl):
    for rule in tbl.derivations:
        assert {rule.column, *rule.operands} <= set(tbl.column_names)
        assert tbl.derivation(rule.column) is rule


def test_sales_derive_net_value_on_each_empty_line_and_cost_only_without_a_cost_column():
    sales = table("sales")
    assert sales.derivations == (
        Derivation("net_value", "product", ("quantity", "unit_price"), per_line=True),
        Derivation("cost", "difference", ("net_value", "margin")),
    )
    assert sales.derivation("margin") is None and table("customers").derivations == ()


def test_references_come_first_in_table_order():
    order = list(TABLES)
    for tbl in TABLES.values():
        for ref in tbl.references():
            assert order.index(ref) < order.index(tbl.name)


def test_headers_match_in_english_and_bulgarian():
    found, extra = match_headers(TABLES["sales"], [
        "\ufeffНомер фактура", "Дата", "Клиент", "Артикул", "К-во", "Ед. цена", "Стойност", "Валута", "Бележка"])
    assert found == {"invoice_id": "\ufeffНомер фактура", "date": "Дата", "customer_id": "Клиент",
                     "product_id": "Артикул", "quantity": "К-во", "unit_price": "Ед. цена",
                     "net_value": "Стойност", "currency": "Валута"}
    assert extra == ["Бележка"]


def test_canonical_name_wins_and_extra_prefixed_columns_are_accepted():
    found, extra = match_headers(TABLES["customers"], ["Customer", "customer_id", "Name", "Driver Beds"])
    assert found == {"customer_id": "customer_id", "name": "Name", "driver_beds": "Driver Beds"}
    assert extra == ["Customer"]


def test_table_lookup_by_alias_and_unknown_name():
    assert table("Продажби").name == "sales"
    with pytest.raises(UsageError, match="no input table called 'invoices'.*saleskpi schema"):
        table("invoices")


def test_the_contract_page_is_up_to_date():
    from pathlib import Path

    from saleskpi.data.schema import contract_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
    assert page.read_text(encoding="utf-8") == contract_markdown(), (
        "docs/data-contract.md is stale: run '.venv/bin/python -m saleskpi.data.schema > docs/data-contract.md'")
