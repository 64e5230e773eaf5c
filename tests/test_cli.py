"""The command line as a user meets it: exit codes, stderr messages, stdout data."""

import json
import subprocess
import sys
from pathlib import Path

import pytest


def saleskpi(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True)


def test_init_then_show_list_and_schema_as_json(tmp_path: Path):
    ws = tmp_path / "ws"
    done = saleskpi("init", str(ws))
    assert done.returncode == 0, done.stderr
    assert "Workspace created" in done.stderr and done.stdout == ""
    listed = saleskpi("show", str(ws), "--list", "--format", "json")
    assert listed.returncode == 0
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert rows["sales"] == {"name": "sales", "kind": "input", "rows": 0}
    schema = json.loads(saleskpi("schema", "sales", "--format", "json").stdout)
    assert [r["column"] for r in schema][:3] == ["invoice_id", "line_no", "date"]
    assert schema[0]["required"] == "yes" and schema[0]["key"] == "yes"


def test_usage_errors_exit_2(tmp_path: Path):
    assert saleskpi("show").returncode == 2  # missing argument (click)
    missing = saleskpi("show", str(tmp_path))
    assert missing.returncode == 2
    assert "not a saleskpi workspace" in missing.stderr and missing.stdout == ""
    unknown = saleskpi("schema", "invoices")
    assert unknown.returncode == 2 and "no input table called 'invoices'" in unknown.stderr


def test_bad_settings_exit_3_naming_file_and_key(tmp_path: Path):
    ws = tmp_path / "ws"
    assert saleskpi("init", str(ws)).returncode == 0
    settings = ws / "settings.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("future_days = 31", "future_days = -5"),
                        encoding="utf-8")
    done = saleskpi("compute", str(ws))
    assert done.returncode == 3
    assert f"{settings}: 1 invalid setting(s):" in done.stderr and "[import] future_days" in done.stderr


def test_show_picks_columns_and_rows_and_refuses_unknown_ones(tmp_path: Path):
    ws = tmp_path / "ws"
    assert saleskpi("init", str(ws)).returncode == 0
    template = ws / "templates" / "territories.csv"
    template.write_text(template.read_text(encoding="utf-8") + "BG,Bulgaria,,country,6445000,,,,,\nBG-22,Sofia,BG,region,1280000,,,,,\n",
                        encoding="utf-8")
    assert saleskpi("import", str(ws), "territories", str(template)).returncode == 0
    shown = saleskpi("show", str(ws), "territories", "--columns", "territory_id,population", "--where", "parent_id=BG",
                     "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == [{"territory_id": "BG-22", "population": 1280000.0}]
    bad = saleskpi("show", str(ws), "territories", "--columns", "nope")
    assert bad.returncode == 2 and "no column nope in territories" in bad.stderr
    table = saleskpi("show", str(ws), "territories")
    assert "6,445,000.00" in table.stdout  # numbers read with thousands separators in the terminal table


# --- show, exports and runs -----------------------------------------------------------------

WIDE = {f"a_rather_long_column_name_{i}": [1.5 * i, -2.0, None] for i in range(8)}


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """A workspace with a wide result (3 rows), an empty one and a 25,000-row one in a finished
    run 1, and an unfinished run 2; closed, for the command line to open."""
    import datetime as dt

    import ibis

    from saleskpi import results
    from saleskpi.workspace import Workspace

    day = dt.date(2026, 3, 31)
    with Workspace.init(tmp_path / "ws") as ws:
        run = results.start_run(ws.con, as_of=day, analyses=["test"])
        wide = ibis.memtable({"customer_id": ["C1", "=cmd|' /C calc'!A0", "C3"], **WIDE})
        results.store(ws.con, "wide", wide, run_id=run, as_of=day)
        results.store(ws.con, "nothing", wide.filter(ibis.literal(False)), run_id=run, as_of=day)
        many = ibis.range(25_000).unnest().name("n").as_table().mutate(
            value=(ibis._.n * 0.25).cast("decimal(18, 2)"), label="x" + ibis._.n.cast("string"))
        results.store(ws.con, "many", many, run_id=run, as_of=day)
        results.finish_run(ws.con, run)
        results.start_run(ws.con, as_of=day, analyses=["test"])
    return tmp_path / "ws"


def test_version_prints_the_package_version():
    from saleskpi import __version__

    done = saleskpi("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"saleskpi {__version__}"


def test_help_lists_every_command_with_readable_option_names():
    from saleskpi.cli import app

    done = saleskpi("--help")
    assert done.returncode == 0 and "saleskpi [OPTIONS] COMMAND" in done.stdout
    commands = [c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands]
    commands += [g.name for g in app.registered_groups]
    listed = done.stdout.split("Commands:")[1]
    assert len(commands) >= 11 and all(f"  {name} " in listed for name in commands)
    shown = saleskpi("show", "--help").stdout
    # the metavars say what to type, not the Python type of the option
    assert "--where COLUMN=VALUE" in shown and "--limit N" in shown and "list[str]" not in shown


def _narrow(*args: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([sys.executable, "-m", "saleskpi", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "80"})


def test_a_table_fits_the_terminal_and_ends_with_n_of_n_rows_shown(stored: Path):
    done = _narrow("show", str(stored), "wide", "--limit", "2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.rstrip("\n").splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "a_rather_long_column_name_0" in done.stdout  # headers whole, never wrapped
    assert "not shown: a_rather_long_column_name_2" in done.stdout.replace("\n", " ")
    assert lines[-1].startswith("2 of 3 rows shown")
    assert " -2 │" in done.stdout  # numbers whole, right-aligned


def test_an_empty_result_prints_its_header_and_says_it_is_empty(stored: Path):
    done = saleskpi("show", str(stored), "nothing", "--columns", "customer_id,a_rather_long_column_name_1")
    assert done.returncode == 0, done.stderr
    assert "customer_id" in done.stdout and "a_rather_long_column_name_1" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1] == "nothing (no finished run) is empty: 0 of 0 rows shown"
    none = saleskpi("show", str(stored), "wide", "--where", "customer_id=nobody")
    assert none.stdout.rstrip().splitlines()[-1] == "No row matches --where: 0 of 0 rows shown"
    csv_text = saleskpi("show", str(stored), "nothing", "--format", "csv").stdout
    assert csv_text.startswith("customer_id,a_rather_long_column_name_0,") and csv_text.count("\n") == 1


def test_show_refuses_a_run_that_does_not_exist_or_did_not_finish(stored: Path):
    missing = saleskpi("show", str(stored), "wide", "--run", "7")
    assert missing.returncode == 2 and "There is no run 7" in missing.stderr and missing.stdout == ""
    unfinished = saleskpi("show", str(stored), "wide", "--run", "2")
    assert unfinished.returncode == 2 and "Run 2 in" in unfinished.stderr and "did not finish" in unfinished.stderr


def test_excel_csv_bytes_and_sorted_where_rows(stored: Path):
    done = subprocess.run([sys.executable, "-m", "saleskpi", "show", str(stored), "wide", "--excel-csv",
                           "--columns", "customer_id,a_rather_long_column_name_1", "--sort=-a_rather_long_column_name_1"],
                          capture_output=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("\ufeffcustomer_id;a_rather_long_column_name_1\r\n"
                           "C1;1,5\r\n'=cmd|' /C calc'!A0;-2,0\r\nC3;\r\n").encode("utf-8")


def test_csv_of_many_rows_is_streamed_whole(stored: Path):
    done = saleskpi("show", str(stored), "many", "--format", "csv", "--sort", "n")
    lines = done.stdout.splitlines()
    assert lines[0] == "n,value,label,run_id,as_of" and len(lines) == 25_001
    assert lines[1] == "0,0.00,x0,1,2026-03-31" and lines[-1] == "24999,6249.75,x24999,1,2026-03-31"
    json_rows = json.loads(saleskpi("show", str(stored), "many", "--format", "json", "--where", "n>=24998").stdout)
    assert json_rows == [{"n": 24998, "value": 6249.5, "label": "x24998", "run_id": 1, "as_of": "2026-03-31"},
                         {"n": 24999, "value": 6249.75, "label": "x24999", "run_id": 1, "as_of": "2026-03-31"}]


def test_runs_lists_and_keep_deletes_older_runs_with_yes(stored: Path):
    import datetime as dt

    from saleskpi import results
    from saleskpi.workspace import Workspace

    def rerun(*names: str) -> None:
        """A later finished run storing run 1's rows of ``names`` again (a partial compute)."""
        with Workspace.open(stored) as ws:  # starting it cleans up the unfinished run 2
            run = results.start_run(ws.con, as_of=dt.date(2026, 4, 30), analyses=["test"])
            for name in names:
                t = ws.con.table(f"result_{name}")
                results.store(ws.con, name, t.filter(t.run_id == 1).drop("run_id", "as_of"), run_id=run,
                              as_of=dt.date(2026, 4, 30))
            results.finish_run(ws.con, run)

    rerun("wide")
    listed = json.loads(saleskpi("runs", str(stored), "--format", "json").stdout)
    assert [(r["run_id"], r["finished"] is not None, r["as_of"], r["rows"]) for r in listed] == [
        (1, True, "2026-03-31", 25_003), (3, True, "2026-04-30", 3)]
    # run 1 still holds the only rows of 'many': --keep 1 keeps it, and says why
    spared = saleskpi("runs", str(stored), "--keep", "1", "--yes")
    assert spared.returncode == 0, spared.stderr
    assert "Run 1 is kept: it holds the newest rows of many (a later run did not compute them)." in spared.stderr
    assert "Nothing to delete" in spared.stderr
    rerun("wide", "many")
    asked = saleskpi("runs", str(stored), "--keep", "1")
    assert asked.returncode == 2 and "would delete run(s) 1, 3 (25,006 result rows)" in asked.stderr
    assert "add --yes" in asked.stderr
    done = saleskpi("runs", str(stored), "--keep", "1", "--yes")
    assert done.returncode == 0, done.stderr
    assert "Deleted run(s) 1, 3: 25,006 result rows." in done.stderr and "MB given back" in done.stderr
    assert [r["run_id"] for r in json.loads(saleskpi("runs", str(stored), "--format", "json").stdout)] == [4]
    shown = json.loads(saleskpi("show", str(stored), "wide", "--format", "json").stdout)
    assert {r["run_id"] for r in shown} == {4}


def test_the_erp_example_of_docs_own_data_imports_as_the_page_says(tmp_path: Path):
    examples = Path(__file__).resolve().parents[1] / "examples" / "erp"
    ws = tmp_path / "mycompany"
    assert saleskpi("init", str(ws)).returncode == 0
    done = saleskpi("import", str(ws), "sales", str(examples / "sales-export.csv"),
                    "--mapping", str(examples / "mapping.toml"), "--create-missing")
    assert done.returncode == 0, done.stderr
    assert "4 row(s) loaded into sales (import 1)." in done.stderr
    assert "skipped 1 line(s): service line without quantity (transport)" in done.stderr
    assert "created 3 missing customers row(s)" in done.stderr and "created 2 missing products row(s)" in done.stderr
    rows = json.loads(saleskpi("show", str(ws), "input:sales", "--format", "json", "--sort", "invoice_id,line_no",
                               "--columns", "invoice_id,date,customer_id,quantity,net_value").stdout)
    assert rows[0] == {"invoice_id": "0000012001", "date": "2026-01-05", "customer_id": "K-1001", "quantity": 40.0,
                       "net_value": 250.0}
    assert [r["net_value"] for r in rows] == [250.0, 124.0, 726.0, -24.8]
