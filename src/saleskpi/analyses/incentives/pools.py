"""Team pools and credit splits of an incentive plan (docs/incentives.md, "Team pools", "Credit splits").

A **pool** ([[pool]]) is funded per team by the team's figure of a measure (its ``sales`` row of
level team) through the payout curve of :func:`saleskpi.analyses.incentives.curve.tiered_pay`
(with basis attainment the curve runs in money on ``target_pool``, as a component's does on its
target pay), then split among the plan's reps of the team: equally, pro rata to a contribution,
by weights or by a formula over each rep's measures. The amounts are cut to the cent by the largest-remainder (Hamilton) method, so the
shares paid add up to the pool exactly (Balinski & Young, *Fair Representation*, 1982, ch. 2:
each gets the floor of its quota, the cents left go to the largest remainders).

A **credit split** ([[credit_split]]) re-credits a shared customer's sales: rep r's measure m
becomes m_r − Σ_C own_{C,r} + Σ_C share_{C,r} · total_C over the split customers C, where
own_{C,r} is what the invoice lines credited to r on C and total_C all of C's sales in the
period; so the reps' figures still add up to the company's. Only the sums over customers
(:data:`~.plans.SPLIT_MEASURES`) are split; the team rows move with their reps.
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from saleskpi.analyses.incentives.curve import CENT, to_decimal
from saleskpi.analyses.incentives.plans import MEASURES, SPLIT_MEASURES, CreditSplit, Plan, Pool, split_formula_names
from saleskpi.analyses.kpis.formula import evaluate, measures_of

__all__ = ["split_amount", "pool_shares", "credited_columns", "credited_sums", "apply_credit_splits", "split_rounds"]


def split_amount(amount: Decimal, weights: dict[str, Decimal]) -> dict[str, Decimal]:
    """``amount`` (to the cent) split in proportion to ``weights`` (each >= 0, sum > 0), each part
    to the cent and the parts summing to ``amount`` exactly: the largest-remainder method
    (Hamilton; Balinski & Young 1982): part_i = floor(q_i) cents with q_i = cents · w_i / Σw, and
    the cents left over go one each to the largest remainders q_i − floor(q_i) (ties: the first
    key in sorted order)."""
    total = sum(weights.values(), Decimal(0))
    cents = int((amount / CENT).to_integral_value())
    sign = -1 if cents < 0 else 1
    quota = {k: Decimal(abs(cents)) * w / total for k, w in weights.items()}
    floor = {k: int(q.to_integral_value(rounding=ROUND_FLOOR)) for k, q in quota.items()}
    left = abs(cents) - sum(floor.values())
    for k in sorted(quota, key=lambda k: (-(quota[k] - floor[k]), k))[:left]:
        floor[k] += 1
    return {k: (Decimal(sign * floor[k]) * CENT) for k in weights}


def pool_shares(pool: Pool, plan: Plan, members: list[dict], rep_rows: dict[str, dict], targets: dict,
                proration: dict[str, Decimal], figures) -> tuple[dict[str, Decimal] | None, str]:
    """The weights of a team's ``members`` in ``pool`` and how they were set (for the note); None
    when a pro-rata contribution is unknown (the pool is then not split: never 0 paid silently)."""
    if pool.split == "equal":
        w = {r["rep_id"]: (proration[r["rep_id"]] if plan.prorate else Decimal(1)) for r in members}
        return w, "split equally" + (" by the share of the period employed" if plan.prorate else "")
    if pool.split == "weights":
        return ({r["rep_id"]: to_decimal(pool.weights.get(r["rep_id"], 0), "weight") for r in members},
                "split by the plan's weights")
    if pool.split == "formula":
        return _formula_shares(pool, members, rep_rows, targets, figures)
    on = pool.split_on or pool.measure
    w: dict[str, Decimal] = {}
    for r in members:
        row = rep_rows.get(r["rep_id"])
        value = 0.0 if row is None else figures(on, row, targets, r["rep_id"])[0]  # no row: no sales
        if value is None:
            return None, f"not split: {on} is unknown for {r['rep_id']} (see {MEASURES[on].result}.note)"
        w[r["rep_id"]] = max(Decimal(0), to_decimal(value, "contribution"))
    return w, f"split pro rata to {on}"


def _formula_shares(pool: Pool, members: list[dict], rep_rows: dict[str, dict], targets: dict,
                    figures) -> tuple[dict[str, Decimal] | None, str]:
    """The weights of ``members`` by ``pool.split_formula`` (:func:`saleskpi.analyses.kpis.formula.
    evaluate` on each rep's measures and attainments); a negative weight counts 0, a rep without
    a row in the sales result sold nothing and weighs 0; None when a rep's weight is unknown."""
    names = split_formula_names()
    w: dict[str, Decimal] = {}
    for r in members:
        rid, row = r["rep_id"], rep_rows.get(r["rep_id"])
        if row is None:
            w[rid] = Decimal(0)
            continue
        values = {}
        for name in measures_of(pool.split_formula):
            measure, part = names[name]
            value, _, attainment = figures(measure, row, targets, rid)
            x = attainment if part == "attainment" else value
            if x is None:
                return None, (f"not split: {name} is unknown for {rid}" + (
                    " (no target, or the measure is empty)" if part == "attainment" else f" (see {MEASURES[measure].result}.note)"))
            values[name] = to_decimal(x, name)
        weight = evaluate(pool.split_formula, values)
        if weight is None:
            return None, (f"not split: {pool.split_formula} is empty for {rid} (a denominator is not positive)")
        w[rid] = max(Decimal(0), weight)
    return w, f"split by the formula {pool.split_formula}"


def credited_columns() -> list[str]:
    """The ``sales`` columns of :data:`SPLIT_MEASURES`, which a credit split moves."""
    return [MEASURES[m].column for m in SPLIT_MEASURES]


def apply_credit_splits(rep_rows: dict[str, dict], team_rows: dict[str, dict], credited: list[dict],
                        splits: list[CreditSplit], team_of: dict[str, str | None]
                        ) -> tuple[dict[str, dict], dict[str, dict], dict[str, str]]:
    """The rep and team rows with the split customers' sales re-credited by their shares, and per
    rep affected the note that says so.

    ``credited``: per split customer × credited rep (× its team) the period's sums of the
    :func:`credited_columns` (``customer_id``, ``rep_id``, ``team_id`` and those columns). An
    empty (unknown) figure stays empty; the stored attainments are recomputed on the new
    figures (value / target due to date)."""
    columns = credited_columns()
    delta: dict[tuple[str, str], dict[str, Decimal]] = {}  # (level, key) -> column -> change

    def add(level: str, key: str | None, col: str, x: Decimal) -> None:
        if key is not None:
            d = delta.setdefault((level, key), {})
            d[col] = d.get(col, Decimal(0)) + x

    notes: dict[str, list[str]] = {}
    for split in splits:
        lines = [r for r in credited if r["customer_id"] == split.customer_id]
        for col in columns:
            total = sum((to_decimal(r[col] or 0, col) for r in lines), Decimal(0))
            for r in lines:
                add("rep", r["rep_id"], col, -to_decimal(r[col] or 0, col))
                add("team", r["team_id"], col, -to_decimal(r[col] or 0, col))
            for rid, share in split.shares.items():
                x = to_decimal(share, "share") * total
                add("rep", rid, col, x)
                add("team", team_of.get(rid), col, x)
        for rid in sorted({r["rep_id"] for r in lines} | set(split.shares)):
            pct = (to_decimal(split.shares.get(rid, 0), "share") * 100).normalize()
            notes.setdefault(rid, []).append(f"{pct:f}% of {split.customer_id}")

    def moved(rows: dict[str, dict], level: str) -> dict[str, dict]:
        out = dict(rows)
        for (lvl, key), d in delta.items():
            if lvl != level:
                continue
            row = dict(out.get(key) or {})
            for col, x in d.items():
                if key in rows and row.get(col) is None:
                    continue  # unknown stays unknown
                row[col] = float(to_decimal(row.get(col) or 0, col) + x)
            for m in SPLIT_MEASURES:
                spec = MEASURES[m]
                if spec.target_from == "stored":
                    value, target = row.get(spec.column), row.get(spec.target_column)
                    row[spec.attainment_column] = (value / target if value is not None and target is not None
                                                   and target > 0 else None)
            out[key] = row
        return out

    return (moved(rep_rows, "rep"), moved(team_rows, "team"),
            {rid: "credit split: counts " + ", ".join(n) for rid, n in notes.items()})


def credited_sums(ctx, ps: list, customer_ids: list[str], granularity: str | None = None) -> dict[str, list[dict]]:
    """Per period of ``ps`` (by label): per split customer × credited rep (and its team) the
    period's sums of the columns a credit split moves (:func:`credited_columns`), from the grain of
    the ``sales`` result (:func:`saleskpi.analyses.sales.periods_grain`: the same customer ×
    product × rep sums, all the periods in one query). ``granularity``: the periods' (default the
    workspace's reporting period; a quarterly contest of a yearly plan reads quarters)."""
    from saleskpi.analyses.sales import periods_grain

    g = periods_grain(ctx, ps, nodes=("customer_id", "rep_id", "team_id"), granularity=granularity)
    g = g.filter(g.customer_id.isin(sorted(set(customer_ids))))
    turnover, volume, tp = credited_columns()
    sums = g.group_by("period", "customer_id", "rep_id", "team_id").aggregate(**{
        turnover: g.value_cur.sum(), volume: g.volume_cur.sum(), tp: g.value_cur.sum(where=g.is_target)})
    out: dict[str, list[dict]] = {p.label: [] for p in ps}
    for r in sums.to_pyarrow().to_pylist():
        out[r.pop("period")].append(r)
    return out


def split_rounds(ctx, plan: Plan, rounds: dict[str, list], team_of: dict[str, str | None]) -> dict[str, list]:
    """The contest rounds of ``plan`` (:func:`~.contests.contest_rounds`) with its credit splits
    applied to each round's figures (:func:`apply_credit_splits` on the round's period), each round
    carrying the notes of the reps affected; the rounds themselves when the plan splits no customer."""
    from dataclasses import replace

    from saleskpi.analyses.periods import periods

    if not plan.credit_split or not rounds:
        return rounds
    ids = [c.customer_id for c in plan.credit_split]
    out = {}
    for granularity, rs in rounds.items():
        ps = {r.label: periods(r.window.end, granularity) for r in rs}
        credited = credited_sums(ctx, list(ps.values()), ids, granularity)
        out[granularity] = []
        for r in rs:
            rows, _, notes = apply_credit_splits(r.rep_rows, {}, credited[r.label], plan.credit_split, team_of)
            out[granularity].append(replace(r, rep_rows=rows, credit_notes=notes))
    return out
