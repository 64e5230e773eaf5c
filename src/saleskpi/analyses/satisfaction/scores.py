"""NPS, CSAT and CES by group and period, raw, weighted to the customer base and by value.

The answers of a workspace are few (thousands, not millions): they are pulled into memory once,
with each answering customer's class, territory, rep and turnover, and estimated per group
(:mod:`saleskpi.analyses.satisfaction.estimates`). Weights come from raking each period's
answers to the customer base's counts by class, territory and industry
(:func:`saleskpi.analyses.satisfaction.raking.rake`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from saleskpi.analyses.satisfaction.estimates import Estimate, difference_test, mean_score, nps, top_box_share
from saleskpi.analyses.satisfaction.raking import rake
from saleskpi.errors import UsageError

#: The margins of the customer base the answers are raked to (column of the base frame).
RAKING_MARGINS = ("class_key", "territory_margin", "industry_margin")
MARGIN_NAMES = {"class_key": "class", "territory_margin": "territory", "industry_margin": "industry"}
UNKNOWN = "(unknown)"
OTHER = "(other)"
#: A margin's level needs this many answers to be raked to on its own; fewer are pooled.
MIN_LEVEL_ANSWERS = 5
#: Raking in the analysis: sweeps and tolerance (relative to the base's size).
RAKING_SWEEPS, RAKING_TOL = 1000, 1e-8
NO_CLASS = "(none)"
#: CSAT top-2-box: 4-5 of 1-5; CES 1-7 (schema.SURVEYS).
CSAT_TOP, CSAT_RANGE, CES_RANGE = 4, (1, 5), (1, 7)
#: (level, column of the answers that holds the group key); the company row has no key.
LEVELS = (("company", None), ("class", "class_key"), ("territory", "territory_id"), ("rep", "rep_id"))


def too_few(n: int) -> str:
    return f"too few responses (n = {n})"


def _pooled(base: pd.DataFrame, answers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Levels with fewer than MIN_LEVEL_ANSWERS answers pooled into OTHER, in base and answers
    alike: one answer cannot stand for a whole territory, and sparse levels leave the margins
    with no common solution."""
    base, answers = base.copy(), answers.copy()
    for col in RAKING_MARGINS:
        counts = answers[col].value_counts()
        sparse = set(counts.index[counts < MIN_LEVEL_ANSWERS]) | (set(base[col].unique()) - set(counts.index))
        if sparse:
            base.loc[base[col].isin(sparse), col] = OTHER
            answers.loc[answers[col].isin(sparse), col] = OTHER
    return base, answers


def raking_targets(base: pd.DataFrame, answers: pd.DataFrame, margins: tuple[str, ...]) -> dict:
    """The base's customer counts per level of each margin, for the levels that have answers
    (customers of a level without answers are spread over the others in proportion)."""
    targets = {}
    total = float(len(base))
    for col in margins:
        counts = base[col].value_counts()
        kept = counts[counts.index.isin(set(answers[col].unique()))]
        targets[col] = (kept * (total / kept.sum())).to_dict()
    return targets


def raking_weights(base: pd.DataFrame, answers: pd.DataFrame) -> tuple[np.ndarray, str | None]:
    """One raking weight per answer (NaN for an answer whose customer is not in the base), and
    what the reader should know about them (None when every margin was met).

    Sparse levels are pooled (:func:`_pooled`); when the margins still have no common solution,
    the last margin is dropped and the others raked (class, territory, industry in that order)."""
    w = np.full(len(answers), np.nan)
    known = answers["in_base"].to_numpy()
    if not known.any():
        return w, "no answering customer is in the customer base, so no weight can be given"
    pooled_base, pooled = _pooled(base, answers[known])
    for k in range(len(RAKING_MARGINS), 0, -1):
        margins = RAKING_MARGINS[:k]
        try:
            w[known] = rake(pooled[list(margins)], raking_targets(pooled_base, pooled, margins),
                            max_iter=RAKING_SWEEPS, tol=RAKING_TOL)
        except UsageError:
            continue
        if k < len(RAKING_MARGINS):
            return w, (f"raked to {', '.join(MARGIN_NAMES[m] for m in margins)} only (with "
                       f"{MARGIN_NAMES[RAKING_MARGINS[k]]} the margins have no common solution)")
        return w, None
    return w, "the answers could not be raked to the customer base: the weighted figures are empty"


def _numbers(e: Estimate, prefix: str) -> dict[str, float]:
    return {prefix: e.value, f"{prefix}_ci_low": e.ci_low, f"{prefix}_ci_high": e.ci_high}


def group_row(g: pd.DataFrame, *, min_responses: int, method: str, level: float) -> dict:
    """The figures of one group's answers; empty (NaN) ones with the reason in ``note``."""
    n = len(g)
    row: dict[str, object] = {"responses": n}
    reasons = []
    if n < min_responses:
        return row | {"note": too_few(n), "nps_se": math.nan}
    e = nps(g["nps"], method=method, level=level)
    row |= _numbers(e, "nps") | {"nps_se": e.se}
    for name, col, make in (
        ("csat_top2", "csat", lambda v: top_box_share(v, top=CSAT_TOP, low=CSAT_RANGE[0], high=CSAT_RANGE[1],
                                                        level=level)),
        ("ces", "ces", lambda v: mean_score(v, low=CES_RANGE[0], high=CES_RANGE[1], level=level)),
    ):
        answered = g[col].dropna()
        if len(answered) < min_responses:
            reasons.append(f"{col}: {too_few(len(answered))}")
            continue
        row |= _numbers(make(answered), name)
    w = g["raking_weight"].to_numpy()
    ok = ~np.isnan(w)
    if ok.sum() >= min_responses:
        we = nps(g["nps"][ok], weights=w[ok], method=method, level=level)
        row |= _numbers(we, "nps_weighted") | {"effective_responses": we.n_effective}
    v = g["turnover_value_12m"].clip(lower=0).fillna(0).to_numpy()
    if v.sum() > 0:
        row |= _numbers(nps(g["nps"], weights=v, method=method, level=level), "nps_value_weighted")
    if reasons:
        row["note"] = "; ".join(reasons)
    return row


def _scope(level: str, key: str) -> dict[str, str | None]:
    """The scope keys of a row: its territory or rep (none for answers of customers without one)."""
    real = key != NO_CLASS
    return {"territory_id": key if level == "territory" and real else None,
            "rep_id": key if level == "rep" and real else None}


def by_group(answers: pd.DataFrame, *, min_responses: int, method: str, level: float) -> pd.DataFrame:
    """The rows of the ``nps`` result: every level x group x period."""
    rows = []
    for lvl, col in LEVELS:
        keys = answers[col] if col else pd.Series(["\0"] * len(answers), index=answers.index)
        for (period, key), g in answers.groupby([answers["period"], keys.fillna(NO_CLASS)], sort=True):
            row = group_row(g, min_responses=min_responses, method=method, level=level)
            row |= {"grouped_by": lvl, "group_id": None if col is None else key, "survey_year": period,
                    **_scope(lvl, key)}
            rows.append(row)
    return pd.DataFrame(rows)


def changes(answers: pd.DataFrame, *, min_responses: int, level: float, significance: float) -> pd.DataFrame:
    """The rows of ``nps-change``: each group's NPS against the previous year it has answers in, with
    a z test of the difference (Wald standard errors: the two years as independent samples)."""
    rows = []
    for lvl, col in LEVELS:
        part = answers if col is None else answers.assign(_key=answers[col].fillna(NO_CLASS))
        keyed = part.groupby("_key") if col else [(None, part)]
        for key, g in keyed:
            periods = sorted(g["period"].unique())
            for earlier, later in zip(periods, periods[1:]):
                a, b = g[g["period"] == later], g[g["period"] == earlier]
                row = {"grouped_by": lvl, "group_id": key, "survey_year": later, "previous_year": earlier,
                       **_scope(lvl, key)}
                if min(len(a), len(b)) < min_responses:
                    row["note"] = f"{too_few(min(len(a), len(b)))} in {later if len(a) < len(b) else earlier}"
                    rows.append(row)
                    continue
                ea = nps(a["nps"], method="wald", level=level)
                eb = nps(b["nps"], method="wald", level=level)
                change, z, p = difference_test(ea, eb)
                rows.append(row | {"nps": ea.value, "previous_nps": eb.value, "nps_change": change, "z": z,
                                   "pvalue": p, "significant": bool(p < significance)})
    return pd.DataFrame(rows)
