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
