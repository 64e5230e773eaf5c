"""Satisfaction: NPS, CSAT and CES with their intervals, by group and period; non-response and
weights that make the answers speak for the customer base (course topic 7).

Python API: :func:`nps` (Rocks 2016), :func:`top_box_share`, :func:`mean_score`,
:func:`difference_test` and :func:`rake` (Deming & Stephan 1940). The analysis reads the
contract tables ``surveys`` and ``survey_invitations``, the ``abc`` result (class, turnover,
share of wallet, territory and rep of each customer) and ``customers`` (industry, tenure), and
stores ``nps``, ``nps-change``, ``nonresponse`` and ``nonresponse-test``; with the ``sales`` and ``clv``
results, ``drivers`` (:func:`importance`: Johnson 2000, LMG), ``response-styles``,
``survey-selection``, ``mislead`` and ``satisfaction-links`` (docs/satisfaction.md).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses import declared_types as _types
from saleskpi.analyses.satisfaction import behaviour, nonresponse, scores
from saleskpi.analyses.satisfaction.estimates import Estimate, difference_test, mean_score, nps, top_box_share
from saleskpi.analyses.satisfaction.drivers import importance
from saleskpi.analyses.satisfaction.raking import rake
from saleskpi.analyses.satisfaction.results import NONRESPONSE, NONRESPONSE_TEST, NPS, NPS_CHANGE
from saleskpi.analyses.satisfaction.results import RESULTS as SCORE_RESULTS
from saleskpi.analyses.satisfaction.results_behaviour import (BEHAVIOUR_RESULTS, DRIVERS, LINKS, MISMATCH,
                                                              RESPONSE_STYLES, SURVEY_SELECTION)

RESULTS = SCORE_RESULTS + BEHAVIOUR_RESULTS

__all__ = ["Estimate", "nps", "top_box_share", "mean_score", "difference_test", "rake", "importance",
           "ANALYSIS"]

#: Days in a Julian year: tenure in years = days / DAYS_PER_YEAR.
DAYS_PER_YEAR = 365.25

SURVEYS_FIX = ("import the survey answers (surveys: response_id, customer_id, date, nps 0-10, csat 1-5, ces 1-7, "
               "invitation_id) with 'saleskpi import DIR surveys FILE'")
INVITATIONS_FIX = ("import who was invited (survey_invitations: invitation_id, customer_id, sent_on) with "
                   "'saleskpi import DIR survey_invitations FILE', and give each answer its invitation_id")


def _base(ctx: Context) -> pd.DataFrame:
    """One row per customer of the base: its class, territory, rep, industry, turnover, share, tenure."""
    abc = ctx.result("abc").select("customer_id", "territory_id", "rep_id", "class_by_value",
                                   "turnover_value_12m", "share_of_wallet_by_value")
    c = ctx.table("customers")
    c = c.select(info_id=c.customer_id, industry=c.industry, acquired_on=c.acquired_on)
    base = abc.left_join(c, abc.customer_id == c.info_id).drop("info_id").to_pyarrow().to_pandas()
    base["turnover_value_12m"] = base["turnover_value_12m"].astype(float)
    base["class_key"] = base["class_by_value"].fillna(scores.NO_CLASS)
    days = (pd.Timestamp(ctx.as_of) - pd.to_datetime(base["acquired_on"])).dt.days
    base["tenure_years"] = days / DAYS_PER_YEAR
    # the raking margins (with class_key): a missing value is a level of its own
    base["territory_margin"] = base["territory_id"].fillna(scores.UNKNOWN)
    base["industry_margin"] = base["industry"].fillna(scores.UNKNOWN)
    return base


def _answers(ctx: Context, base: pd.DataFrame) -> pd.DataFrame:
    s = ctx.table("surveys")
    items = [c for c in s.columns if c.startswith((behaviour.SCORE, behaviour.STATED))]
    s = s.filter(s.date <= ctx.as_of).select("response_id", "invitation_id", "customer_id", "date", "nps", "csat",
                                              "ces", *items).to_pyarrow().to_pandas()
    for col in ("nps", "csat", "ces", *items):
        s[col] = s[col].astype(float)
    s["period"] = pd.to_datetime(s["date"]).dt.year
    keep = ["customer_id", "territory_id", "rep_id", "class_key", "turnover_value_12m",
            "territory_margin", "industry_margin"]
    a = s.merge(base[keep], on="customer_id", how="left", indicator=True)
    a["in_base"] = a.pop("_merge").eq("both")
    return a


def _weigh(ctx: Context, base: pd.DataFrame, answers: pd.DataFrame) -> None:
    """Raking weights per period, in answers['raking_weight']; what went wrong in the warnings."""
    answers["raking_weight"] = np.nan
    for period, rows in answers.groupby("period"):
        w, note = scores.raking_weights(base, rows)
        answers.loc[rows.index, "raking_weight"] = w
        if note:
            ctx.warn("satisfaction", f"weights of the {period} answers: {note}.")


def _invitations(ctx: Context, base: pd.DataFrame, answered_ids: set) -> tuple[pd.DataFrame, int | None]:
    """The latest period's invitations with their customer's CRM figures and whether answered."""
    t = ctx.table("survey_invitations")
    inv = t.filter(t.sent_on <= ctx.as_of).select("invitation_id", "customer_id", "sent_on").to_pyarrow().to_pandas()
    if inv.empty:
        return inv, None
    inv["period"] = pd.to_datetime(inv["sent_on"]).dt.year
    period = int(inv["period"].max())
    inv = inv[inv["period"] == period].merge(base, on="customer_id", how="left")
    inv["responded"] = inv["invitation_id"].isin(answered_ids)
    return inv, period


def _warnings(ctx: Context, rates: pd.DataFrame, test: pd.DataFrame, period: int) -> None:
    cfg = ctx.settings.satisfaction
    company = rates[rates["grouped_by"] == "company"].iloc[0]
    if company["response_rate"] < cfg.min_response_rate:
        ctx.warn("satisfaction", f"the response rate of the {period} survey is {company['response_rate']:.0%} "
                 f"({company['responded']} of {company['invited']} invitations), below [satisfaction] "
                 f"min_response_rate ({cfg.min_response_rate:.0%}): the answers may not speak for the customer "
                 "base; read nps_weighted beside nps.")
    for row in test[test["significant"]].itertuples():
        ctx.warn("satisfaction", f"in {period} the responders differ from the non-responders in {row.compared_on} "
                 f"(mean {row.responders_mean:.4g} against {row.non_responders_mean:.4g}, {row.test} p = "
                 f"{row.pvalue:.2g}): the raw scores speak for those who answered, not for the customer base "
                 "(non-response bias); read nps_weighted, raked to the base by class, territory and industry.")


def _all_invitations(ctx: Context, base: pd.DataFrame) -> pd.DataFrame:
    """Every invitation up to the as-of date, with who chose the invitee and its customer's figures."""
    t = ctx.table("survey_invitations")
    inv = t.filter(t.sent_on <= ctx.as_of).select("invitation_id", "customer_id", "sent_on",
                                                  "selected_by").to_pyarrow().to_pandas()
    inv["period"] = pd.to_datetime(inv["sent_on"]).dt.year
    return inv.merge(base[["customer_id", "turnover_value_12m", "class_by_value"]], on="customer_id", how="left")


def _behaviour(ctx: Context, base: pd.DataFrame) -> pd.DataFrame:
    """Per customer: growth against last year (sales), share of wallet (abc), P(alive) (clv)."""
    s = ctx.result("sales")
    s = s.filter((s.level == "customer") & s.business_line.isnull()).select("customer_id", "growth_value_vs_ly")
    c = ctx.result("clv").select("customer_id", "p_alive")
    frame = base[["customer_id", "share_of_wallet_by_value"]]
    for t in (s, c):
        frame = frame.merge(t.to_pyarrow().to_pandas(), on="customer_id", how="left")
    for col in ("growth_value_vs_ly", "p_alive", "share_of_wallet_by_value"):
        frame[col] = frame[col].astype(float)
    return frame


def _selection_warnings(ctx: Context, sel: pd.DataFrame) -> None:
    if (sel["selected_by"] == behaviour.NOT_RECORDED).all():
        ctx.warn("satisfaction", "the survey invitations do not record who chose the invitee: whether reps "
                 "picked their own respondents cannot be checked. Fill survey_invitations.selected_by (random, "
                 "rep or other) when importing them.")
    if "pvalue" not in sel:
        return
    for row in sel[sel["selected_by"].eq("rep") & sel["pvalue"].lt(ctx.settings.satisfaction.significance)
                   ].itertuples():
        ctx.warn("satisfaction", f"in {row.survey_year} the answers of customers the reps chose give an NPS "
                 f"{row.nps_gap_vs_random:+.1f} points from the randomly invited ones (p = {row.pvalue:.2g}): "
                 "rep-chosen respondents do not speak for the base; invite at random (survey-selection).")


def _behaviour_results(ctx: Context, base: pd.DataFrame, answers: pd.DataFrame, out: dict) -> None:
    cfg = ctx.settings.satisfaction
    out[DRIVERS.name], problem = behaviour.drivers(answers, min_responses=cfg.min_responses)
    if problem:
        ctx.warn("satisfaction", f"drivers: {problem}.")
    out[RESPONSE_STYLES.name] = behaviour.response_styles(answers)
    inv = _all_invitations(ctx, base)
    if not inv.empty:
        out[SURVEY_SELECTION.name] = behaviour.selection(inv, answers, base, level=cfg.level,
                                                         min_responses=cfg.min_responses, method=cfg.nps_interval)
        _selection_warnings(ctx, out[SURVEY_SELECTION.name])
    latest = behaviour.latest_answers(answers)
    acts = _behaviour(ctx, base)
    out[MISMATCH.name] = behaviour.mismatch(latest, acts, change=cfg.mismatch_change)
    out[LINKS.name] = behaviour.links(latest, acts, level=cfg.level, significance=cfg.significance,
                                      min_responses=cfg.min_responses)


def run(ctx: Context) -> dict[str, ibis.Table]:
    cfg = ctx.settings.satisfaction
    base = _base(ctx)
    answers = _answers(ctx, base)
    out = {r.name: pd.DataFrame() for r in RESULTS}
    if answers.empty:
        ctx.warn("satisfaction", f"no survey answers up to the as-of date: the satisfaction results (nps, "
                 f"nps-change, non-response, drivers, response styles, survey selection, mismatch, links) are empty. To fill them, {SURVEYS_FIX}, and {INVITATIONS_FIX}.")
    else:
        _weigh(ctx, base, answers)
        out[NPS.name] = scores.by_group(answers, min_responses=cfg.min_responses, method=cfg.nps_interval,
                                        level=cfg.level)
        out[NPS_CHANGE.name] = scores.changes(answers, min_responses=cfg.min_responses, level=cfg.level,
                                              significance=cfg.significance)
        inv, period = _invitations(ctx, base, set(answers["invitation_id"].dropna()))
        if period is None:
            ctx.warn("satisfaction", "no survey invitations up to the as-of date: the response rate and the "
                     f"comparison of responders with non-responders are empty. To fill them, {INVITATIONS_FIX}.")
        else:
            out[NONRESPONSE.name] = nonresponse.rates(inv, period, cfg.level)
            out[NONRESPONSE_TEST.name] = nonresponse.responders_test(inv, period, cfg.significance)
            _warnings(ctx, out[NONRESPONSE.name], out[NONRESPONSE_TEST.name], period)
        _behaviour_results(ctx, base, answers, out)
    return {r.name: frame_table(_dated(out[r.name], r), _types(r)) for r in RESULTS}


def _dated(frame: pd.DataFrame, result) -> pd.DataFrame:
    """Date columns as dates (an empty frame's columns come as floats, which no engine casts)."""
    for c in result.columns:
        if c.kind.value == "date":
            frame = frame.assign(**{c.name: pd.to_datetime(frame[c.name]).dt.date}) if c.name in frame and len(
                frame) else frame.assign(**{c.name: pd.Series([], dtype=object)})
    return frame


ANALYSIS = Analysis(name="satisfaction", title="Satisfaction", results=RESULTS, run=run,
                    depends_on=("abc", "sales", "clv"))
