import datetime as dt

import pytest

from saleskpi import compute as compute_module
from saleskpi import results
from saleskpi.analyses import Analysis
from saleskpi.engines import raw
from saleskpi.results import Result, column
from saleskpi.errors import UsageError
from saleskpi.workspace import Workspace


def counted(name: str, col: str = "customers") -> tuple[Result, ...]:
    """The declaration of a one-row result holding a count."""
    return (Result(name, ("Count", "Брой"), ("A count.", "Брой."),
                   (column(col, "count", "Customers", "Клиенти", "How many.", "Колко."),)),)


def _fake_registry():
    def counts(ctx):
        t = ctx.table("customers")
        return {"customer-count": t.aggregate(customers=t.count())}

    def doubled(ctx):
        prev = ctx.result("customer-count")
        return {"customer-count-doubled": prev.mutate(customers=prev.customers * 2)}

    return {
        "counts": Analysis("counts", "Count", counted("customer-count"), counts),
        "doubled": Analysis("doubled", "Doubled", counted("customer-count-doubled"), doubled, depends_on=("counts",)),
    }


@pytest.fixture
def ws(tmp_path, monkeypatch):
    monkeypatch.setattr(compute_module, "registry", _fake_registry)
    with Workspace.init(tmp_path / "ws") as ws:
        raw(ws.con).execute("INSERT INTO customers (customer_id, name) VALUES ('C1','a'),('C2','b'),('C3','c')")
        yield ws


def test_runs_are_stamped_and_kept(ws):
    first = compute_module.compute(ws, as_of=dt.date(2025, 12, 31))
    assert first.run_id == 1 and first.stored == {"customer-count": 1, "customer-count-doubled": 1}
    second = compute_module.compute(ws, only=["doubled"])
    assert second.run_id == 2
    assert second.as_of == dt.date.today()  # no sales yet: today
    latest = results.read(ws.con, "customer-count-doubled", stamped=True).to_pyarrow().to_pylist()
    assert latest == [{"customers": 6, "run_id": 2, "as_of": dt.date.today()}]
    assert results.runs_of(ws.con, "customer-count") == [1, 2]
    runs = ws.table("meta_runs").order_by("run_id").to_pyarrow().to_pylist()
    assert [r["analyses"] for r in runs] == ["counts,doubled", "counts,doubled"]
    assert all(r["finished_at"] is not None for r in runs)


def test_unknown_analysis_is_a_usage_error(ws):
    with pytest.raises(UsageError, match="Unknown analysis 'nope'. Analyses: counts, doubled."):
        compute_module.compute(ws, only=["nope"])
    assert ws.table("meta_runs").count().execute() == 0


def test_a_failed_run_leaves_nothing_behind(ws, monkeypatch):
    compute_module.compute(ws, only=["counts"])
    reg = _fake_registry()

    def broken(ctx):
        raise RuntimeError("boom")

    reg["doubled"] = Analysis("doubled", "Doubled", counted("customer-count-doubled"), broken, depends_on=("counts",))
    monkeypatch.setattr(compute_module, "registry", lambda: reg)
    with pytest.raises(RuntimeError, match="boom"):
        compute_module.compute(ws)
    assert results.runs_of(ws.con, "customer-count") == [1]
    assert ws.table("meta_runs").run_id.to_pyarrow().to_pylist() == [1]


def test_keep_runs_setting_deletes_the_older_runs_after_each_compute(ws):
    settings = ws.path / "settings.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("[workspace]\n", "[workspace]\nkeep_runs = 2\n", 1),
                        encoding="utf-8")
    ws.close()
    ws = Workspace.open(ws.path)
    assert ws.settings.workspace.keep_runs == 2
    for _ in range(3):
        report = compute_module.compute(ws, as_of=dt.date(2025, 12, 31))
    assert report.run_id == 3 and report.deleted_runs == [1]
    assert results.runs_of(ws.con, "customer-count") == [2, 3]
    assert ws.table("meta_runs").run_id.to_pyarrow().to_pylist() == [2, 3]
    ws.close()


def test_compute_runs_within_its_memory_limit_and_restores_the_engines(ws, monkeypatch):
    # [compute] memory_limit holds DuckDB to it while the analyses run (it spills beyond it), and
    # the connection has its own limit again afterwards; "auto" leaves DuckDB's own
    def limit():
        return raw(ws.con).execute("SELECT current_setting('memory_limit')").fetchone()[0]

    own = limit()
    seen = []
    store = results.store

    def watched(con, name, expr, **kw):
        seen.append(limit())
        return store(con, name, expr, **kw)

    monkeypatch.setattr(results, "store", watched)
    compute_module.compute(ws, as_of=dt.date(2025, 12, 31))
    assert seen == [own, own] and limit() == own
    settings = ws.path / "settings.toml"
    settings.write_text(settings.read_text(encoding="utf-8").replace(
        'memory_limit = "auto"', 'memory_limit = "512MB"', 1), encoding="utf-8")
    ws.close()
    ws = Workspace.open(ws.path)
    assert ws.settings.compute.memory_limit == "512MB"
    seen.clear()
    compute_module.compute(ws, as_of=dt.date(2025, 12, 31))
    assert seen == ["488.2 MiB", "488.2 MiB"] and limit() == own  # DuckDB shows 512 MB in MiB
    ws.close()
