"""CLV benchmark: saleskpi against lifetimes 0.11.3 on the same data, machine and run.

    .venv/bin/python bench/clv_bench.py                  # 1M customers, about 12M lines
    .venv/bin/python bench/clv_bench.py --reuse          # keep bench/out/clv_lines.parquet
    .venv/bin/python bench/clv_bench.py --customers 100000 --pareto-customers 20000

Prints figures; it is not a test. What it does (bench/README.md has the results):

1. generates (once; ``--reuse`` keeps it) invoice lines of ``--customers`` customers over two
   years from a BG/NBD purchase process with Gamma-Gamma spend (numpy, seeded), 1 + Poisson(1.5)
   lines per purchase day, written to ``bench/out/clv_lines.parquet``;
2. creates ``bench/out/.venv-lifetimes`` (gitignored, like all of bench/out/) with
   ``lifetimes==0.11.3`` if it is not there: lifetimes is never installed into the project's
   own environment;
3. runs saleskpi in one subprocess: ``rfm_summary`` (Ibis on DuckDB, the lines loaded into an
   in-memory DuckDB table first), ``BetaGeo`` and ``GammaGamma`` fits on that summary, the
   12-month discounted value of every customer, ``ParetoNBD`` on the first
   ``--pareto-customers`` customers; the summary goes to ``bench/out/clv_summary.parquet``;
4. runs lifetimes in another subprocess, from its own venv: ``summary_data_from_transaction_data``
   (freq "D", freq_multiplier 7: the published convention) on the same lines as a pandas frame,
   then ``BetaGeoFitter``, ``GammaGammaFitter``, ``customer_lifetime_value`` and
   ``ParetoNBDFitter`` on saleskpi's summary (the same summary for both fitters);
5. compares: times, speed-ups, parameters (relative differences), the two summaries, the
   12-month values, and each subprocess's peak RSS (``getrusage`` of the process itself; the
   parent that generated the data is another process, since Linux carries peak RSS over fork).

The 12-month value uses lifetimes' month of 4.345 weeks on both sides so the numbers compare.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


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


def run_ours(pareto_customers: int, repeats: int) -> dict:
    import datetime as dt

    import ibis
    import numpy as np
    import pyarrow.parquet as pq

    from saleskpi.analyses.clv import discounted_purchases
    from saleskpi.analyses.clv_summary import rfm_summary
    from saleskpi.models import BetaGeo, GammaGamma, ParetoNBD

    con = ibis.duckdb.connect()
    con.raw_sql(f"CREATE TABLE lines AS SELECT * FROM read_parquet('{LINES}')")
    lines = con.table("lines")
    out: dict = {"times": {}}

    def timed(name, fn, n=repeats):
        runs, value = [], None
        for _ in range(n):
            t0 = time.perf_counter()
            value = fn()
            runs.append(time.perf_counter() - t0)
        out["times"][name] = {"runs": runs, "median": statistics.median(runs)}
        return value

    end = dt.date.fromisoformat(OBSERVATION_END)
    summary = timed("rfm_summary", lambda: rfm_summary(
        lines, customer="customer_id", date="date", value="value", observation_end=end).to_pyarrow())
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
    pareto = timed("pareto_fit", lambda: ParetoNBD().fit(first), n=1)
    out |= {
        "rows": summary.num_rows, "repeat_buyers": int(rep.sum()),
        "bgnbd": bg.params_, "bgnbd_ll": bg.log_likelihood_, "gamma_gamma": gg.params_,
        "pareto": pareto.params_, "pareto_ll": pareto.log_likelihood_, "pareto_customers": pareto_customers,
        "clv_12m_total": float(clv.sum()), "clv_12m_head": clv[:5].tolist(),
        "peak_rss_mb": peak_rss_mb(),
    }
    np.save(OUT / "clv_12m_ours.npy", clv)
    return out


# --- 4. lifetimes (runs in its own venv: imports nothing from saleskpi) ---------------------------


def run_lifetimes(pareto_customers: int) -> dict:
    import warnings

    import numpy as np
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter
    from lifetimes.utils import summary_data_from_transaction_data

    warnings.simplefilter("ignore")
    out: dict = {"times": {}}

    def timed(name, fn):
        t0 = time.perf_counter()
        value = fn()
        out["times"][name] = {"runs": [time.perf_counter() - t0], "median": time.perf_counter() - t0}
        return value

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
    pnf = timed("pareto_fit", lambda: ParetoNBDFitter().fit(first["frequency"], first["recency"], first["T"]))
    ours = np.load(OUT / "clv_12m_ours.npy")
    theirs = clv.to_numpy()
    big = np.abs(theirs) > 1.0
    out |= {
        "bgnbd": {k: float(v) for k, v in bgf.params_.items()},
        # lifetimes calls gamma "v"
        "gamma_gamma": {{"v": "gamma"}.get(k, k): float(v) for k, v in ggf.params_.items()},
        "pareto": {k: float(v) for k, v in pnf.params_.items()},
        "clv_12m_total": float(theirs.sum()),
        "clv_12m_max_rel_diff": float(np.max(np.abs(ours[big] - theirs[big]) / np.abs(theirs[big]))),
        "peak_rss_mb": peak_rss_mb(),
    }
    return out


# --- orchestration ---------------------------------------------------------------------------------


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        print(f"creating {VENV} with lifetimes 0.11.3 ...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "lifetimes==0.11.3", "pyarrow"],
                       check=True)
    return python


def child(python: str | Path, phase: str, args: argparse.Namespace) -> dict:
    cmd = [str(python), __file__, "--phase", phase, "--customers", str(args.customers),
           "--pareto-customers", str(args.pareto_customers), "--repeats", str(args.repeats)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{phase} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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


def report(gen: dict | None, ours: dict, theirs: dict, load: str) -> None:
    print(f"machine load at the start: {load}")
    if gen:
        print(f"data: {gen['customers']:,} customers, {gen['lines']:,} lines, {gen['purchase_events']:,} "
              f"purchase events (generated in {gen['seconds']:.1f} s)")
    print(f"summary rows: {ours['rows']:,}; repeat buyers: {ours['repeat_buyers']:,}")
    print(f"{'step':<18}{'saleskpi (median)':>20}{'lifetimes':>12}{'speed-up':>10}   saleskpi runs")
    for step in ("rfm_summary", "bgnbd_fit", "gamma_gamma_fit", "clv_12m", "pareto_fit"):
        a, b = ours["times"][step]["median"], theirs["times"][step]["median"]
        runs = ", ".join(f"{r:.2f}" for r in ours["times"][step]["runs"])
        print(f"{step:<18}{a:>19.3f}s{b:>11.2f}s{b / a:>9.1f}x   {runs}")
    print(f"{'peak RSS':<18}{ours['peak_rss_mb']:>18.0f}MB{theirs['peak_rss_mb']:>10.0f}MB")
    for model in ("bgnbd", "gamma_gamma", "pareto"):
        rows = []
        for k, v in ours[model].items():
            w = theirs[model][k]
            rows.append(f"{k} {v:.6g} / {w:.6g} (rel {abs(v - w) / abs(w):.1e}, "
                        f"4 digits {'equal' if sig_digits_equal(v, w) else 'DIFFER'})")
        print(f"{model}: " + "; ".join(rows))
    ll_ours, ll_theirs = pareto_log_likelihoods(ours["pareto"], theirs["pareto"], ours["pareto_customers"])
    print(f"pareto log-likelihood (saleskpi's formula) at saleskpi's / lifetimes' parameters: {ll_ours:,.3f} / "
          f"{ll_theirs:,.3f}")
    print(f"summaries, max |saleskpi - lifetimes|: {theirs['summary_max_abs_diff']}")
    print(f"12-month value: total {ours['clv_12m_total']:,.2f} / {theirs['clv_12m_total']:,.2f}; max relative "
          f"difference per customer (value > 1) {theirs['clv_12m_max_rel_diff']:.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--pareto-customers", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=3, help="runs of each saleskpi step (median shown)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing bench/out/clv_lines.parquet")
    ap.add_argument("--phase", choices=["generate", "ours", "lifetimes"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.phase == "generate":
        print(json.dumps(generate(args.customers)))
        return
    if args.phase == "ours":
        print(json.dumps(run_ours(args.pareto_customers, args.repeats)))
        return
    if args.phase == "lifetimes":
        print(json.dumps(run_lifetimes(args.pareto_customers)))
        return
    python = ensure_venv()
    gen = None
    if not (args.reuse and LINES.exists()):
        gen = child(sys.executable, "generate", args)
    load = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    ours = child(sys.executable, "ours", args)
    theirs = child(python, "lifetimes", args)
    report(gen, ours, theirs, load)
    after = subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    print(f"machine load at the end: {after}")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
