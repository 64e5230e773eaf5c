"""Satisfaction: NPS, CSAT and CES with their intervals, by group and period; non-response and
weights that make the answers speak for the customer base (course topic 7).

Python API: :func:`nps` (Rocks 2016), :func:`top_box_share`, :func:`mean_score`,
:func:`difference_test` and :func:`rake` (Deming & Stephan 1940). The analysis reads the
contract tables ``surveys`` and ``survey_invitations``, the ``abc`` result (class, turnover,
share of wallet, territory and rep of each customer) and ``customers`` (industry, tenure), and
stores ``nps``, ``nps-change``, ``nonresponse`` and ``nonresponse-test`` (docs/satisfaction.md).
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.satisfaction import nonresponse, scores
from saleskpi.analyses.satisfaction.estimates import Estimate, difference_test, mean_score, nps, top_box_share
from saleskpi.analyses.satisfaction.drivers import importance
from saleskpi.analyses.satisfaction.raking import rake
from saleskpi.analyses.satisfaction.results import NONRESPONSE, NONRESPONSE_TEST, NPS, NPS_CHANGE, RESULTS

__all__ = ["Estimate", "nps", "top_box_share", "mean_score", "difference_test", "rake", "importance",
           "ANALYSIS"]

#: Days in a Julian year: tenure in years = days / DAYS_PER_YEAR.
DAYS_PER_YEAR = 365.25

SURVEYS_FIX = ("import the survey answers (surveys: response_id, customer_id, date, nps 0-10, csat 1-5, ces 1-7, "
               "invitation_id) with 'saleskpi import DIR surveys FILE'")
INVITATIONS_FIX = ("import who was invited (survey_invitations: invitation_id, customer_id, sent_on) with "
                   "'saleskpi import DIR survey_invitations FILE', and give each answer its invitation_id")


def _types(result) -> dict[str, str]:
    """The Ibis type of each declared column, for :func:`frame_table`."""
    kind_type = {"count": "int64", "integer": "int64", "number": "float64", "ratio": "float64", "flag": "boolean",
                 "date": "date", "money": "float64"}
    return {c.name: kind_type.get(c.kind.value, "string") for c in result.columns}


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
    s = s.filter(s.date <= ctx.as_of).select("response_id", "invitation_id", "customer_id", "date", "nps", "csat",
                                              "ces").to_pyarrow().to_pandas()
    for col in ("nps", "csat", "ces"):
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


def run(ctx: Context) -> dict[str, ibis.Table]:
    cfg = ctx.settings.satisfaction
    base = _base(ctx)
    answers = _answers(ctx, base)
    out = {name: pd.DataFrame() for name in (NPS.name, NPS_CHANGE.name, NONRESPONSE.name, NONRESPONSE_TEST.name)}
    if answers.empty:
        ctx.warn("satisfaction", f"no survey answers up to the as-of date: the nps, nps-change and non-response "
                 f"results are empty. To fill them, {SURVEYS_FIX}, and {INVITATIONS_FIX}.")
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
    return {r.name: frame_table(out[r.name], _types(r)) for r in RESULTS}


ANALYSIS = Analysis(name="satisfaction", title="Satisfaction", results=RESULTS, run=run, depends_on=("abc",))
