"""Contests of an incentive plan (docs/incentives.md, "Contests"): prizes by rank on a measure.

A contest runs over the plan's period, or once per shorter period of it (``period = "quarter"``
in a yearly plan): each quarter of the plan's period to date is a **round**, ranked on that
quarter's figures and paid its prizes; the quarter that holds the as-of date is ranked to date
and its rows say so. A round's figures are the ``sales`` rows of the rep for that quarter as the
sales analysis computes them (:func:`saleskpi.analyses.incentives.whatif.rep_measures`, the one
definition of turnover, target and attainment): a complete quarter on its last day (its whole
target due), the current one to the as-of date with the seasonal share of its target due
(:func:`saleskpi.analyses.sales.seasonal_share`), its target from the targets table (period
``2026-Q2``, level rep).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from saleskpi.analyses.incentives.curve import CENT, to_decimal
from saleskpi.analyses.incentives.plans import SPLIT_MEASURES, Contest, Plan
from saleskpi.analyses.incentives.whatif import needs_counts, rep_measures
from saleskpi.analyses.periods import Window, periods, whole_period

__all__ = ["Round", "contest_prizes", "contest_rounds", "contest_rows", "prefetch_rounds"]


@dataclass(frozen=True)
class Round:
    """One ranking of a contest: the period ranked (``label``; None for the plan's own period),
    its days ranked (``window``: to the as-of date when ``to_date``), the last day of the whole
    period, and per rep the figures and targets of that period."""

    label: str | None
    window: Window
    ends: dt.date
    rep_rows: dict[str, dict]
    targets: dict[tuple[str, str], float]
    to_date: bool = False
    note: str | None = field(default=None)
    #: per rep affected, the note of the plan's credit splits applied to ``rep_rows`` (a round of a
    #: shorter period: :func:`~.pools.split_rounds`)
    credit_notes: dict[str, str] = field(default_factory=dict)


def contest_prizes(contest: Contest, figures: dict[str, float | None]) -> dict[str, tuple[int, Decimal]]:
    """Rank and prize per ranked rep of ``contest`` on ``figures`` (rep -> the ranked figure).

    Reps without a figure, or below ``min_value``, are not ranked. The highest figure ranks 1;
    reps with equal figures share a rank (the best of the ranks they span: 1, 2, 2, 4) and split
    the prizes of the ranks they span equally, each share rounded to the cent half away from zero
    (the split used for tied places in prize money)."""
    ranked = sorted(((f, rid) for rid, f in figures.items()
                     if f is not None and (contest.min_value is None or f >= contest.min_value)),
                    key=lambda x: (-x[0], x[1]))
    prizes = [to_decimal(p, "prize") for p in contest.prizes]
    out: dict[str, tuple[int, Decimal]] = {}
    i = 0
    while i < len(ranked):
        group = [rid for f, rid in ranked if f == ranked[i][0]]
        pot = sum(prizes[i:i + len(group)], Decimal(0))
        for rid in group:
            out[rid] = (i + 1, (pot / len(group)).quantize(CENT, rounding=ROUND_HALF_UP))
        i += len(group)
    return out


def _rep_targets(ctx, labels: list[str]) -> dict[str, dict[tuple[str, str], float]]:
    """Per period label, the reps' targets: (rep_id, kpi) -> target."""
    t = ctx.table("targets")
    rows = t.filter(t.period.isin(labels) & (t.level == "rep")).select("period", "key", "kpi", "target")
    out: dict[str, dict] = {}
    for r in rows.to_pyarrow().to_pylist():
        if r["target"] is not None:
            out.setdefault(r["period"], {})[(r["key"] or "", r["kpi"])] = float(r["target"])
    return out


def _short_periods(plan: Plan) -> list[str]:
    """The periods shorter than the plan's that its contests run per."""
    return list(dict.fromkeys(k.period for k in plan.contest if k.period not in (None, plan.period)))


def _spans(window: Window, granularity: str) -> list:
    """The rounds per ``granularity`` of ``window``: (periods on the round's last day computed, to
    date or not, the round's whole last day), oldest first."""
    spans, day = [], window.start
    while day <= window.end:
        whole = whole_period(day, granularity)
        end = min(whole.end, window.end)
        spans.append((periods(end, granularity), end < whole.end, whole.end))
        day = whole.end + dt.timedelta(days=1)
    return spans


def prefetch_rounds(ctx, pairs: list[tuple[Plan, Window]], first_day: dt.date | None, memo: dict) -> None:
    """The figures of every contest round of the (plan, window) ``pairs`` not yet in ``memo``
    computed into it, in one :func:`rep_measures` per contest period (and need of the distinct
    counts): the replay's rounds of every past period in one query rather than one per period."""
    wanted: dict[tuple[str, bool], dict] = {}
    for plan, window in pairs:
        for granularity in _short_periods(plan):
            # the rounds' distinct counts only when a contest ranks on one (a round read without
            # them is read again for a plan that needs them)
            counts = needs_counts(plan.measures(contests_of=granularity))
            for p, to_date, _ in _spans(window, granularity):
                key = (p.label, p.current.end)
                if key not in memo or (counts and not memo[key][3]):
                    wanted.setdefault((granularity, counts), {})[key] = (p, to_date)
    for (granularity, counts), rounds in wanted.items():
        for p, figures in _round_figures(ctx, list(rounds.values()), first_day, granularity, counts).items():
            memo[(p.label, p.current.end)] = figures


def contest_rounds(ctx, plan: Plan, window: Window, first_day: dt.date | None,
                   memo: dict | None = None) -> dict[str, list[Round]]:
    """Per contest period shorter than the plan's (``quarter``, ``month``), the rounds of
    ``window`` (the plan's period to its last day computed, ``window.end``): every such period
    that began by then, oldest first. ``memo`` (label, last day) -> figures is shared by the
    callers that compute the same periods (the plans of a run, the replay's two plans;
    :func:`prefetch_rounds` fills it for many windows at once)."""
    memo = {} if memo is None else memo
    prefetch_rounds(ctx, [(plan, window)], first_day, memo)
    out: dict[str, list[Round]] = {}
    for granularity in _short_periods(plan):
        out[granularity] = [Round(p.label, p.current, ends, *memo[(p.label, p.current.end)][:2], to_date,
                                  memo[(p.label, p.current.end)][2])
                            for p, to_date, ends in _spans(window, granularity)]
    return out


def _round_figures(ctx, rounds: list, first_day: dt.date | None, granularity: str, counts: bool) -> dict:
    """Per period ``p`` of ``rounds`` ((p, to_date) pairs) its (rep rows, rep targets, note,
    ``counts``), by :func:`rep_measures` (the periods in one query; the distinct counts only
    with ``counts``)."""
    from saleskpi.analyses.sales import seasonal_share

    out, read = {}, []
    for p, to_date in rounds:
        if first_day is None or first_day > p.current.end:
            since = "there are no sales" if first_day is None else f"the sales data begin on {first_day}"
            out[p] = ({}, {}, f"{since}, after {p.label}: no figures", True)
        else:
            read.append((p, seasonal_share(ctx, p, first_day) if to_date else 1.0))
    if read:
        figures = rep_measures(ctx, [p for p, _ in read], first_day, granularity=granularity,
                               seasonal_shares={p.label: share for p, share in read}, measures=None if counts else ())
        targets = _rep_targets(ctx, [p.label for p, _ in read])
        for p, _ in read:
            note = (f"the sales data begin on {first_day}, within {p.label}: its figures are partial"
                    if first_day > p.current.start else None)
            out[p] = (figures[p.label][0], targets.get(p.label, {}), note, counts)
    return out


def _unranked(k: Contest, rnd: Round, rid: str, figure, target) -> str:
    where = f" in {rnd.label}" if rnd.label else ""
    if figure is None and k.rank_on == "attainment" and rnd.label and (target is None or target <= 0):
        return (f"not ranked: no target for {rid}{where} (targets, level rep, kpi {k.measure}, period {rnd.label})"
                if target is None else f"not ranked: the target for {rid}{where} is {target}, not positive")
    if figure is None:
        return f"not ranked: {k.measure} {'attainment ' if k.rank_on == 'attainment' else ''}is unknown for {rid}{where}"
    return f"not ranked: below the contest's min_value {k.min_value}"


def contest_rows(plan: Plan, rounds: dict[str, list[Round]], plan_round: Round, employed: list[dict], *,
                 figures, employed_in, credit_notes: dict[str, str], warn=lambda message: None
                 ) -> dict[str, list[dict]]:
    """Per rep, its rows of the plan's contests (without the rep's base columns): one per contest
    and round, with the ranked figure, the rank and the prize (``pay``; 0 when not ranked, the
    note says why).

    ``plan_round``: the round of a contest over the plan's own period; ``rounds``: per shorter
    contest period its rounds (:func:`contest_rounds`); ``employed``: the plan's reps employed in
    the period to date; ``figures(measure, rep_row, targets, rep_id)`` -> (value, target,
    attainment); ``employed_in(rep, window)``: whether the rep was employed in a round's days; ``credit_notes``: per
    rep the note of the credit splits applied to the plan round's figures (a shorter round carries
    its own)."""
    out: dict[str, list[dict]] = {}
    for k in plan.contest:
        if k.period in (None, plan.period):
            k_rounds = [plan_round]
        elif k.period in rounds:
            k_rounds = rounds[k.period]
        else:
            raise ValueError(f"contest '{k.name}' runs per {k.period}: pass its rounds (contest_rounds)")
        untargeted: set[str] = set()
        for rnd in k_rounds:
            ranked = [r for r in employed if rnd.label is None or employed_in(r, rnd.window)]
            known, ranked_on = {}, {}
            for r in ranked:
                value, target, attainment = figures(k.measure, rnd.rep_rows.get(r["rep_id"]), rnd.targets, r["rep_id"])
                known[r["rep_id"]] = (value, target, attainment)
                ranked_on[r["rep_id"]] = attainment if k.rank_on == "attainment" else value
            won = contest_prizes(k, ranked_on)
            for r in employed:
                rid = r["rep_id"]
                value, target, attainment = known.get(rid, (None, None, None))
                rank, prize = won.get(rid, (None, Decimal("0.00")))
                if rid not in known:
                    note = f"not ranked: not employed in {rnd.label}"
                elif rank is None:
                    note = _unranked(k, rnd, rid, ranked_on[rid], target)
                    if note.startswith("not ranked: no target"):
                        untargeted.add(rnd.label)
                else:
                    ties = sum(1 for x, _ in won.values() if x == rank)
                    note = (None if ties == 1 else
                            f"tied with {ties - 1} other rep(s): the prizes of the places they share are split equally")
                if rnd.to_date:
                    note = "; ".join(filter(None, [f"{rnd.label} to date: the {k.period} runs to {rnd.ends}, so its "
                                                   "ranking may still change", note]))
                notes_of = credit_notes if rnd.label is None else rnd.credit_notes
                if rid in notes_of:
                    note = "; ".join(filter(None, [note, notes_of[rid] if k.measure in SPLIT_MEASURES else
                                                   f"credit split not applied: {k.measure} is not a sum over customers"]))
                note = "; ".join(filter(None, [note, rnd.note])) or None
                out.setdefault(rid, []).append({
                    "step": "contest", "component": k.name if rnd.label is None else f"{k.name} {rnd.label}",
                    "measure": k.measure, "basis": k.rank_on, "actual": value, "target": target,
                    "attainment": attainment, "rank": rank, "pay": prize, "note": note})
        if untargeted:
            warn(f"plan '{plan.name}': contest '{k.name}' ranks on attainment, and some reps have no target for "
                 f"{', '.join(sorted(untargeted))} (targets, level rep, kpi {k.measure}), so they are not ranked there; "
                 "import the targets of those periods.")
    return out
