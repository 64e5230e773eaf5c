"""Mapping files through the definitions loader: every problem at once, named by file and key."""

from pathlib import Path

import pytest

from saleskpi.data.mapping import Mapping, SkipRule, load_mapping, parse_mapping
from saleskpi.data.schema import SALES
from saleskpi.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "online_retail" / "mapping.toml"


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_mapping(data, source="m.toml")
    head, *lines = str(caught.value).split("\n")
    assert head == f"m.toml: {len(lines)} invalid mapping key(s):"
    return [line.removeprefix("  - ") for line in lines]


def test_the_example_mapping_reads_into_the_attributes_the_importer_uses():
    mapping = load_mapping(EXAMPLE)
    assert mapping.source == str(EXAMPLE) and mapping.table == "sales"
    assert mapping.ignore == ("Description", "Country") and mapping.duplicates == "skip"
    assert mapping.columns["customer_id"] == "CustomerID" and mapping.values == {"currency": "GBP"}
    assert mapping.skip[0] == SkipRule(reason="no customer id", column="customer_id", is_="empty")
    assert (mapping.encoding, mapping.delimiter, mapping.sheet, mapping.decimal, mapping.date_format) == (None,) * 5


def test_an_empty_mapping_is_the_strict_default():
    mapping = Mapping()
    assert (mapping.source, mapping.duplicates, mapping.columns, mapping.skip, mapping.ignore) == (
        "(no mapping)", "error", {}, (), ())


def test_read_options_are_normalised():
    mapping = parse_mapping({"read": {"encoding": "CP1251", "delimiter": "tab", "decimal": ",", "sheet": 2},
                             "columns": {"customer_id": 17}}, source="m.toml")
    assert (mapping.encoding, mapping.delimiter, mapping.decimal, mapping.sheet) == ("cp1251", "\t", ",", "2")
    assert mapping.columns == {"customer_id": "17"}


def test_every_problem_of_a_mapping_is_listed_with_its_key_and_fix():
    assert problems({"tabel": "sales", "read": {"encoding": "utf8", "delimiter": ";;", "decimal": ";"},
                     "columns": {"customer_id": True}, "ignore": "Description",
                     "skip": [{"reason": "no customer", "column": "customer_id", "is": "blank"},
                              {"column": "unit_price", "is": "zero"}],
                     "duplicates": {"exact": "skip", "fuzzy": "skip"}}) == [
        "[read] encoding: must be one of auto, utf-8, cp1251, latin-1, got 'utf8'; did you mean 'utf-8'?",
        "[read] delimiter: must be one character, or \"tab\", such as ';'; got ';;'",
        "[read] decimal: must be one of \".\", \",\", got ';'",
        "[columns] customer_id: must be text or a number, got true",
        "ignore: must be a list of headers, such as ['Description']; got 'Description'",
        "[[skip]] #1 is: must be one of empty, not_empty, zero, negative, positive, got 'blank'",
        "[[skip]] #2 reason: missing; add it (say why these lines are left out; they are counted under it)",
        "[duplicates] fuzzy: unknown key; remove it or check its spelling (keys: exact)",
        "tabel: unknown key; remove it or check its spelling (did you mean 'table'?)",
    ]


def test_skip_rules_need_their_own_reasons_and_tables():
    assert problems({"skip": [{"reason": "x", "column": "a", "is": "empty"},
                              {"reason": "x", "column": "b", "is": "zero"}]}) == [
        "[[skip]]: two rules have the same reason; give each rule its own reason"]
    assert problems({"skip": {"reason": "x"}}) == ["[[skip]]: must be one or more [[skip]] tables, got { reason = 'x' }"]


def test_check_against_the_table_offers_the_close_column():
    mapping = parse_mapping({"columns": {"custmer_id": "Client"},
                             "skip": [{"reason": "free", "column": "unit_prise", "is": "zero"}]}, source="m.toml")
    with pytest.raises(ConfigError) as caught:
        mapping.check(SALES)
    lines = str(caught.value).split("\n")
    assert lines[0] == "m.toml: 2 invalid mapping key(s):"
    assert lines[1].startswith("  - [columns] custmer_id: sales has no such column (did you mean 'customer_id'?); "
                               "columns: invoice_id, ")
    assert lines[2] == "  - [[skip]] #1 column: sales has no column 'unit_prise' (did you mean 'unit_price'?)"


def test_a_broken_mapping_file_names_its_line(tmp_path: Path):
    path = tmp_path / "m.toml"
    path.write_text('[columns]\ncustomer_id = "Client\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"m.toml: not valid TOML at line 2, column 22: .*Fix that line:"):
        load_mapping(path)
    with pytest.raises(ConfigError, match=r"mapping file not found. Check the path given to --mapping."):
        load_mapping(tmp_path / "other.toml")


def test_missing_values_and_latin1_control_bytes_are_read(tmp_path: Path):
    """[read] missing = ["NA"] reads R's NA as no value; latin-1 defines every byte, so a latin-1
    file holding 0x82 (a DOS 'é' in a latin-1 export) is read, not refused (DuckDB's own latin-1
    reader refuses 0x80-0x9F: the importer reads such files through a UTF-8 copy)."""
    from saleskpi.data.importer import import_file
    from saleskpi.workspace import Workspace

    csv = tmp_path / "s.csv"
    csv.write_bytes(b"id,nps,date,txt\nS1,9,2025-01-02,caf\x82\nS2,NA,2025-01-02,\xe9t\xe9\n")
    m = tmp_path / "m.toml"
    m.write_text('table = "surveys"\nignore = ["txt"]\n[read]\nencoding = "latin-1"\nmissing = ["NA"]\n'
                 '[columns]\nresponse_id = "id"\ncustomer_id = "id"\n')
    assert parse_mapping({"read": {"missing": ["NA", "-"]}}, source="m.toml").missing == ("NA", "-")
    ws = Workspace.init(tmp_path / "ws")
    try:
        report = import_file(ws, "surveys", csv, mapping=m, create_missing=True)
        assert report.rows_loaded == 2
        rows = ws.table("surveys").order_by("response_id").to_pyarrow().to_pydict()
        assert rows["nps"] == [9, None]
    finally:
        ws.close()
