"""Satisfaction beside what customers do, and how they answer.

- ``drivers``: stated importance (mean importance_* answer) beside derived importance of each
  attribute score_* for the NPS answer (:func:`saleskpi.analyses.satisfaction.drivers.importance`).
- ``response-styles``: per answer, the response-style indices of Baumgartner & Steenkamp (2001,
  "Response Styles in Marketing Research: A Cross-National Investigation", J. Marketing Research
  38(2): 143–156): acquiescence ARS = the mean agreement over the items (on a 1-5 scale 4 → 1,
  5 → 2, otherwise 0; in general x − midpoint above the midpoint), extreme response ERS = the
  share of items at either end of the scale; and straight-lining (every attribute score the same).
- ``survey-selection``: who chose the invitee (survey_invitations.selected_by) against the base.
- ``mislead`` and ``satisfaction-links``: the stated score against behaviour
  (growth against last year from the sales result, share of wallet from abc, P(alive) from clv).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from saleskpi.analyses.satisfaction.drivers import importance
from saleskpi.analyses.satisfaction.estimates import DETRACTOR_UP_TO, PROMOTER_FROM, difference_test, nps
from saleskpi.analyses.satisfaction.scores import too_few
from saleskpi.errors import UsageError

SCORE, STATED = "score_", "importance_"
#: A respondent is flagged when an index lies this many standard deviations above the mean of
#: all answers (a screening rule, not B&S's: they model the indices, they do not flag).
STYLE_SD = 2.0
#: Fewest attribute items for a style index or straight-lining.
MIN_ITEMS = 3
#: P(alive) below this counts as behaviour that contradicts a promoter's answer.
LOW_P_ALIVE = 0.5
NOT_RECORDED = "(not recorded)"


def attributes(answers: pd.DataFrame) -> list[str]:
    """The attributes with a score_* column holding any answer."""
    return [c[len(SCORE):] for c in answers.columns if c.startswith(SCORE) and answers[c].notna().any()]


def drivers(answers: pd.DataFrame, *, min_responses: int) -> tuple[pd.DataFrame, str | None]:
    """The rows of ``drivers`` and what went wrong (None when derived importance was computed)."""
    attrs = attributes(answers)
    if not attrs:
        return pd.DataFrame(), ("the survey answers have no attribute scores (score_* columns): import them to "
                                "derive importance")
    rows = pd.DataFrame({"attribute": attrs})
    stated = {a: answers[STATED + a].dropna() if STATED + a in answers else pd.Series(dtype=float) for a in attrs}
    rows["stated_responses"] = [len(stated[a]) for a in attrs]
    rows["stated_importance"] = [stated[a].mean() if len(stated[a]) else math.nan for a in attrs]
    rows["stated_rank"] = rows["stated_importance"].rank(ascending=False, method="min")
    frame = answers[["nps", *(SCORE + a for a in attrs)]]
    n = int(frame.dropna().shape[0])
    rows["complete_answers"] = n
    if n < max(min_responses, len(attrs) + 2):
        note = f"derived importance: {too_few(n)} with every attribute score and an nps answer"
        return rows.assign(note=note), note
    try:
        rw = importance(frame, target="nps", predictors=[SCORE + a for a in attrs])
        lmg = importance(frame, target="nps", predictors=[SCORE + a for a in attrs], method="lmg") \
            if len(attrs) <= 10 else None
    except UsageError as e:
        return rows.assign(note=str(e)), str(e)
    rows["relative_weight"] = rw.to_numpy()
    rows["relative_weight_share"] = rw.to_numpy() / rw.attrs["r_squared"]
    rows["lmg_weight"] = lmg.to_numpy() if lmg is not None else math.nan
    rows["r_squared"] = rw.attrs["r_squared"]
    rows["derived_rank"] = rows["relative_weight"].rank(ascending=False, method="min")
    return rows, None


def response_styles(answers: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``response-styles``: one per answer with at least MIN_ITEMS attribute items."""
    items = [c for c in answers.columns if (c.startswith(SCORE) or c.startswith(STATED)) and answers[c].notna().any()]
    scores_ = [c for c in items if c.startswith(SCORE)]
    keep = ["response_id", "customer_id", "period", "territory_id", "rep_id"]
    if len(items) < MIN_ITEMS:
        return pd.DataFrame(columns=keep)
    x = answers[items].astype(float).to_numpy()
    low, high = np.nanmin(x), np.nanmax(x)
    mid = (low + high) / 2
    answered = (~np.isnan(x)).sum(1)
    with np.errstate(invalid="ignore"):
        ars = np.nansum(np.clip(x - mid, 0, None), 1) / answered  # B&S (2001): 4 -> 1, 5 -> 2 of 1-5
        ers = np.nansum((x == low) | (x == high), 1) / answered  # B&S (2001): share at the scale's ends
    s = answers[scores_].astype(float)
    straight = ((s.notna().sum(axis=1) >= MIN_ITEMS) & (s.max(axis=1) == s.min(axis=1))).to_numpy()
    out = answers[keep].rename(columns={"period": "survey_year"}).copy()
    out["items"] = answered
    out["straight_lining"] = straight
    ok = answered >= MIN_ITEMS
    out["acquiescence_index"] = np.where(ok, ars, np.nan)
    out["extreme_index"] = np.where(ok, ers, np.nan)
    for index, flag in (("acquiescence_index", "acquiescence"), ("extreme_index", "extreme_response")):
        v = out[index]
        out[flag] = pd.Series(v > v.mean() + STYLE_SD * v.std(), dtype="object").where(ok, None)
    out["scale"] = f"{low:g}-{high:g}"
    out.loc[~ok, "note"] = f"fewer than {MIN_ITEMS} attribute items answered"
    return out


def selection(inv: pd.DataFrame, answers: pd.DataFrame, base: pd.DataFrame, *, level: float,
              min_responses: int, method: str) -> pd.DataFrame:
    """The rows of ``survey-selection``: per year and selected_by, the invitees against the base."""
    inv = inv.copy()
    inv["selected_by"] = inv["selected_by"].fillna(NOT_RECORDED)
    a = answers.merge(inv[["invitation_id", "selected_by"]], on="invitation_id", how="inner")
    base_turnover = base["turnover_value_12m"].mean()
    base_a = (base["class_by_value"] == "A").mean()
    rows = []
    for (year, sel), g in inv.groupby(["period", "selected_by"], sort=True):
        ga = a[(a["period"] == year) & (a["selected_by"] == sel)]
        row = {"survey_year": year, "selected_by": sel, "invitations": len(g),
               "invited_customers": g["customer_id"].nunique(), "base_customers": len(base),
               "answered": len(ga), "invitees_turnover_mean": g["turnover_value_12m"].mean(),
               "base_turnover_mean": base_turnover, "invitees_class_a_share": (g["class_by_value"] == "A").mean(),
               "base_class_a_share": base_a}
        if len(ga) >= min_responses:
            e = nps(ga["nps"], method=method, level=level)
            row |= {"nps": e.value, "nps_ci_low": e.ci_low, "nps_ci_high": e.ci_high}
        else:
            row["note"] = too_few(len(ga))
        rows.append(row)
    out = pd.DataFrame(rows)
    for year, g in out.groupby("survey_year"):
        rand = a[(a["period"] == year) & (a["selected_by"] == "random")]
        for i, row in g.iterrows():
            if row["selected_by"] == "random" or len(rand) < min_responses or pd.isna(row.get("nps")):
                continue
            mine = a[(a["period"] == year) & (a["selected_by"] == row["selected_by"])]
            change, _, p = difference_test(nps(mine["nps"]), nps(rand["nps"]))
            out.loc[i, ["nps_gap_vs_random", "pvalue"]] = [change, p]
    return out


def latest_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """Each customer's latest answer (the last response_id on its latest date)."""
    a = answers[answers["in_base"] & answers["nps"].notna()]
    return a.sort_values(["customer_id", "date", "response_id"]).groupby("customer_id").tail(1)


def mismatch(latest: pd.DataFrame, behaviour: pd.DataFrame, *, change: float) -> pd.DataFrame:
    """The rows of ``mislead``: promoters who buy less (growth ≤ −change against the
    same dates last year) or look lost (P(alive) < LOW_P_ALIVE); detractors who buy more."""
    m = latest.merge(behaviour, on="customer_id", how="left", suffixes=("", "_b"))
    g, alive = m["growth_value_vs_ly"], m["p_alive"]
    promoter, detractor = m["nps"] >= PROMOTER_FROM, m["nps"] <= DETRACTOR_UP_TO
    falling, lost, growing = g <= -change, alive < LOW_P_ALIVE, g >= change
    rows = m[(promoter & (falling | lost)) | (detractor & growing)].copy()
    kind = np.where(rows["nps"] >= PROMOTER_FROM, "promoter, behaving like a leaver", "detractor, buying more")
    evidence = []
    for r in rows.itertuples():
        parts = []
        if not pd.isna(r.growth_value_vs_ly):
            parts.append(f"turnover {r.growth_value_vs_ly:+.0%} against the same dates last year")
        if not pd.isna(r.p_alive):
            parts.append(f"P(alive) {r.p_alive:.2f}")
        if not pd.isna(r.share_of_wallet_by_value):
            parts.append(f"share of wallet {r.share_of_wallet_by_value:.0%}")
        evidence.append(f"nps {int(r.nps)} on {r.date}; " + ", ".join(parts))
    rows["mismatch"], rows["evidence"] = kind, evidence
    rows = rows.rename(columns={"date": "answered_on", "nps": "nps_answer"})
    cols = ["customer_id", "territory_id", "rep_id", "answered_on", "nps_answer", "mismatch", "growth_value_vs_ly", "p_alive",
            "share_of_wallet_by_value", "evidence"]
    return rows[cols].sort_values(["mismatch", "customer_id"]).reset_index(drop=True)


#: (link, column of the behaviour frame): what each customer's latest NPS answer is set against.
LINKS = (("share_of_wallet", "share_of_wallet_by_value"), ("p_alive", "p_alive"),
         ("growth_vs_last_year", "growth_value_vs_ly"))


def links(latest: pd.DataFrame, behaviour: pd.DataFrame, *, level: float, significance: float,
          min_responses: int) -> pd.DataFrame:
    """The rows of ``satisfaction-links``: Spearman's rank correlation of the latest NPS answer with
    each behaviour, with a Fisher-z interval (SE 1.03/√(n − 3): Fieller, Hartley & Pearson 1957,
    "Tests for Rank Correlation Coefficients. I", Biometrika 44: 470–481) and the t test of ρ = 0."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    m = latest[["customer_id", "nps"]].merge(behaviour, on="customer_id", how="left")
    z = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for name, col in LINKS:
        d = m[["nps", col]].astype(float).dropna()
        n = len(d)
        row = {"satisfaction_link": name, "behaviour": col, "customers_compared": n}
        if n < max(min_responses, 4) or d["nps"].nunique() < 2 or d[col].nunique() < 2:
            row["note"] = too_few(n) if n < max(min_responses, 4) else "no variation to correlate"
            rows.append(row)
            continue
        rho, p = stats.spearmanr(d["nps"], d[col])
        half = z * 1.03 / math.sqrt(n - 3)
        centre = math.atanh(max(min(rho, 1 - 1e-12), -1 + 1e-12))
        row |= {"link_rho": rho, "link_rho_ci_low": math.tanh(centre - half),
                "link_rho_ci_high": math.tanh(centre + half), "pvalue": p, "significant": bool(p < significance)}
        rows.append(row)
    return pd.DataFrame(rows)
