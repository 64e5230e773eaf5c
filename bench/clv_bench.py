"""CLV benchmark: saleskpi against lifetimes 0.11.3 on the same data, machine and run.

    .venv/bin/python bench/clv_bench.py                  # 1M customers, about 12M lines
    .venv/bin/python bench/clv_bench.py --reuse          # keep bench/out/clv_lines.parquet
    .venv/bin/python bench/clv_bench.py --customers 100000 --pareto-customers 20000
    .venv/bin/python bench/clv_bench.py --summary-only --reuse   # rfm_summary vs HAND_SQL vs lifetimes
    .venv/bin/python bench/clv_bench.py --bgnbd-only --reuse     # the BG/NBD fit alone
    .venv/bin/python bench/clv_bench.py --end-to-end --reuse     # Parquet file to stored CLV, vs lifetimes

Prints figures; it is not a test. What it does (bench/README.md has the results):

1. generates (once; ``--reuse`` keeps it) invoice lines of ``--customers`` customers over two
   years from a BG/NBD purchase process with Gamma-Gamma spend (numpy, seeded), 1 + Poisson(1.5)
   lines per purchase day, written to ``bench/out/clv_lines.parquet``;
2. creates ``bench/out/.venv-lifetimes`` (gitignored, like all of bench/out/) with
   ``lifetimes==0.11.3`` if it is not there: lifetimes is never installed into the project's
   own environment;
3. runs saleskpi in one subprocess: ``rfm_summary`` (Ibis on DuckDB, the lines loaded into an
   in-memory DuckDB table first) from the lines, ``BetaGeo`` and ``GammaGamma`` fits on that
   summary, the 12-month discounted value of every customer, ``ParetoNBD`` on the first
   ``--pareto-customers`` customers; the summary goes to ``bench/out/clv_summary.parquet``.
   In a second subprocess (its memory apart): the purchase-day table
   (``saleskpi.derived.purchase_days``: customer x day sums) built from the same lines, the
   summary read from it (``unique_days=True``; checked equal to the summary from the lines),
   and the refresh of that table when the last 30 days of lines arrive as a new import
   (``refreshed_days``, then delete + insert; checked equal to the table built at once);
4. runs lifetimes in another subprocess, from its own venv: ``summary_data_from_transaction_data``
   (freq "D", freq_multiplier 7: the published convention) on the same lines as a pandas frame,
   then ``BetaGeoFitter``, ``GammaGammaFitter``, ``customer_lifetime_value`` and
   ``ParetoNBDFitter`` (``--lifetimes-pareto-runs`` times: its fit is not reproducible) on
   saleskpi's summary (the same summary for both fitters);
   Before those, in a process of its own (``run_raw``): ``rfm_summary`` on the raw lines and
   the hand-written DuckDB query ``HAND_SQL`` alternately, on a pandas frame (handed over as it
   is, and as an Ibis memtable made of it), the Parquet file and a DuckDB table;
5. compares: wall and CPU times, speed-ups, parameters (relative differences), the two
   summaries, the 12-month values, and each subprocess's peak RSS (``bench/_measure.py``: the
   subprocess's own, read by a tiny parent through ``RUSAGE_CHILDREN``).

``--end-to-end`` runs saleskpi's ``init``, ``import`` and ``compute --only clv`` as a user does,
each a process, against lifetimes from the same Parquet file, and then the floors of that path
(bench/_floor.py): the file loaded into DuckDB as it is, and the rows compute stored copied as
they are.

The 12-month value uses lifetimes' month of 4.345 weeks on both sides so the numbers compare.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _measure import load as load_average, measured, phase_command

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
LINES = OUT / "clv_lines.parquet"
SUMMARY = OUT / "clv_summary.parquet"
VENV = OUT / ".venv-lifetimes"
START = "2023-01-01"
OBSERVATION_END = "2024-12-30"  # day 729 after START: two years, 730 days
DAYS = 730
WEEKS_PER_MONTH = 4.345  # lifetimes' month (customer_lifetime_value, freq "W")
MONTHLY_RATE = 0.01

# the simulated population (weeks): purchase rate ~ Gamma(r, alpha), drop-out ~ Beta(a, b),
# spend per purchase ~ Gamma(p, nu) with nu ~ Gamma(q, gamma)
TRUE = {"r": 0.55, "alpha": 6.0, "a": 0.7, "b": 4.0, "p": 6.0, "q": 3.5, "gamma": 60.0}
def use_folder(folder: Path) -> None:
    """Keep the data and results in ``folder`` (the lifetimes venv stays in bench/out)."""
    global OUT, LINES, SUMMARY
    OUT = folder
    LINES, SUMMARY = OUT / "clv_lines.parquet", OUT / "clv_summary.parquet"


REFRESH_DAYS = 30  # the purchase-day table's refresh: the last 30 days of lines as a new import


def timer(out: dict, repeats: int):
    """``timed(name, fn, n=repeats, setup=None)``: run ``fn`` n times (after ``setup`` each time,
    not timed), keep each run's wall and CPU (process_time: all threads) seconds in out["times"]."""

    def timed(name, fn, n=repeats, setup=None):
        walls, cpus, value = [], [], None
        for _ in range(n):
            if setup is not None:
                setup()
            w0, c0 = time.perf_counter(), time.process_time()
            value = fn()
            walls.append(time.perf_counter() - w0)
            cpus.append(time.process_time() - c0)
        out["times"][name] = {"runs": walls, "median": statistics.median(walls), "cpu": statistics.median(cpus)}
        return value

    return timed


# --- 1. the data -----------------------------------------------------------------------------


def generate(customers: int, seed: int = 20261126) -> dict:
    """Invoice lines of ``customers`` customers from BG/NBD + Gamma-Gamma, to LINES."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    n = customers
    lam = rng.gamma(TRUE["r"], 1.0 / TRUE["alpha"], n) / 7.0  # per day
    p = rng.beta(TRUE["a"], TRUE["b"], n)
    acquired = rng.integers(0, DAYS // 2, n)  # first purchase in the first year
    span = (DAYS - acquired).astype(float)  # days from the first purchase to the end
    possible = rng.poisson(lam * span)  # purchases while alive would be N ~ Poisson(lam T)
    repeats = np.minimum(possible, rng.geometric(p))  # she drops out after the K-th repeat
    # the first `repeats` of `possible` sorted uniform times on (0, span): S_j / S_(N+1), with
    # S_j partial sums of Exp(1) and S_(N+1) = S_m + Gamma(N + 1 - m)
    owner = np.repeat(np.arange(n), repeats)
    gaps = rng.exponential(size=len(owner))
    csum = np.cumsum(gaps)
    ends = np.cumsum(repeats)
    starts = ends - repeats
    base = np.where(starts > 0, csum[np.maximum(starts - 1, 0)], 0.0)
    partial = csum - np.repeat(base, repeats)
    s_m = np.zeros(n)
    s_m[repeats > 0] = partial[ends[repeats > 0] - 1]
    total = s_m + rng.gamma(possible - repeats + 1.0)
    when = np.repeat(span / total, repeats) * partial
    day = np.concatenate([acquired, acquired[owner] + np.floor(when).astype(np.int64)])
    who = np.concatenate([np.arange(n), owner])
    # spend per purchase, then 1 + Poisson(1.5) lines sharing it
    nu = rng.gamma(TRUE["q"], 1.0 / TRUE["gamma"], n)
    spend = rng.gamma(TRUE["p"], 1.0 / nu[who])
    lines = 1 + rng.poisson(1.5, len(who))
    line_who = np.repeat(who, lines)
    line_day = np.repeat(day, lines)
    share = rng.exponential(size=len(line_who))
    purchase_of_line = np.repeat(np.arange(len(who)), lines)
    share_sum = np.bincount(purchase_of_line, weights=share)
    value = np.round(np.repeat(spend, lines) * share / share_sum[purchase_of_line], 2)
    dates = np.datetime64(START) + line_day.astype("timedelta64[D]")
    table = pa.table({"customer_id": line_who.astype(np.int64), "date": pa.array(dates.astype("datetime64[D]")),
                      "value": value})
    OUT.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, LINES, row_group_size=1 << 20)
    return {"customers": n, "lines": int(len(line_who)), "purchase_events": int(len(who)),
            "seconds": time.perf_counter() - t0}


# --- 3. saleskpi ---------------------------------------------------------------------------------


def duckdb_lines():
    """An in-memory DuckDB connection with the lines loaded into table ``lines`` (as a workspace
    holds them), and that table."""
    import ibis

    con = ibis.duckdb.connect()
    con.raw_sql(f"CREATE TABLE lines AS SELECT * FROM read_parquet('{LINES}')")
    return con, con.table("lines")


def run_ours(pareto_customers: int, repeats: int) -> dict:
    import numpy as np
    import pyarrow.parquet as pq

    from saleskpi.analyses.clv import discounted_purchases
    from saleskpi.analyses.clv.summary import rfm_summary
    from saleskpi.models import BetaGeo, GammaGamma, ParetoNBD

    con, lines = duckdb_lines()
    out: dict = {"times": {}}
    timed = timer(out, repeats)
    end = dt.date.fromisoformat(OBSERVATION_END)
    kw = {"customer": "customer_id", "date": "date", "value": "value", "observation_end": end}

    # the summary from the lines (the portable expression)
    summary = timed("rfm_summary", lambda: rfm_summary(lines, **kw).to_pyarrow())
    pq.write_table(summary, SUMMARY)
    cols = {c: summary.column(c).to_numpy() for c in ("frequency", "recency", "T", "monetary_value")}
    data = {c: cols[c].astype(float) for c in ("frequency", "recency", "T")}
    bg = timed("bgnbd_fit", lambda: BetaGeo().fit(data))
    rep = (cols["frequency"] > 0) & (cols["monetary_value"] > 0)
    gg_data = {"frequency": cols["frequency"][rep].astype(float), "monetary_value": cols["monetary_value"][rep]}
    gg = timed("gamma_gamma_fit", lambda: GammaGamma().fit(gg_data))

    def value_12m():
        spend = gg.expected_spend({"frequency": cols["frequency"].astype(float),
                                   "monetary_value": cols["monetary_value"]})
        det = discounted_purchases(bg, data["frequency"], data["recency"], data["T"], months=(12,),
                                   monthly_rate=MONTHLY_RATE, weeks_per_month=WEEKS_PER_MONTH)[12][1]
        return spend * det

    clv = timed("clv_12m", value_12m)
    first = {k: v[:pareto_customers] for k, v in data.items()}
    pareto = timed("pareto_fit", lambda: ParetoNBD().fit(first))
    out |= {
        "rows": summary.num_rows, "repeat_buyers": int(rep.sum()),
        "bgnbd": bg.params_, "bgnbd_ll": bg.log_likelihood_, "gamma_gamma": gg.params_,
        "pareto": pareto.params_, "pareto_ll": pareto.log_likelihood_, "pareto_customers": pareto_customers,
        "pareto_iterations": pareto.n_iterations_,
        "clv_12m_total": float(clv.sum()), "clv_12m_head": clv[:5].tolist(),
    }
    np.save(OUT / "clv_12m_ours.npy", clv)
    return out


def run_days(repeats: int) -> dict:
    """The purchase-day table, in a process of its own (its memory is not the comparison's): built
    from the lines, the summary read from it, its refresh by the last REFRESH_DAYS days' lines."""
    import numpy as np
    import pyarrow.parquet as pq

    from saleskpi.analyses.clv.summary import rfm_summary
    from saleskpi.derived.purchase_days import purchase_days, refreshed_days

    con, lines = duckdb_lines()
    out: dict = {"times": {}}
    timed = timer(out, repeats)
    end = dt.date.fromisoformat(OBSERVATION_END)
    kw = {"customer": "customer_id", "date": "date", "value": "value", "observation_end": end}
    summary = pq.read_table(SUMMARY)  # the summary from the lines (run_ours)

    timed("purchase_days_build", lambda: con.create_table(
        "days", purchase_days(lines, value="value"), overwrite=True))
    days = con.table("days")
    from_days = timed("rfm_summary_days", lambda: rfm_summary(days, **kw, unique_days=True).to_pyarrow())
    out["days_rows"] = int(days.count().execute())
    out["days_vs_lines_max_abs_diff"] = {
        c: float(np.max(np.abs(from_days.column(c).to_numpy() - summary.column(c).to_numpy())))
        for c in ("frequency", "recency", "T", "monetary_value")}
    out["days_vs_lines_same_customers"] = from_days.column("customer_id").equals(summary.column("customer_id"))

    # refresh: the table stored from the lines up to the cut-off, then the last days' lines arrive
    cutoff = end - dt.timedelta(days=REFRESH_DAYS)
    old_lines = con.create_view("old_lines", lines.filter(lines.date <= cutoff), overwrite=True)
    new_lines = con.create_table("new_lines", lines.filter(lines.date > cutoff), overwrite=True)
    out["refresh_new_lines"] = int(new_lines.count().execute())

    def stored_before():
        con.create_table("days_inc", purchase_days(old_lines, value="value"), overwrite=True)

    def refresh():  # what a workspace would run at the import: delete the touched days, insert
        rows = con.create_table("refreshed", refreshed_days(con.table("days_inc"), new_lines, value="value"),
                                overwrite=True)
        con.raw_sql("DELETE FROM days_inc WHERE (customer_id, date) IN (SELECT customer_id, date FROM refreshed)")
        con.raw_sql("INSERT INTO days_inc SELECT * FROM refreshed")
        return int(rows.count().execute())

    out["refresh_rows"] = timed("purchase_days_refresh", refresh, setup=stored_before)
    check = con.sql("SELECT count(*) AS n, sum(value) AS v, sum(lines) AS l FROM days_inc").to_pyarrow().to_pylist()[0]
    full = con.sql("SELECT count(*) AS n, sum(value) AS v, sum(lines) AS l FROM days").to_pyarrow().to_pylist()[0]
    out["refresh_equals_build"] = (check["n"] == full["n"] and check["l"] == full["l"]
                                   and abs(check["v"] - full["v"]) <= 1e-9 * abs(full["v"]))
    return out


# --- 3b. the summary on raw transactions against a hand-written DuckDB query -------------------

#: The summary as one would write it by hand in DuckDB SQL: customer-days, then customers (the
#: same columns as ``rfm_summary``, ordered by customer). ``{src}`` is the input relation.
HAND_SQL = f"""
WITH days AS (
  SELECT customer_id AS c, date AS d, coalesce(sum(value), 0.0) AS v FROM {{src}}
  WHERE customer_id IS NOT NULL AND date IS NOT NULL AND date <= DATE '{OBSERVATION_END}'
  GROUP BY 1, 2)
SELECT c AS customer_id, count(*) - 1 AS frequency, (max(d) - min(d)) / 7.0 AS recency,
  (DATE '{OBSERVATION_END}' - min(d)) / 7.0 AS T,
  CASE WHEN count(*) > 1 THEN (sum(v) - arg_min(v, d)) / (count(*) - 1) ELSE 0.0 END AS monetary_value
FROM days GROUP BY c ORDER BY c
"""


def run_raw(repeats: int) -> dict:
    """``rfm_summary`` on the raw lines against HAND_SQL, on the same input in three forms: a
    pandas frame (for saleskpi the frame itself, and an Ibis memtable of it; the frame itself for
    DuckDB), the Parquet file
    and a DuckDB table. The two alternate run by run (same load); results checked equal."""
    import ibis
    import numpy as np
    import pandas as pd

    from saleskpi.analyses.clv.summary import rfm_summary

    con = ibis.duckdb.connect()
    raw = con.con  # the same DuckDB connection, for the hand query
    frame = pd.read_parquet(LINES)  # as lifetimes gets it (dates are datetime.date objects)
    raw.register("frame", frame)
    raw.execute(f"CREATE TABLE lines AS SELECT * FROM read_parquet('{LINES}')")
    end = dt.date.fromisoformat(OBSERVATION_END)
    kw = {"customer": "customer_id", "date": "date", "value": "value", "observation_end": end}
    inputs = {
        # the frame itself, as lifetimes takes it (rfm_summary converts it through Arrow), and the
        # frame made an Ibis memtable by the caller
        "frame": (lambda: frame, "frame"),
        "memtable": (lambda: ibis.memtable(frame), "frame"),
        "parquet": (lambda: con.read_parquet(LINES), f"read_parquet('{LINES}')"),
        "table": (lambda: con.table("lines"), "lines"),
    }
    out: dict = {"times": {}, "equal": {}}
    for form, (table, src) in inputs.items():
        walls: dict[str, list[float]] = {"saleskpi": [], "hand": []}
        cpus: dict[str, list[float]] = {"saleskpi": [], "hand": []}
        results = {}
        for _ in range(repeats):
            for side, fn in (("saleskpi", lambda: rfm_summary(table(), **kw).to_pyarrow()),
                             ("hand", lambda: raw.sql(HAND_SQL.format(src=src)).to_arrow_table())):
                w0, c0 = time.perf_counter(), time.process_time()
                results[side] = fn()
                walls[side].append(time.perf_counter() - w0)
                cpus[side].append(time.process_time() - c0)
        for side in walls:
            out["times"][f"{form}_{side}"] = {"runs": walls[side], "median": statistics.median(walls[side]),
                                              "cpu": statistics.median(cpus[side])}
        a, b = results["saleskpi"], results["hand"]
        exact = all(np.array_equal(a.column(c).to_numpy(), b.column(c).to_numpy())
                    for c in ("customer_id", "frequency", "recency", "T"))
        mv = float(np.max(np.abs(a.column("monetary_value").to_numpy() - b.column("monetary_value").to_numpy())))
        out["equal"][form] = {"exact_columns_equal": exact, "monetary_max_abs_diff": mv}
    out["rows"] = a.num_rows
    return out


def run_lifetimes_summary(repeats: int) -> dict:
    """lifetimes' summary alone, ``repeats`` times (``--summary-only``)."""
    import warnings

    import pandas as pd
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    out: dict = {"times": {}}
    lines = pd.read_parquet(LINES)
    timer(out, repeats)("rfm_summary", lambda: summary_data_from_transaction_data(
        lines, "customer_id", "date", monetary_value_col="value", observation_period_end=OBSERVATION_END,
        freq="D", freq_multiplier=7))
    return out


def run_bgnbd(repeats: int, theirs: bool) -> dict:
    """The BG/NBD fit alone on the stored summary (``--bgnbd-only``), ``repeats`` times:
    saleskpi's ``BetaGeo`` or (``theirs``) lifetimes' ``BetaGeoFitter``."""
    import pyarrow.parquet as pq

    s = pq.read_table(SUMMARY)
    data = {c: s.column(c).to_numpy().astype(float) for c in ("frequency", "recency", "T")}
    out: dict = {"times": {}}
    if theirs:
        import warnings

        import pandas as pd
        from lifetimes import BetaGeoFitter

        warnings.simplefilter("ignore")
        frame = pd.DataFrame(data)
        fitted = timer(out, repeats)("bgnbd_fit", lambda: BetaGeoFitter().fit(
            frame["frequency"], frame["recency"], frame["T"]))
        out["params"] = {k: float(v) for k, v in fitted.params_.items()}
        return out
    from saleskpi.models import BetaGeo

    fitted = timer(out, repeats)("bgnbd_fit", lambda: BetaGeo().fit(data))
    out["params"], out["ll"], out["iterations"] = fitted.params_, fitted.log_likelihood_, fitted.n_iterations_
    return out


def report_raw(raw: dict, lifetimes: dict) -> None:
    """The raw-transaction summary: saleskpi, the hand query and lifetimes, per input form."""
    lt = lifetimes["times"]["rfm_summary"]
    print(f"summary on raw lines ({raw['rows']:,} customers); lifetimes (pandas frame) "
          f"{lt['median']:.3f} s median of {', '.join(f'{r:.3f}' for r in lt['runs'])}")
    print(f"{'input':<9}{'saleskpi min/med/max':>24}{'hand SQL min/med/max':>24}{'/ hand':>8}{'x lifetimes':>13}"
          f"   equal")
    for form in ("frame", "memtable", "parquet", "table"):
        a, b = raw["times"][f"{form}_saleskpi"], raw["times"][f"{form}_hand"]
        fmt = lambda t: f"{min(t['runs']):.3f}/{t['median']:.3f}/{max(t['runs']):.3f}"  # noqa: E731
        eq = raw["equal"][form]
        print(f"{form:<9}{fmt(a):>24}{fmt(b):>24}{a['median'] / b['median']:>7.2f}x"
              f"{lt['median'] / a['median']:>12.1f}x   exact {eq['exact_columns_equal']}, "
              f"monetary max |diff| {eq['monetary_max_abs_diff']:.1e}")


# --- 4. lifetimes (runs in its own venv: imports nothing from saleskpi) ---------------------------


def run_lifetimes(pareto_customers: int, pareto_runs: int) -> dict:
    import warnings

    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    out: dict = {"times": {}}
    timed = timer(out, 1)

    lines = pd.read_parquet(LINES)
    own = timed("rfm_summary", lambda: summary_data_from_transaction_data(
        lines, "customer_id", "date", monetary_value_col="value", observation_period_end=OBSERVATION_END,
        freq="D", freq_multiplier=7))
    del lines
    s = pd.read_parquet(SUMMARY).set_index("customer_id")
    own = own.reindex(s.index)
    out["summary_max_abs_diff"] = {c: float(np.max(np.abs(own[c].to_numpy() - s[c].to_numpy())))
                                   for c in ("frequency", "recency", "T", "monetary_value")}
    bgf = timed("bgnbd_fit", lambda: BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"]))
    rep = s[(s.frequency > 0) & (s.monetary_value > 0)]
    ggf = timed("gamma_gamma_fit", lambda: GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"]))
    clv = timed("clv_12m", lambda: ggf.customer_lifetime_value(
        bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"], time=12, discount_rate=MONTHLY_RATE,
        freq="W"))
    first = s.iloc[:pareto_customers]
    pareto_runs_out = []
    for i in range(pareto_runs):
        pnf = timed(f"pareto_fit_{i + 1}", lambda: ParetoNBDFitter().fit(first["frequency"], first["recency"],
                                                                         first["T"]))
        pareto_runs_out.append({"seconds": out["times"][f"pareto_fit_{i + 1}"]["median"],
                                "cpu": out["times"][f"pareto_fit_{i + 1}"]["cpu"],
                                "params": {k: float(v) for k, v in pnf.params_.items()},
                                # lifetimes' objective at its end: -LL / customers
                                "objective": float(pnf._negative_log_likelihood_)})
    # the step "pareto_fit": the median of the runs
    out["times"]["pareto_fit"] = {"runs": [r["seconds"] for r in pareto_runs_out],
                                  "median": statistics.median(r["seconds"] for r in pareto_runs_out),
                                  "cpu": statistics.median(r["cpu"] for r in pareto_runs_out)}
    ours = np.load(OUT / "clv_12m_ours.npy")
    theirs = clv.to_numpy()
    big = np.abs(theirs) > 1.0
    out |= {
        "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
        # lifetimes calls gamma "v"
        "gamma_gamma": {{"v": "gamma"}.get(k, k): float(v) for k, v in ggf.params_.items()},
        "pareto": pareto_runs_out[-1]["params"],
        "pareto_runs": pareto_runs_out,
        "clv_12m_total": float(theirs.sum()),
        "clv_12m_max_rel_diff": float(np.max(np.abs(ours[big] - theirs[big]) / np.abs(theirs[big]))),
    }
    return out


# --- 3c. end to end, as a user meets it: a Parquet file of invoice lines to CLV and P(alive) --------

#: The end-to-end input: the lines as a sales file of the data contract (docs/data-contract.md),
#: one invoice per customer and day, with a margin on every line; both sides read this one file.
SALES_FILE_NAME = "clv_sales.parquet"
MARGIN_RATE = 0.35  # every line's margin, as a share of its net value (rounded to the cent)

SALES_FILE_SQL = f"""
COPY (
  SELECT 'I' || customer_id || '-' || strftime(date, '%Y%m%d') AS invoice_id,
         row_number() OVER (PARTITION BY customer_id, date ORDER BY value) AS line_no,
         date, customer_id, 'P' || lpad(CAST(hash(customer_id, date, value) % 40 AS VARCHAR), 2, '0') AS product_id,
         1 + CAST(hash(value, customer_id) % 5 AS INTEGER) AS quantity,
         CAST(value AS DECIMAL(18, 2)) AS net_value,
         CAST(round(value * {MARGIN_RATE}, 2) AS DECIMAL(18, 2)) AS margin
  FROM read_parquet('{{lines}}') ORDER BY date, customer_id, line_no
) TO '{{out}}' (FORMAT parquet, ROW_GROUP_SIZE 1048576)
"""


def sales_file() -> Path:
    """The lines written once as a sales file of the contract (SALES_FILE_SQL), beside LINES."""
    out = OUT / SALES_FILE_NAME
    if not out.exists() or out.stat().st_mtime < LINES.stat().st_mtime:
        import duckdb

        duckdb.connect().execute(SALES_FILE_SQL.format(lines=LINES, out=out))
    return out


def run_e2e_ours(workspace: Path) -> dict:
    """saleskpi as a user runs it, each command a process of its own under bench/_measure.py:
    ``init``, ``import ... sales FILE --create-missing``, ``compute --only clv --as-of``. Then
    (not timed) the stored clv result is read for the comparison."""
    import shutil

    cli = str(Path(sys.executable).with_name("saleskpi"))
    if workspace.exists():
        shutil.rmtree(workspace)
    steps = {
        "init": [cli, "init", str(workspace)],
        "import": [cli, "import", str(workspace), "sales", str(OUT / SALES_FILE_NAME), "--create-missing"],
        "compute": [cli, "compute", str(workspace), "--only", "clv", "--as-of", OBSERVATION_END],
    }
    out: dict = {"steps": {}}
    for name, cmd in steps.items():
        r = measured(cmd)
        out["steps"][name] = {"wall": r["wall"], "cpu": r["cpu"], "rss_mb": r["rss_mb"]}
    return out


def read_e2e_ours(workspace: Path) -> dict:
    """The clv result saleskpi stored (customer, P(alive), 12-month CLV), to e2e_ours.parquet."""
    import pyarrow.parquet as pq

    from saleskpi import results
    from saleskpi.workspace import Workspace

    ws = Workspace.open(workspace)
    table = results.read(ws, "clv").select("customer_id", "p_alive", "clv_12m").order_by("customer_id")
    frame = table.to_pyarrow()
    pq.write_table(frame, OUT / "e2e_ours.parquet")
    return {"rows": frame.num_rows}


def run_e2e_lifetimes() -> dict:
    """lifetimes end to end in this one process: read the file, the summary (freq "D",
    freq_multiplier 7: the published convention, as saleskpi), BG/NBD and Gamma-Gamma fits (on the
    repeat buyers with a positive margin), the 12-month CLV and P(alive) of every customer."""
    import warnings

    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    times: dict[str, float] = {}
    t = time.perf_counter()
    lines = pd.read_parquet(OUT / SALES_FILE_NAME, columns=["customer_id", "date", "margin"])
    lines["margin"] = lines["margin"].astype(float)
    times["read"] = time.perf_counter() - t
    t = time.perf_counter()
    s = summary_data_from_transaction_data(lines, "customer_id", "date", monetary_value_col="margin",
                                           observation_period_end=OBSERVATION_END, freq="D", freq_multiplier=7)
    times["summary"] = time.perf_counter() - t
    del lines
    t = time.perf_counter()
    bgf = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
    times["bgnbd_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    rep = s[(s.frequency > 0) & (s.monetary_value > 0)]
    ggf = GammaGammaFitter().fit(rep["frequency"], rep["monetary_value"])
    times["gamma_gamma_fit"] = time.perf_counter() - t
    t = time.perf_counter()
    clv = ggf.customer_lifetime_value(bgf, s["frequency"], s["recency"], s["T"], s["monetary_value"],
                                      time=12, discount_rate=MONTHLY_RATE, freq="W")
    alive = bgf.conditional_probability_alive(s["frequency"], s["recency"], s["T"])
    times["clv_p_alive"] = time.perf_counter() - t
    t = time.perf_counter()
    pd.DataFrame({"customer_id": s.index.astype(str), "p_alive": alive, "clv_12m": clv.to_numpy()}).to_parquet(
        OUT / "e2e_lifetimes.parquet")
    times["write"] = time.perf_counter() - t
    return {"times": times, "rows": len(s),
            "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
            "gamma_gamma": {{"v": "gamma"}.get(k, k): float(v) for k, v in ggf.params_.items()}}


def e2e_floor(workspace: Path) -> dict:
    """The floors of the end-to-end path (bench/_floor.py), on this machine now: the sales file
    loaded as it is, and the rows the last ``compute --only clv`` stored (its clv results, and
    every result it stored: the wallet and potential that clv depends on too)."""
    import duckdb
    from _floor import load_floor, stored_rows_floor

    db = workspace / "saleskpi.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    run_id = con.execute("SELECT max(run_id) FROM meta_runs").fetchone()[0]
    clv_tables = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                            "WHERE table_name LIKE 'result_clv%' ORDER BY 1").fetchall()]
    con.close()
    return {"load": load_floor(OUT / SALES_FILE_NAME), "clv_rows": stored_rows_floor(db, run_id, clv_tables),
            "all_rows": stored_rows_floor(db, run_id)}


def report_e2e(rounds: list[tuple[dict, dict]], compared: dict, loads: list[tuple[str, str]],
               floor: dict | None = None) -> None:
    """The end-to-end table: each round's saleskpi steps and lifetimes, then min / median / max."""
    def fmt(xs):
        xs = sorted(xs)
        return f"{xs[0]:.1f} / {statistics.median(xs):.1f} / {xs[-1]:.1f}"

    ours_wall = [sum(s["wall"] for s in o["steps"].values()) for o, _ in rounds]
    ours_rss = [max(s["rss_mb"] for s in o["steps"].values()) for o, _ in rounds]
    their_wall = [t["process_wall"] for _, t in rounds]
    their_rss = [t["peak_rss_mb"] for _, t in rounds]
    for i, ((o, t), (before, after)) in enumerate(zip(rounds, loads), 1):
        steps = ", ".join(f"{k} {v['wall']:.1f} s / {v['rss_mb']:,.0f} MB" for k, v in o["steps"].items())
        inner = ", ".join(f"{k} {v:.1f}" for k, v in t["times"].items())
        print(f"round {i} (load {before} -> {after}): saleskpi {ours_wall[i - 1]:.1f} s ({steps}); "
              f"lifetimes {their_wall[i - 1]:.1f} s, {their_rss[i - 1]:,.0f} MB ({inner} s)", flush=True)
    print(f"saleskpi  wall min/median/max {fmt(ours_wall)} s, peak RSS {fmt(ours_rss)} MB")
    print(f"lifetimes wall min/median/max {fmt(their_wall)} s, peak RSS {fmt(their_rss)} MB")
    print(f"ratio of medians: time {statistics.median(their_wall) / statistics.median(ours_wall):.2f}x, "
          f"memory {statistics.median(their_rss) / statistics.median(ours_rss):.2f}x")
    if floor:
        load, clv, every = floor["load"], floor["clv_rows"], floor["all_rows"]
        print(f"floor: the file loaded as it is (no check, no conversion) {load['seconds']:.1f} s for {load['rows']:,} "
              f"lines; the rows compute stored, copied as they are: clv {clv['seconds']:.1f} s ({clv['rows']:,} rows "
              f"in {clv['tables']} tables), every result {every['seconds']:.1f} s ({every['rows']:,} rows); "
              f"3x lifetimes' median is {statistics.median(their_wall) / 3:.1f} s for the whole path")
    print("compared:", json.dumps(compared))


def compare_e2e() -> dict:
    """saleskpi's stored P(alive) and 12-month CLV against lifetimes' for the same customers."""
    import numpy as np
    import pandas as pd

    a = pd.read_parquet(OUT / "e2e_ours.parquet").set_index("customer_id")
    b = pd.read_parquet(OUT / "e2e_lifetimes.parquet").set_index("customer_id").reindex(a.index)
    alive = np.abs(a["p_alive"].to_numpy(float) - b["p_alive"].to_numpy(float))
    ours, theirs = a["clv_12m"].to_numpy(float), b["clv_12m"].to_numpy(float)
    big = np.abs(theirs) > 1.0
    rel = np.abs(ours[big] - theirs[big]) / np.abs(theirs[big])
    return {"customers": len(a), "missing_in_lifetimes": int(b["p_alive"].isna().sum()),
            "p_alive_max_abs_diff": float(np.nanmax(alive)),
            "clv_12m_median_rel_diff": float(np.nanmedian(rel)), "clv_12m_max_rel_diff": float(np.nanmax(rel))}


# --- orchestration ---------------------------------------------------------------------------------


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with lifetimes 0.11.3 ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "lifetimes==0.11.3", "pyarrow"],
                       check=True)
    return python


def run_phase(python: str | Path, phase: str, args: argparse.Namespace) -> dict:
    """One phase in its own process under bench/_measure.py: its JSON result, with the process's
    wall and CPU seconds and peak RSS added."""
    r = measured(phase_command(__file__, phase, "--customers", str(args.customers), "--pareto-customers",
                               str(args.pareto_customers), "--repeats", str(args.repeats),
                               "--lifetimes-pareto-runs", str(args.lifetimes_pareto_runs), "--out",
                               str(args.out.resolve()), python=python))
    return r["out"] | {"peak_rss_mb": r["rss_mb"], "process_wall": r["wall"], "process_cpu": r["cpu"]}


def pareto_log_likelihoods(ours: dict, theirs: dict, customers: int) -> tuple[float, float]:
    """Total Pareto/NBD log-likelihood of the first ``customers`` customers at both parameter sets
    (run after both subprocesses: the parent's memory does not count)."""
    import pyarrow.parquet as pq

    from saleskpi.models import ParetoNBD

    table = pq.read_table(SUMMARY).slice(0, customers)
    data = {c: table.column(c).to_numpy().astype(float) for c in ("frequency", "recency", "T")}
    out = []
    for params in (ours, theirs):
        model = ParetoNBD()
        model.params_ = dict(params)
        out.append(float(model.score_samples(data).sum()))
    return out[0], out[1]


def sig_digits_equal(a: float, b: float, digits: int = 4) -> bool:
    return f"{a:.{digits - 1}e}" == f"{b:.{digits - 1}e}"


def report(gen: dict | None, ours: dict, days: dict, theirs: dict, load_start: str) -> None:
    print(f"machine load at the start: {load_start}")
    if gen:
        print(f"data: {gen['customers']:,} customers, {gen['lines']:,} lines, {gen['purchase_events']:,} "
              f"purchase events (generated in {gen['seconds']:.1f} s)")
    print(f"summary rows: {ours['rows']:,}; repeat buyers: {ours['repeat_buyers']:,}; purchase-day table: "
          f"{days['days_rows']:,} rows; refresh: {days['refresh_new_lines']:,} new lines (the last {REFRESH_DAYS} "
          f"days) -> {days['refresh_rows']:,} customer-days rewritten")
    t_ours, t_theirs = ours["times"] | days["times"], theirs["times"]
    summary_lt = t_theirs["rfm_summary"]
    build_and_read = {"median": t_ours["purchase_days_build"]["median"] + t_ours["rfm_summary_days"]["median"],
                      "cpu": t_ours["purchase_days_build"]["cpu"] + t_ours["rfm_summary_days"]["cpu"], "runs": []}
    rows = [
        ("summary from the lines", t_ours["rfm_summary"], summary_lt),
        ("purchase-day table: build", t_ours["purchase_days_build"], None),
        ("  refresh (30 days' lines)", t_ours["purchase_days_refresh"], None),
        ("summary from purchase days", t_ours["rfm_summary_days"], summary_lt),
        ("  build + summary", build_and_read, summary_lt),
        ("BG/NBD fit", t_ours["bgnbd_fit"], t_theirs["bgnbd_fit"]),
        ("Gamma-Gamma fit", t_ours["gamma_gamma_fit"], t_theirs["gamma_gamma_fit"]),
        ("12-month value", t_ours["clv_12m"], t_theirs["clv_12m"]),
        ("Pareto/NBD fit", t_ours["pareto_fit"], t_theirs["pareto_fit"]),
    ]
    print(f"{'step':<29}{'saleskpi wall (CPU)':>22}{'lifetimes wall (CPU)':>23}{'x wall':>8}{'x CPU':>7}   "
          f"saleskpi runs")
    for name, a, b in rows:
        runs = ", ".join(f"{r:.3f}" for r in a["runs"])
        left = f"{a['median']:.3f} s ({a['cpu']:.3f})"
        if b is None:
            print(f"{name:<29}{left:>22}{'':>23}{'':>8}{'':>7}   {runs}")
            continue
        right = f"{b['median']:.2f} s ({b['cpu']:.2f})"
        print(f"{name:<29}{left:>22}{right:>23}{b['median'] / a['median']:>7.1f}x{b['cpu'] / a['cpu']:>6.1f}x   {runs}")
    print(f"{'peak RSS of the process':<29}{ours['peak_rss_mb']:>19,.0f} MB{theirs['peak_rss_mb']:>20,.0f} MB"
          f"   (the purchase-day process: {days['peak_rss_mb']:,.0f} MB)")
    print(f"summary from purchase days vs from the lines: same customers {days['days_vs_lines_same_customers']}, "
          f"max |difference| {days['days_vs_lines_max_abs_diff']}; refreshed table = built table: "
          f"{days['refresh_equals_build']}")
    for model in ("bgnbd", "gamma_gamma", "pareto"):
        cells = []
        for k, v in ours[model].items():
            w = theirs[model][k]
            cells.append(f"{k} {v:.6g} / {w:.6g} (rel {abs(v - w) / abs(w):.1e}, "
                         f"4 digits {'equal' if sig_digits_equal(v, w) else 'DIFFER'})")
        print(f"{model}{' (lifetimes: last run)' if model == 'pareto' else ''}: " + "; ".join(cells))
    print(f"pareto: saleskpi {ours['pareto_iterations']} iterations, log-likelihood {ours['pareto_ll']:,.3f}")
    for i, run in enumerate(theirs["pareto_runs"], 1):
        ll_ours, ll_theirs = pareto_log_likelihoods(ours["pareto"], run["params"], ours["pareto_customers"])
        equal = all(sig_digits_equal(ours["pareto"][k], v) for k, v in run["params"].items())
        params = ", ".join(f"{k} {v:.6g}" for k, v in run["params"].items())
        print(f"  lifetimes run {i}: {run['seconds']:.2f} s ({run['cpu']:.2f} CPU), {params}; log-likelihood "
              f"(saleskpi's formula) {ll_theirs:,.3f} vs saleskpi's {ll_ours:,.3f}; 4 digits "
              f"{'equal' if equal else 'DIFFER'}; x wall {run['seconds'] / t_ours['pareto_fit']['median']:.1f}")
    print(f"summaries, max |saleskpi - lifetimes|: {theirs['summary_max_abs_diff']}")
    print(f"12-month value: total {ours['clv_12m_total']:,.2f} / {theirs['clv_12m_total']:,.2f}; max relative "
          f"difference per customer (value > 1) {theirs['clv_12m_max_rel_diff']:.1e}")
    print(f"processes: saleskpi {ours['process_wall']:.1f} s wall / {ours['process_cpu']:.1f} s CPU (purchase days "
          f"{days['process_wall']:.1f} / {days['process_cpu']:.1f}); lifetimes {theirs['process_wall']:.1f} s / "
          f"{theirs['process_cpu']:.1f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--pareto-customers", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each saleskpi step (median shown)")
    ap.add_argument("--lifetimes-pareto-runs", type=int, default=2,
                    help="runs of lifetimes' ParetoNBDFitter (each shown; the median is compared)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench/out/clv_lines.parquet")
    ap.add_argument("--out", type=Path, default=OUT, help="folder of the data and results (default bench/out)")
    ap.add_argument("--summary-only", action="store_true",
                    help="only the summary on raw lines: saleskpi, the hand SQL query, lifetimes")
    ap.add_argument("--bgnbd-only", action="store_true",
                    help="only the BG/NBD fit on the stored summary, saleskpi and lifetimes alternately "
                         "(--repeats rounds of one process each)")
    ap.add_argument("--end-to-end", action="store_true",
                    help="only end to end: the lines as a Parquet sales file to 12-month CLV and P(alive), "
                         "saleskpi (init + import + compute --only clv, processes) against lifetimes "
                         "(read, summary, fits, CLV), alternately, --repeats rounds")
    ap.add_argument("--child", choices=["generate", "ours", "days", "raw", "lifetimes", "lifetimes_summary",
                                        "bgnbd", "lifetimes_bgnbd", "e2e_file", "e2e_read", "e2e_lifetimes",
                                        "e2e_compare", "e2e_floor"],
                    help=argparse.SUPPRESS)
    args = ap.parse_args()
    use_folder(args.out)
    if args.child == "generate":
        print(json.dumps(generate(args.customers)))
        return
    if args.child == "ours":
        print(json.dumps(run_ours(args.pareto_customers, args.repeats)))
        return
    if args.child == "days":
        print(json.dumps(run_days(args.repeats)))
        return
    if args.child == "lifetimes":
        print(json.dumps(run_lifetimes(args.pareto_customers, args.lifetimes_pareto_runs)))
        return
    if args.child == "raw":
        print(json.dumps(run_raw(args.repeats)))
        return
    if args.child in ("bgnbd", "lifetimes_bgnbd"):
        print(json.dumps(run_bgnbd(1, args.child == "lifetimes_bgnbd")))
        return
    if args.child == "e2e_file":
        print(json.dumps({"file": str(sales_file())}))
        return
    if args.child == "e2e_read":
        print(json.dumps(read_e2e_ours(OUT / "e2e-workspace")))
        return
    if args.child == "e2e_lifetimes":
        print(json.dumps(run_e2e_lifetimes()))
        return
    if args.child == "e2e_compare":
        print(json.dumps(compare_e2e()))
        return
    if args.child == "e2e_floor":
        print(json.dumps(e2e_floor(OUT / "e2e-workspace")))
        return
    if args.child == "lifetimes_summary":
        print(json.dumps(run_lifetimes_summary(args.repeats)))
        return
    python = ensure_venv()
    gen = None
    if not (args.reuse and LINES.exists()):
        gen = run_phase(sys.executable, "generate", args)
    start = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    if args.bgnbd_only:
        print(f"machine load at the start: {start}")
        rounds = []
        for _ in range(args.repeats):
            ours, theirs = run_phase(sys.executable, "bgnbd", args), run_phase(python, "lifetimes_bgnbd", args)
            load = os.getloadavg()[0]
            rounds.append((ours["times"]["bgnbd_fit"]["median"], theirs["times"]["bgnbd_fit"]["median"]))
            print(f"BG/NBD fit: saleskpi {rounds[-1][0]:.3f} s, lifetimes {rounds[-1][1]:.2f} s = "
                  f"{rounds[-1][1] / rounds[-1][0]:.1f}x (load {load:.2f})", flush=True)
        a, b = sorted(r[0] for r in rounds), sorted(r[1] for r in rounds)
        print(f"saleskpi min/median/max {a[0]:.3f}/{statistics.median(a):.3f}/{a[-1]:.3f} s; lifetimes "
              f"{b[0]:.2f}/{statistics.median(b):.2f}/{b[-1]:.2f} s; ratio of medians "
              f"{statistics.median(b) / statistics.median(a):.1f}x")
        print("params saleskpi", ours["params"], "log-likelihood", ours["ll"], "iterations", ours["iterations"])
        print("params lifetimes", theirs["params"])
        after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"machine load at the end: {after}")
        return
    if args.end_to_end:
        run_phase(sys.executable, "e2e_file", args)
        rounds, loads = [], []
        for _ in range(args.repeats):
            before = load_average()
            ours = run_e2e_ours(OUT / "e2e-workspace")
            theirs = run_phase(python, "e2e_lifetimes", args)
            rounds.append((ours, theirs))
            loads.append((before, load_average()))
        run_phase(sys.executable, "e2e_read", args)
        report_e2e(rounds, run_phase(sys.executable, "e2e_compare", args), loads,
                   run_phase(sys.executable, "e2e_floor", args))
        return
    if args.summary_only:
        print(f"machine load at the start: {start}")
        report_raw(run_phase(sys.executable, "raw", args), run_phase(python, "lifetimes_summary", args))
        after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
        print(f"machine load at the end: {after}")
        return
    raw = run_phase(sys.executable, "raw", args)
    ours = run_phase(sys.executable, "ours", args)
    days = run_phase(sys.executable, "days", args)
    theirs = run_phase(python, "lifetimes", args)
    report(gen, ours, days, theirs, start)
    report_raw(raw, theirs)
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"machine load at the end: {after}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
