"""The command line as a user meets it: exit codes, stderr messages, stdout data."""

import json
import subprocess
import sys
from pathlib import Path


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
