import csv
from pathlib import Path

import pytest

from saleskpi.data.schema import TABLES
from saleskpi.errors import ConfigError, UsageError
from saleskpi.workspace import Workspace


def test_init_creates_settings_templates_and_empty_tables(tmp_path: Path):
    with Workspace.init(tmp_path / "ws") as ws:
        assert (ws.path / "settings.toml").read_text(encoding="utf-8").startswith("# saleskpi workspace settings")
        assert (ws.path / "saleskpi.duckdb").exists()
        for name, tbl in TABLES.items():
            with (ws.path / "templates" / f"{name}.csv").open(encoding="utf-8") as fh:
                assert next(csv.reader(fh)) == list(tbl.column_names)
            stored = ws.table(name)
            assert stored.count().execute() == 0
            assert list(stored.columns) == [*tbl.column_names, "import_id"]
        assert str(ws.table("sales").schema()["net_value"]) == "decimal(18, 2)"
        assert {"meta_imports", "meta_runs"} <= set(ws.list_tables())


def test_init_refuses_an_existing_workspace_and_open_refuses_a_plain_folder(tmp_path: Path):
    Workspace.init(tmp_path / "ws").close()
    with pytest.raises(UsageError, match="already a workspace"):
        Workspace.init(tmp_path / "ws")
    with pytest.raises(UsageError, match="not a saleskpi workspace.*saleskpi init DIR"):
        Workspace.open(tmp_path)


def test_unknown_backend_is_a_config_error_naming_the_key(tmp_path: Path):
    with pytest.raises(ConfigError, match=r"settings.toml: \[workspace\] backend: unknown engine 'oracle'"):
        Workspace.init(tmp_path / "ws", backend="oracle://scott@db/orcl")


def test_absolute_duckdb_url_puts_the_database_where_asked(tmp_path: Path):
    target = tmp_path / "elsewhere" / "co.duckdb"
    target.parent.mkdir()
    with Workspace.init(tmp_path / "ws", backend=f"duckdb://{target}") as ws:
        assert ws.backend.path == target
    assert target.exists()


def _days(table) -> list[tuple]:
    return sorted(tuple(r.values()) for r in table.to_pyarrow().to_pylist())


def test_a_stale_or_missing_purchase_day_table_is_never_read(tmp_path: Path):
    import datetime as dt
    import json
    from decimal import Decimal

    from typer.testing import CliRunner

    from saleskpi.cli import app
    from saleskpi.derived.purchase_days import sales_days
    from saleskpi.engines import raw
    from saleskpi.workspace import PURCHASE_DAYS

    lines = ("INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, net_value, cost) "
             "VALUES ('I1', 1, '2024-01-01', 'C1', 'P1', 1, 10, 4), ('I1', 2, '2024-01-01', 'C1', 'P1', 1, 5, 1)")
    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute(lines)  # written around the importer: the table's log no longer matches
        assert ws.table(PURCHASE_DAYS).count().execute() == 0
        # a workspace made before the table existed
        raw(ws.con).execute(f"DROP TABLE {PURCHASE_DAYS}; DROP TABLE meta_derived")
    want = [("C1", dt.date(2024, 1, 1), Decimal("15.00"), Decimal("10.00"), 2, 2)]
    with Workspace.open(tmp_path / "ws", read_only=True) as ws:  # cannot build: computed from the lines
        assert _days(ws.purchase_days()) == want and PURCHASE_DAYS not in ws.list_tables()
    with Workspace.open(tmp_path / "ws") as ws:  # the first need builds it
        assert _days(ws.purchase_days()) == want and PURCHASE_DAYS in ws.list_tables()
        log = ws.table("meta_derived").to_pyarrow().to_pylist()
        assert [(r["table_name"], r["source_table"], r["import_id"], r["source_rows"], r["method"]) for r in log] == [
            (PURCHASE_DAYS, "sales", 0, 2, "build")]
        raw(ws.con).execute("INSERT INTO sales (invoice_id, line_no, date, customer_id, product_id, quantity, "
                            "net_value) VALUES ('I2', 1, '2024-01-01', 'C1', 'P1', 1, 1)")
        assert _days(ws.purchase_days()) == _days(sales_days(ws.table("sales"))) == [
            ("C1", dt.date(2024, 1, 1), Decimal("16.00"), Decimal("10.00"), 3, 2)]
    listed = CliRunner().invoke(app, ["show", str(tmp_path / "ws"), "--list", "--format", "json"])
    assert listed.exit_code == 0, listed.output
    kinds = {r["name"]: (r["kind"], r["rows"]) for r in json.loads(listed.stdout)}
    assert kinds[PURCHASE_DAYS] == ("derived", 1) and kinds["meta_derived"] == ("log", 1)
    assert kinds["sales"] == ("input", 3)


def test_a_workspace_made_before_a_contract_column_gains_it_on_import_and_compute(tmp_path):
    """products.margin_rate came after the first workspaces: an import and a compute add it
    (empty on the rows stored before it), and the analyses that read it run."""
    from saleskpi.compute import compute
    from saleskpi.data.importer import import_file
    from saleskpi.engines import raw

    path = tmp_path / "ws"
    with Workspace.init(path) as ws:
        raw(ws.con).execute("ALTER TABLE products DROP COLUMN margin_rate; "
                            "INSERT INTO products (product_id, name) VALUES ('P1', 'p')")
    with Workspace.open(path) as ws:
        assert "margin_rate" not in ws.table("products").columns
        (tmp_path / "sales.csv").write_text("invoice_id,date,customer_id,product_id,quantity,net_value\n"
                                            "I1,2024-01-05,C1,P1,2,20\nI2,2024-03-05,C1,P1,1,10\n", encoding="utf-8")
        import_file(ws, "sales", tmp_path / "sales.csv", create_missing=True)
        assert "margin_rate" in ws.table("products").columns
        assert ws.table("products").margin_rate.isnull().all().execute()
        raw(ws.con).execute("ALTER TABLE products DROP COLUMN margin_rate")
        report = compute(ws, only=["clv"])
        assert "clv" in report.stored and "margin_rate" in ws.table("products").columns
