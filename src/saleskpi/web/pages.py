"""The dashboard's pages (docs/web.md): a table of any result, the overview, the customers
(the ABC matrix and the key-account plan of one customer), the sales drill-down with its
bridge, and the data page.

Every page reads stored results only, through :func:`saleskpi.web.data.table_of` /
:func:`~saleskpi.web.data.rows_of` (the one reader with the user's scope); no page computes a
figure of its own. Headers and tooltips are the declared titles and definitions in the user's
language; values are formatted by :mod:`saleskpi.web.format`.
"""


import io
import threading
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

__all__ = ["DRILL", "LOOKUPS", "WORDS", "register"]

#: The words of the pages, beside those of the foundation (app.WORDS).
WORDS = {
    "en": {"overview": "Overview", "customers": "Customers", "sales": "Sales", "data": "Data", "excel": "Excel",
           "rows": "{first}–{last} of {total} rows", "no_rows": "No rows.", "previous": "Previous",
           "next": "Next", "filter": "Filter", "filter_help": "COLUMN=VALUE, or !=, <, <=, >, >=; one a line",
           "apply": "Apply", "csv": "Download CSV", "run": "Run {run}, as of {as_of}",
           "abc_matrix": "ABC matrix", "by_share": "Share-of-wallet class {c}", "value_class": "value \\ potential",
           "customer": "Customer {id}", "purchases": "Purchases by year", "potential": "Potential by method",
           "wallet": "Share of wallet", "classes": "Class history", "value": "Customer value (CLV, P(alive), offer budget)",
           "sales_lines": "Sales by business line", "trend": "Turnover: last year, previous period, this period",
           "potential_chart": "Turnover and potential by business line", "bridge": "Turnover bridge",
           "level": "Level", "imports": "Imports", "runs": "Runs", "warnings": "Warnings of the last run",
           "no_warnings": "No warnings.", "not_yet": "Not computed yet.", "run_of": "run",
           "target_products": "Target products not yet bought (12 months)",
           "comparison": "Compared with", "company": "The company",
           "levels": {"business_line": "business line", "territory": "territory", "team": "team", "rep": "rep",
                      "customer": "customer", "company": "company", "last_year": "last year",
                      "previous": "previous period"}, "all_customers": "All customers (ABC classes)",
           "shown_of": "{shown} of {total} rows", "whole_table": "the whole table (sort, filter, CSV)",
           "nav_potential": "Potential", "nav_value": "Value", "scorecard": "Scorecard",
           "competencies": "Competencies", "segments": "Segments", "satisfaction": "Satisfaction", "loyalty": "Loyalty", "incentives": "Pay", "pareto": "Pareto curve: share of turnover by share of customers (12 months)",
           "pareto_curve": "Customers", "target": "Target proposed from potential",
           "styles": "Survey answers: response styles", "share_customers": "Share of customers",
           "share_turnover": "Cumulative share of turnover", "limit_ab": "A/B limit", "limit_bc": "B/C limit",
           "limit_at": "{name}: {customers} of customers hold {turnover} of the turnover", "within": "within the {level} {key}", "down": "down to the {level}"},
    "bg": {"overview": "Обзор", "customers": "Клиенти", "sales": "Продажби", "data": "Данни", "excel": "Excel",
           "rows": "{first}–{last} от {total} реда", "no_rows": "Няма редове.", "previous": "Предишна",
           "next": "Следваща", "filter": "Филтър", "filter_help": "КОЛОНА=СТОЙНОСТ, или !=, <, <=, >, >=; по един на ред",
           "apply": "Приложи", "csv": "Изтегли CSV", "run": "Изчисление {run}, към {as_of}",
           "abc_matrix": "ABC матрица", "by_share": "Клас по дял от портфейла {c}", "value_class": "стойност \\ потенциал",
           "customer": "Клиент {id}", "purchases": "Покупки по години", "potential": "Потенциал по метод",
           "wallet": "Дял от портфейла", "classes": "История на класовете",
           "value": "Стойност на клиента (CLV, P(активен), бюджет за оферти)",
           "sales_lines": "Продажби по бизнес линия", "trend": "Оборот: миналата година, предходния период, този период",
           "potential_chart": "Оборот и потенциал по бизнес линия", "bridge": "Мост на оборота",
           "level": "Ниво", "imports": "Импорти", "runs": "Изчисления", "warnings": "Предупреждения от последното изчисление",
           "no_warnings": "Няма предупреждения.", "not_yet": "Още не е изчислено.", "run_of": "изчисление",
           "target_products": "Целеви продукти, които още не е купувал (12 месеца)",
           "comparison": "Сравнено с", "company": "Компанията",
           "levels": {"business_line": "бизнес линия", "territory": "територия", "team": "екип", "rep": "търговец",
                      "customer": "клиент", "company": "фирмата", "last_year": "миналата година",
                      "previous": "предходния период"}, "all_customers": "Всички клиенти (ABC класове)",
           "shown_of": "{shown} от {total} реда", "whole_table": "цялата таблица (сортиране, филтър, CSV)",
           "nav_potential": "Потенциал", "nav_value": "Стойност", "scorecard": "Карта с показатели",
           "competencies": "Компетентности",
           "segments": "Сегменти", "satisfaction": "Удовлетвореност", "loyalty": "Лоялност",
           "incentives": "Възнаграждения", "pareto": "Крива на Парето: дял от оборота по дял от клиентите (12 месеца)",
           "pareto_curve": "Клиенти", "target": "Цел, предложена от потенциала",
           "styles": "Отговори в анкетите: стилове на отговаряне", "share_customers": "Дял от клиентите",
           "share_turnover": "Натрупан дял от оборота", "limit_ab": "Граница A/B", "limit_bc": "Граница B/C",
           "limit_at": "{name}: {customers} от клиентите носят {turnover} от оборота", "within": "в {level} {key}", "down": "надолу до {level}"},
}

#: Columns holding a red/amber/green status, shown in their colour.
RAG = ("status", "worst_status")
#: The levels of the sales drill-down, top first (the `level` column of the result `sales`).
LEVELS = ("business_line", "territory", "team", "rep", "customer")
#: Where the drill-down goes from a node of each level: the level below it that the data ties to
#: the node (a business line's territories; the customers that lie in a territory; a team's
#: reps; a rep's customers). Territories and teams need not nest (a team may serve several
#: territories and a territory several teams), so a territory drills to its customers.
DRILL = {"business_line": "territory", "territory": "customer", "team": "rep", "rep": "customer"}
#: The columns of a node in the drill-down table (all declared in `sales`).
SALES_COLUMNS = ("key", "business_line", "turnover_value_period", "turnover_value_prev", "turnover_value_ly",
                 "target_value", "attainment_by_value", "turnover_volume_period", "target_volume",
                 "attainment_by_volume", "growth_value_vs_prev", "growth_value_vs_ly", "margin")
#: The headline figures of the overview, from the top row of `sales` the user sees.
HEADLINES = ("turnover_value_period", "target_value", "attainment_by_value", "growth_value_vs_ly", "margin",
             "potential_value", "market_share", "customers_active")
#: The bridge's steps, in the order of the waterfall (change = new + lost + price + volume + mix).
BRIDGE_STEPS = ("new_customers_value", "lost_customers_value", "price_effect_value", "volume_effect_value",
                "mix_effect_value")
CLASSES = ("A", "B", "C")
#: The results the customer page reads one customer's rows of (by customer_id): indexed on
#: customer_id in the server's snapshot copies (saleskpi.web.snapshot).
LOOKUPS = ("abc", "clv-history", "sales", "potential", "wallet", "clv", "target-gaps", "target-proposals",
           "segments", "mislead", "response-styles")


def _i(lang: str) -> int:
    return 1 if lang == "bg" else 0


def register(app, page, templates, CurrentUser, current_user, LoginRequired, *, cached, answer) -> None:  # noqa: N803
    """Add the pages to ``app``: ``page`` renders a template for a user, ``templates`` are the
    app's, ``CurrentUser`` is the one scoping dependency, ``current_user`` and
    ``LoginRequired`` what it is made of, ``cached`` and ``answer`` the page cache's way in and
    out (all from create_app)."""
    from saleskpi import users
    from saleskpi.errors import UsageError
    from saleskpi.texts import is_text_column, translate
    from saleskpi.web import format as fmt
    from saleskpi.web.data import NotAllowed, NotFound, export_batches, exported_data, filtered, rows_of, table_of
    from saleskpi.web.snapshot import Unavailable

    settings, path = app.state.settings, app.state.path

    def columns(declared, lang: str, only=None) -> list[dict]:
        """The declared columns as headers: name, title and tooltip (definition and unit)."""
        i = _i(lang)
        shown = [c for c in declared.columns if only is None or c.name in only]
        if only is not None:
            shown.sort(key=lambda c: list(only).index(c.name))
        return [{"name": c.name, "kind": c.kind.value, "title": c.title[i],
                 "tip": c.description[i] + (f" ({c.unit_text})" if c.unit_text and i == 0 else ""),
                 "numeric": c.kind.value in ("money", "ratio", "count", "number", "volume", "integer")}
                for c in shown]

    def show(row: dict, col: dict, lang: str) -> str:
        text = fmt.cell(row.get(col["name"]), col["kind"], lang, row.get("currency"))
        return translate(text, lang) if is_text_column(col["name"]) else text

    def why(row: dict, col: dict, lang: str) -> str:
        return (fmt.reason_of(row, lang) or "") if fmt.is_unknown(row.get(col["name"])) else ""

    def tds(row: dict, cols: list[dict], lang: str, *, link: str | None = None) -> Markup:
        """The cells of one table row as HTML, formatted for ``lang`` (a few thousand cells a
        page: built here in one pass rather than cell by cell in the template). An unknown
        cell is empty with the row's reason as its tooltip; the column ``link`` (customer_id)
        links to the customer's page."""
        out = []
        reason = None
        for c in cols:
            value = row.get(c["name"])
            attrs = ' class="num"' if c["numeric"] else ""
            if c["name"] in RAG and value in ("green", "amber", "red"):
                attrs = f' class="rag-{value}"'
            if fmt.is_unknown(value):
                if reason is None:
                    reason = fmt.reason_of(row, lang) or ""
                if reason:
                    attrs += f' title="{escape(reason)}"'
                text = ""
            elif c["name"] == link:
                text = f'<a href="/customers/{escape(quote(str(value), safe=""))}">{escape(value)}</a>'
            else:
                text = fmt.cell(value, c["kind"], lang, row.get("currency"))
                text = escape(translate(text, lang) if is_text_column(c["name"]) else text)
            out.append(f"<td{attrs}>{text}</td>")
        return Markup("".join(out))

    def with_query(request: Request, **changes) -> str:
        params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
        for k, v in changes.items():
            params += [(k, x) for x in (v if isinstance(v, (list, tuple)) else [v]) if x is not None and x != ""]
        return "?" + urlencode(params)

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException):
        """A page's error (400, 403, 404) as a page of the site; the API and forms keep JSON."""
        from fastapi.exception_handlers import http_exception_handler

        if request.url.path.startswith("/api/") or request.method != "GET":
            return await http_exception_handler(request, exc)
        try:
            user = current_user(request)
        except LoginRequired:
            user = None
        response = page(request, "error.html", user, status=exc.status_code, detail=exc.detail)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    templates.env.globals.update(show=show, why=why, tds=tds, with_query=with_query, fmt_date=fmt.date, tr=translate)

    def ibis_work(con):
        """Hold the connection for a page that runs Ibis expressions of its own (a snapshot
        copy's Ibis connection serves one thread at a time; the database itself needs nothing)."""
        from contextlib import nullcontext

        return getattr(con, "exclusive", nullcontext)()

    def reading(request: Request, user, build):
        """``build(con)``'s page, read from the current snapshot (kept by the page cache)."""
        try:
            with app.state.snapshots.reading() as con:
                return answer(request, user, cached(request, user, con, lambda: build(con)))
        except Unavailable:
            return page(request, "busy.html", user, status=503)
        except NotFound as exc:
            raise HTTPException(404, str(exc)) from None
        except NotAllowed as exc:
            raise HTTPException(403, str(exc)) from None

    from saleskpi.web import capabilities

    capabilities.register(app, page, CurrentUser, columns=columns, reading=reading)

    # --- any result as a table ------------------------------------------------------------

    def _sort_list(sort: str | None) -> list[str]:
        return [s for s in (sort or "").split(",") if s.strip()]

    @app.get("/results/{name}", response_class=HTMLResponse)
    def result_table(request: Request, user: CurrentUser, name: str, offset: int = 0, limit: int = 50,
                     sort: str | None = None, where: Annotated[list[str] | None, Query()] = None):
        if offset < 0 or not 1 <= limit <= settings.max_limit:
            raise HTTPException(400, f"offset must be 0 or more and limit from 1 to {settings.max_limit}; "
                                     f"got offset={offset}, limit={limit}.")
        where = [w for w in where or [] for w in w.splitlines() if w.strip()]

        def build(con):
            error = None
            try:
                table = table_of(con, name, user, offset=offset, limit=limit, sort=_sort_list(sort), where=where)
            except UsageError as exc:
                error = str(exc)
                table = table_of(con, name, user, offset=0, limit=limit)
            i = _i(user.lang)
            context = dict(table=table, cols=columns(table.declared, user.lang), result=name, error=error,
                           heading=table.declared.title[i], about=table.declared.description[i],
                           sort=sort or "", where="\n".join(where))
            # htmx asks for the table alone, except when it restores a page from history
            alone = (request.headers.get("HX-Request") == "true"
                     and request.headers.get("HX-History-Restore-Request") != "true")
            part = "_table.html" if alone else "table.html"
            return page(request, part, user, status=400 if error else 200, **context)

        return reading(request, user, build)

    @app.get("/results/{name}/csv")
    def result_csv(request: Request, user: CurrentUser, name: str, sort: str | None = None,
                   where: Annotated[list[str] | None, Query()] = None):
        from saleskpi.browse import write_csv

        where = [w for w in where or [] for w in w.splitlines() if w.strip()]

        def build(con):
            try:
                scoped, sql, _pairs = filtered(con, name, user, sort=_sort_list(sort), where=where)
            except UsageError as exc:
                raise HTTPException(400, str(exc)) from None
            out = io.StringIO(newline="")
            names, batches = export_batches(con, sql)
            n = write_csv(names, batches, out)
            return scoped.declared, out.getvalue(), n

        built = reading(request, user, build)
        if isinstance(built, Response):
            return built
        declared, text, n = built
        if exported_data(declared):
            users.audit(path, user.login, "export", f"{name} csv where={';'.join(where) or '-'} rows={n}")
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})

    # --- the Excel report ---------------------------------------------------------------------

    #: one workbook at a time (the whole company's takes about 40 s of both cores on the
    #: 100,000-customer demo); the next download waits for it
    one_report = threading.Lock()

    @app.get("/report.xlsx")
    def report_xlsx(request: Request, user: CurrentUser, lang: str | None = None):
        """The Excel report (docs/report.md) of what the user may see: the workbook of
        ``saleskpi report DIR --xlsx FILE --user LOGIN --lang LANG``, read from the current
        snapshot under the user's scope (the one reader and the one scoping layer, as every
        sheet of the command's), in the user's language unless ``lang`` names the other.
        Written in a private temporary folder of its own, sent, then removed; audited."""
        import shutil
        import tempfile

        from starlette.background import BackgroundTask
        from starlette.responses import FileResponse

        from saleskpi.report import write_xlsx
        from saleskpi.report.xlsx import LANGS

        lang = lang or user.lang
        if lang not in LANGS:
            raise HTTPException(400, f"lang is {' or '.join(LANGS)}; got '{lang}'.")
        folder = Path(tempfile.mkdtemp(prefix="saleskpi-report-"))  # the owner's only (0700)
        try:
            with one_report, app.state.snapshots.reading() as con:
                written = write_xlsx(_CopyWorkspace(path, con, folder), folder / "report.xlsx", scope=user.scope,
                                     lang=lang, user=user.login)
        except Unavailable:
            shutil.rmtree(folder, ignore_errors=True)
            return page(request, "busy.html", user, status=503)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        users.audit(path, user.login, "export", f"report xlsx lang={lang}: {len(written.rows)} sheet(s), "
                                                f"{sum(written.rows.values()):,} rows")
        return FileResponse(folder / "report.xlsx", filename=f"saleskpi-{lang}.xlsx",
                            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                            background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))

    # --- the overview -------------------------------------------------------------------------

    def top_rows(con, user) -> list[dict]:
        """The rows of `sales` for the whole of what the user sees: the company row, else the
        user's territories, teams or own rep row (all business lines together)."""
        for level in ("company", "territory", "team", "rep"):
            found = rows_of(con, "sales", user, equal={"level": level, "business_line": None})
            if found:
                return found
        return []

    @app.get("/overview", response_class=HTMLResponse)
    def overview(request: Request, user: CurrentUser):
        def build(con):
            from saleskpi.analyses import declared_results

            sales = declared_results()["sales"]
            heads = columns(sales, user.lang, HEADLINES)
            tops = top_rows(con, user)
            level = tops[0]["level"] if tops else None
            # the scorecard of the same rows: each perspective's KPIs by status (docs/kpis.md)
            keys = {r["key"] for r in tops}
            card = [r for r in rows_of(con, "scorecard", user, equal={"level": level, "objective": None})
                    if level == "company" or r["key"] in keys] if level else []
            card_cols = columns(declared_results()["scorecard"], user.lang,
                                ("key", "perspective", "kpis", "green", "amber", "red", "without_status",
                                 "worst_status", "mean_attainment", "period"))
            # the business lines of what the user sees: the company's are the level business_line
            by_line = "business_line" if level == "company" else level
            lines = rows_of(con, "sales", user, equal={"level": by_line}, where=["business_line!="]) if level else []
            if level and level != "company":
                keys = {r["key"] for r in tops}
                lines = [r for r in lines if r["key"] in keys]
            t = columns(sales, user.lang, ("turnover_value_ly", "turnover_value_prev", "turnover_value_period",
                                           "potential_value", "business_line"))
            charts = []
            if len(tops) == 1:
                top = tops[0]
                charts.append({"id": "trend", "type": "bar", "title": None,
                               "labels": [c["title"] for c in t[:3]],
                               "series": [{"name": top["key"] or "", "data": [_num(top[c["name"]]) for c in t[:3]]}]})
            if lines:
                charts.append({"id": "lines", "type": "bar", "labels": [r["business_line"] for r in lines],
                               "series": [{"name": t[2]["title"], "data": [_num(r["turnover_value_period"]) for r in lines]},
                                          {"name": t[3]["title"], "data": [_num(r["potential_value"]) for r in lines]}]})
            line_cols = columns(sales, user.lang, ("key", "business_line", "turnover_value_period", "target_value",
                                                   "attainment_by_value", "potential_value", "market_share",
                                                   "growth_value_vs_ly"))
            return page(request, "overview.html", user, tops=tops, heads=heads, lines=lines, line_cols=line_cols,
                        card=card, card_cols=card_cols, card_title=declared_results()["scorecard"].title[_i(user.lang)],
                        charts=fmt.chart_json(charts), has_charts=bool(charts), drawn={c["id"] for c in charts},
                        trend_title=WORDS[user.lang]["trend"])

        return reading(request, user, build)

    # --- customers ----------------------------------------------------------------------------

    @app.get("/customers", response_class=HTMLResponse)
    def customers(request: Request, user: CurrentUser):
        def build(con):
            from saleskpi import results
            from saleskpi.analyses.abc.pareto import pareto_points

            cells = {r["cell"]: r for r in rows_of(con, "abc-matrix", user)}
            # the Pareto curve of the customers the user sees, with where classes A and B end
            curve, limits = [], {}
            if results.table_name("abc") in con.list_tables():
                with ibis_work(con):
                    curve, limits = pareto_points(con, scope=user.scope)
            w = WORDS[user.lang]
            charts = [{"id": "pareto", "type": "pareto", "name": w["pareto_curve"],
                       "x": w["share_customers"], "y": w["share_turnover"],
                       "points": [[round(p[1], 6), round(p[3], 6)] for p in curve],
                       "limits": [{"name": w[key], "x": round(v[1], 6), "y": round(v[3], 6)}
                                  for key, v in sorted(limits.items())]}] if curve else []
            return page(request, "customers.html", user, cells=cells, classes=CLASSES, limits=limits,
                        charts=fmt.chart_json(charts), has_charts=bool(charts))

        return reading(request, user, build)

    @app.get("/customers/{customer_id}", response_class=HTMLResponse)
    def customer(request: Request, user: CurrentUser, customer_id: str):
        def build(con):
            from saleskpi import results
            from saleskpi.analyses import declared_results

            found = declared_results()
            me = {"customer_id": customer_id}
            parts = []

            def part(title, name, where, only=None):
                rows = rows_of(con, name, user, equal=where, columns=only)
                if rows:
                    parts.append({"title": title, "cols": columns(found[name], user.lang, only), "rows": rows})
                return rows

            w = WORDS[user.lang]
            shown_classes = ("class_by_value", "class_by_potential", "class_by_share", "cell", "action",
                             "class_missing_reason")
            # the classes of every run, newest first, in one read; shown when the newest run
            # classes the customer in the user's scope (a customer moved to another rep keeps
            # old rows under the old rep's id)
            history = rows_of(con, "abc", user, equal=me, every_run=True, sort=["-run_id"],
                              columns=shown_classes)
            newest = results.run_of(con, "abc") if history else None
            if newest is None or history[0]["run_id"] != newest.run_id:
                history = []
            part(w["purchases"], "clv-history", me, ("year", "period", "purchases_value", "margin_value",
                                                     "purchase_days", "note"))
            # the customer's rows of sales: those with its customer_id (the level customer alone has one)
            part(w["sales"], "sales", me,
                 ("business_line", "turnover_value_period", "turnover_value_prev", "turnover_value_ly",
                  "target_value", "attainment_by_value", "growth_value_vs_ly", "note"))
            part(w["potential"], "potential", me, ("business_line", "turnover_value_12m", "stated_value",
                                                   "drivers_value", "peer_value", "topdown_value", "modelled_value",
                                                   "potential_value", "method", "methods_disagree"))
            part(w["wallet"], "wallet", me, ("business_line", "turnover_value_12m", "potential_value",
                                             "share_of_wallet_by_value", "gap_value", "share_missing_reason"))
            if history:
                parts.append({"title": w["classes"], "rows": history,
                              "cols": [{"name": "run_id", "kind": "integer", "title": w["run_of"], "tip": "",
                                        "numeric": True}]
                              + columns(found["abc"], user.lang, shown_classes)})
            part(w["value"], "clv", me, ("clv_12m", "clv_36m", "p_alive", "expected_purchases_12m",
                                         "offer_budget", "opportunity_36m", "rank_by_clv_36m", "note"))
            part(w["target_products"], "target-gaps", me, ("product_id", "product_name", "business_line", "category",
                                                           "line_turnover_value_12m", "line_gap_value", "buyers_share"))
            part(w["target"], "target-proposals", me, ("period", "turnover_value_12m", "potential_value",
                                                       "potential_at_target_share", "proposed_target_value",
                                                       "current_target_value", "proposed_vs_current", "note"))
            part(w["segments"], "segments", me, ("segmentation", "segment", "previous_segment", "assigned_by",
                                                 "recency_days", "orders_12m", "note"))
            # satisfaction, when the customer answered a survey: the answer against what the
            # customer does, and the answers' response styles
            part(w["satisfaction"], "mislead", me, ("answered_on", "nps_answer", "mismatch", "growth_value_vs_ly",
                                                    "p_alive", "share_of_wallet_by_value", "evidence"))
            part(w["styles"], "response-styles", me, ("survey_year", "items", "straight_lining", "acquiescence",
                                                       "extreme_response", "scale", "note"))
            if not parts:
                raise HTTPException(404, f"No customer '{customer_id}' among the customers you may see.")
            return page(request, "customer.html", user, customer_id=customer_id, parts=parts)

        return reading(request, user, build)

    # --- sales drill-down -----------------------------------------------------------------------

    def node_scope(within: str | None):
        """The node ``LEVEL:KEY`` of ``within`` as a scope (the rows the scoping layer gives a
        manager of that territory or team, or that rep), or None; 400 for another form."""
        from saleskpi.access import Scope

        if within is None:
            return None, None, None
        node_level, _, node_key = within.partition(":")
        if node_level not in ("territory", "team", "rep") or not node_key:
            raise HTTPException(400, f"within is LEVEL:KEY with LEVEL territory, team or rep; got '{within}'.")
        scope = (Scope("manager", territory_ids={node_key}) if node_level == "territory" else
                 Scope("manager", team_ids={node_key}) if node_level == "team" else Scope("rep", rep_id=node_key))
        return scope, node_level, node_key

    @app.get("/sales", response_class=HTMLResponse)
    def sales(request: Request, user: CurrentUser, level: str = "business_line", key: str | None = None,
              business_line: str | None = None, comparison: str = "last_year", offset: int = 0, limit: int = 50,
              sort: str | None = None, within: str | None = None):
        if level not in LEVELS:
            raise HTTPException(400, f"level is one of {', '.join(LEVELS)}; got '{level}'.")
        if offset < 0 or not 1 <= limit <= settings.max_limit:
            raise HTTPException(400, f"offset must be 0 or more and limit from 1 to {settings.max_limit}.")
        inside, node_level, node_key = node_scope(within)

        def build(con):
            from saleskpi.analyses import declared_results

            # the rows of the level: of the business line chosen above, else all lines together
            where = [f"level={level}"]
            if level != "business_line":
                where.append("business_line=" + (business_line or ""))
            try:
                table = table_of(con, "sales", user, offset=offset, limit=limit, sort=_sort_list(sort), where=where,
                                 within=inside)
            except UsageError as exc:
                raise HTTPException(400, str(exc)) from None
            bridge = declared_results()["bridge"]
            # the bridge of the node asked for, else of the node drilled into, else of the user's top
            node = (rows_of(con, "bridge", user, equal={"comparison": comparison, "level": level, "key": key})
                    if key is not None else
                    rows_of(con, "bridge", user, equal={"comparison": comparison, "level": node_level,
                                                        "key": node_key}) if within is not None else [])
            tops = [] if key is not None or within is not None else top_rows(con, user)
            if not node and tops:
                node = rows_of(con, "bridge", user, equal={"comparison": comparison, "level": tops[0]["level"],
                                                           "key": tops[0]["key"]})
            steps = columns(bridge, user.lang, ("base_value", *BRIDGE_STEPS, "current_value"))
            chart = None
            if node:
                b = node[0]
                chart = {"id": "bridge", "type": "waterfall", "labels": [s["title"] for s in steps],
                         "values": [_num(b[s["name"]]) for s in steps]}
            return page(request, "sales.html", user, table=table, levels=LEVELS, level=level, down=DRILL.get(level),
                        within=within, node_level=node_level, node_key=node_key,
                        business_line=business_line or "",
                        cols=columns(declared_results()["sales"], user.lang, SALES_COLUMNS), node=node[0] if node else None,
                        bridge_cols=columns(bridge, user.lang, ("comparison", "level", "key", "base_value",
                                                                 *BRIDGE_STEPS, "current_value", "change_value",
                                                                 "customers_new", "customers_lost", "note")),
                        charts=fmt.chart_json([chart] if chart else []), has_charts=bool(chart),
                        comparison=comparison, sort=sort or "", result="sales")

        return reading(request, user, build)

    # --- data: imports, runs, warnings ------------------------------------------------------------

    @app.get("/data", response_class=HTMLResponse)
    def data(request: Request, user: CurrentUser):
        from saleskpi.access import WHOLE_COMPANY

        if user.role not in WHOLE_COMPANY:
            raise HTTPException(403, f"The data page is for the roles {', '.join(sorted(WHOLE_COMPANY))}.")

        def build(con):
            with ibis_work(con):
                return data_page(con)

        def data_page(con):
            from saleskpi import results

            tables = set(con.list_tables())
            imports = runs = []
            if "meta_imports" in tables:
                t = con.table("meta_imports")
                imports = t.select("import_id", "table_name", "file", "rows_loaded", "rows_skipped", "loaded_at",
                                   "mode", "undone_at").order_by(t.import_id.desc()).to_pyarrow().to_pylist()
            if "meta_runs" in tables:
                t = con.table("meta_runs")
                runs = t.order_by(t.run_id.desc()).to_pyarrow().to_pylist()
            done = [r for r in runs if r["finished_at"] is not None]
            warnings = results.run_warnings(con, done[0]["run_id"]) if done else None
            return page(request, "data.html", user, imports=imports, runs=runs, warnings=warnings or [],
                        last=done[0] if done else None, fmt=fmt)

        return reading(request, user, build)


def _num(value):
    """A stored number as the chart's JSON number (None stays a gap, never 0)."""
    from saleskpi.web.format import is_unknown

    return None if is_unknown(value) else float(value)


class _CopyWorkspace:
    """What :func:`saleskpi.report.write_xlsx` reads of a workspace, for the snapshot copy
    ``con`` the server reads (:mod:`saleskpi.web.snapshot`): the workspace's folder and settings,
    the copy's tables through an Ibis connection of the report's own (on a cursor of the copy's
    database, so the report's Ibis work never waits for the pages' or holds them up), and
    ``temp_dir`` for the workbook's row files."""

    def __init__(self, path: Path, con, temp_dir: Path) -> None:
        from saleskpi.config import workspace_settings

        self.path, self.temp_dir = Path(path), Path(temp_dir)
        self.settings = workspace_settings(self.path)
        raw = getattr(con, "con", None)
        if raw is not None and hasattr(raw, "cursor"):  # DuckDB: a copy's (or a workspace's) connection
            import ibis

            self.con = ibis.duckdb.from_connection(raw.cursor())
        else:
            self.con = con

    def list_tables(self) -> list[str]:
        return sorted(self.con.list_tables())
