"""The pages of the customer and people capabilities: segments, satisfaction, loyalty, incentives
and the scorecard and competencies: each a list of sections, one per stored result, as the user may see it.

A section is the first rows of one declared result (its title, columns and tooltips from the
declaration), read through :func:`saleskpi.web.data.table_of` (the one reader with the user's
scope), with a link to the whole table at ``/results/NAME`` (sort, filter, CSV) and, where
it helps, a chart of two or three of its columns. A section whose result the role may not see
is left out; a page none of whose sections the role may see is 403; a result not computed yet
says so. No page computes a figure of its own.
"""

# no `from __future__ import annotations`: FastAPI reads the routes' annotations (CurrentUser)
from dataclasses import dataclass

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from saleskpi.web import format as fmt

__all__ = ["PAGES", "Section", "register"]


@dataclass(frozen=True)
class Section:
    """One result on a page: its name, the columns shown (all declared when empty), at most
    ``limit`` rows in the order of ``sort`` (then the declared key), rows whose columns equal
    ``equal``, and a bar chart of ``chart`` = (label column, value columns)."""

    result: str
    columns: tuple[str, ...] = ()
    limit: int = 20
    sort: tuple[str, ...] = ()
    where: tuple[str, ...] = ()
    chart: tuple[str, tuple[str, ...]] | None = None


#: The pages: path -> (title en, title bg, sections).
PAGES: dict[str, tuple[str, str, tuple[Section, ...]]] = {
    "potential": ("Potential and share of wallet", "Потенциал и дял от портфейла", (
        Section("potential-rollup", limit=60, where=("business_line!=",),
                chart=("territory_id", ("potential_value", "turnover_value_12m_with_potential")),
                sort=("territory_id",)),
        Section("potential-methods", limit=40),
        Section("wallet-links", limit=40),
        Section("potential-rep-bias", limit=40),
    )),
    "value": ("Customer value", "Стойност на клиентите", (
        Section("clv-validation", chart=("decile", ("predicted_purchases_mean", "actual_purchases_mean"))),
        Section("clv-wallet"),
        Section("clv", ("customer_id", "rep_id", "p_alive", "expected_purchases_12m", "clv_12m", "clv_36m",
                        "opportunity_36m", "offer_budget", "rank_by_clv_36m", "note"),
                limit=30, sort=("rank_by_clv_36m",)),
    )),
    "scorecard": ("Scorecard", "Карта с показатели", (
        Section("scorecard", ("level", "key", "perspective", "objective", "kpis", "green", "amber", "red",
                              "without_status", "worst_status", "mean_attainment", "period"), limit=40),
        Section("kpis", ("kpi", "perspective", "level", "key", "period", "kpi_actual", "unit", "kpi_target",
                         "target_to_date", "kpi_attainment", "status", "trend", "note"),
                limit=60, where=("level!=customer",)),
        Section("target-consistency", limit=40, sort=("consistent",)),
        Section("turnover-tree", ("level", "key", "current_value", "customers_active_current",
                                  "potential_per_customer_value", "share_of_wallet_current", "change_value",
                                  "customers_effect_value", "potential_effect_value", "share_effect_value",
                                  "largest_effect", "identity_holds", "targets_consistent", "note"),
                limit=40, where=("comparison=last_year",)),
        Section("target-proposals", limit=40, where=("level!=customer",)),
    )),
    "competencies": ("Competencies", "Компетентности", (
        Section("competencies", ("level", "key", "role", "competency", "required_level", "score", "gap",
                                 "kpis_missed", "focus_rank", "development_focus", "note"),
                limit=60, sort=("key", "focus_rank")),
        Section("competency-links", limit=40, chart=("competency", ("spearman_rho",)), where=("linked=true",)),
    )),
    "segments": ("Segments", "Сегменти", (
        Section("segment-profit", limit=60, chart=("segment", ("turnover_value_12m", "profit"))),
        Section("segment-quality", limit=60),
        Section("segment-moves", limit=40, sort=("-customers",)),
        Section("segment-clusters"),
        Section("segments", ("segmentation", "customer_id", "segment", "previous_segment", "r_score", "f_score",
                             "m_score", "turnover_value_12m", "note"), limit=30, where=("segmentation=rfm",)),
    )),
    "satisfaction": ("Satisfaction", "Удовлетвореност", (
        Section("nps", ("grouped_by", "group_id", "survey_year", "responses", "nps", "nps_ci_low", "nps_ci_high",
                        "nps_weighted", "nps_weighted_ci_low", "nps_weighted_ci_high", "csat_top2", "ces", "note"),
                limit=30, sort=("-survey_year",)),
        Section("drivers", ("attribute", "stated_importance", "stated_rank", "relative_weight_share",
                            "derived_rank", "lmg_weight", "r_squared", "note"),
                chart=("attribute", ("relative_weight", "lmg_weight"))),
        Section("mislead", limit=30),
        Section("survey-selection"),
        Section("satisfaction-links"),
        Section("nonresponse", limit=30),
        Section("nonresponse-test"),
    )),
    "loyalty": ("Loyalty programme", "Програма за лоялност", (
        Section("loyalty-lift", ("outcome", "members", "controls", "lift", "lift_ci_low", "lift_ci_high",
                                 "relative_lift", "naive_gap", "parallel_trends", "incremental_margin_12m",
                                 "programme_cost_12m", "roi", "roi_ci_low", "roi_ci_high", "note")),
        Section("loyalty", limit=40),
    )),
    "incentives": ("Incentive pay", "Възнаграждения", (
        Section("incentive-totals", limit=50, chart=("rep_id", ("target_pay", "total_pay"))),
        Section("incentive-team-totals", limit=50),
        Section("incentive-statements", limit=100),
        Section("plan-whatif", limit=50),
        Section("gaming-flags", limit=50),
    )),
}


def register(app, page, CurrentUser, *, columns, reading) -> None:  # noqa: N803
    """Add a route for each of :data:`PAGES` to ``app``; ``columns`` and ``reading`` are the
    pages' helpers (saleskpi.web.pages)."""
    from saleskpi.analyses import declared_results
    from saleskpi.web.data import NotAllowed, NotFound, table_of
    from saleskpi.web.format import is_unknown

    def sections(con, user, wanted: tuple[Section, ...]) -> tuple[list[dict], list[dict], int]:
        """The sections the user may see (title, columns, rows, total, link), the charts, and
        how many the role may not see."""
        found = declared_results()
        shown, charts, hidden = [], [], 0
        for s in wanted:
            declared = found.get(s.result)
            if declared is None:  # a capability not in this version
                continue
            title = declared.title[1 if user.lang == "bg" else 0]
            cols = columns(declared, user.lang, s.columns or None)
            try:
                table = table_of(con, s.result, user, limit=s.limit, sort=s.sort, where=s.where)
            except NotAllowed:
                hidden += 1
                continue
            except NotFound:
                shown.append({"title": title, "name": s.result, "cols": cols, "rows": [], "total": 0,
                              "computed": False})
                continue
            shown.append({"title": title, "name": s.result, "cols": cols, "rows": table.rows,
                          "total": table.total, "computed": True})
            if s.chart and table.rows:
                label, values = s.chart
                titles = {c["name"]: c["title"] for c in columns(declared, user.lang, values)}
                charts.append({"id": s.result, "type": "bar", "labels": [str(r[label]) for r in table.rows],
                               "series": [{"name": titles[v], "data": [None if is_unknown(r[v]) else float(r[v])
                                                                       for r in table.rows]} for v in values]})
        return shown, charts, hidden

    def add(path: str, title_en: str, title_bg: str, wanted: tuple[Section, ...]) -> None:
        @app.get(f"/{path}", response_class=HTMLResponse, name=path)
        def capability(request: Request, user: CurrentUser):
            def build(con):
                shown, charts, hidden = sections(con, user, wanted)
                if not shown and hidden:
                    raise HTTPException(403, f"The role '{user.role}' sees none of the results of this page.")
                return page(request, "sections.html", user, heading=title_bg if user.lang == "bg" else title_en,
                            sections=shown, charts=fmt.chart_json(charts), has_charts=bool(charts),
                            drawn={c["id"] for c in charts})

            return reading(request, user, build)

    for path, (title_en, title_bg, wanted) in PAGES.items():
        add(path, title_en, title_bg, wanted)
