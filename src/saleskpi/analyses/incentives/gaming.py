"""Gaming flags: patterns in the invoice lines that a plan's tiers may have provoked (docs/incentives.md).

The checks run on the complete periods plan-whatif replays (``[incentives] whatif_periods``),
for every component of a plan in force that pays on ``turnover_value``; the figure x is the
rep's attainment of the period's turnover target (basis attainment) or the turnover itself
(basis value), and the bounds are the tiers' lower bounds above 0 and the threshold. Each flag
names the bound, x with and without the lines in question, and the figures behind it. A flag is
a pattern worth a look, not a finding: the data show when invoices were dated, not why.

``period_end_shift``
    the last :data:`WINDOW_DAYS` days of the period carried x across a bound (x ≥ b > x without
    them), x is just above it (x ≤ b · (1 + :data:`NEAR`)), the rep's daily turnover in those
    days was at least :data:`SPIKE` × the rep's daily turnover over the period and
    :data:`SPIKE` × the company's own end-of-period ratio (so a company-wide year-end rush is not
    flagged), and the first :data:`WINDOW_DAYS` days of the next period ran below the rep's
    period rate (sales pulled forward; unknown when the next period has not run that long).
``return_after_payout``
    negative lines (returns, credit notes) of the rep dated in the :data:`RETURN_DAYS` days after
    the period's end would, deducted from the period, take x below a bound it reached: the tier
    was paid on sales later returned. The data do not link a credit note to the invoice it
    corrects, so any return of the rep in those days counts.
``discount_past_accelerator``
    the last :data:`WINDOW_DAYS` days carried x across an accelerator (a bound whose rate is
    above the rate before it) to just above it, and the discount on those days' lines, 1 − Σ net
    value / Σ quantity × list price (products.list_price), was at least :data:`DISCOUNT_POINTS`
    above the rep's discount on the rest of the period: the accelerator bought with price.
    Without list prices discounts are unknown and this check is not made (a warning says so).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import ibis

from saleskpi.analyses.incentives.curve import check_tiers
from saleskpi.analyses.incentives.plans import Plan

__all__ = ["DISCOUNT_POINTS", "GAMING_TYPES", "NEAR", "RETURN_DAYS", "SPIKE", "WINDOW_DAYS", "bounds", "flags",
           "rep_windows"]

#: Days at the end of a period (and at the start of the next) that a shift is looked for in.
WINDOW_DAYS = 7
#: "Just above" a bound: at most this share above it.
NEAR = 0.05
#: How many times the rep's period rate (and the company's end ratio) the last days must reach.
SPIKE = 2.0
#: Days after a period's end in which a return counts as after the payout.
RETURN_DAYS = 30
#: Discount points (0.05 = 5 percentage points) above the rep's usual discount that flag.
DISCOUNT_POINTS = 0.05

GAMING_TYPES = {"plan": "string", "period": "string", "rep_id": "string", "team_id": "string", "flag": "string",
                "component": "string", "tier_bound": "float64", "flagged_figure": "float64",
                "figure_without": "float64", "window_value": "decimal(38, 2)", "rate_ratio": "float64",
                "company_rate_ratio": "float64", "next_rate_ratio": "float64", "discount_window": "float64",
                "discount_usual": "float64", "currency": "string", "note": "string"}


def bounds(component) -> list[tuple[float, bool]]:
    """The component's bounds above 0 with whether each is an accelerator (its rate above the
    rate of the tier before it; the threshold is not)."""
    tiers = check_tiers(component.tiers)
    out = {float(low): rate > tiers[i - 1][1] for i, (low, rate) in enumerate(tiers) if i > 0 and low > 0}
    if tiers[0][0] > 0:
        out.setdefault(float(tiers[0][0]), False)
    if component.threshold:
        out.setdefault(float(component.threshold), False)
    return sorted(out.items())


def rep_windows(ctx, ps: list, as_of: dt.date) -> dict[str, tuple[dict[str, dict], dict]]:
    """Per period of ``ps`` (by label): per rep (the credited rep: the line's, else the customer's)
    the turnover of the period, of its last WINDOW_DAYS days, of the first WINDOW_DAYS days after
    it, the returns in the RETURN_DAYS after it and the list-price sums of the discount; and the
    company's totals. One query for all the periods: each line meets the periods whose days or
    following days hold it (a range join on a table of the periods' windows)."""
    s = ctx.table("sales")
    customers = ctx.table("customers").select("customer_id", customer_rep=ibis._.rep_id)
    products = ctx.table("products").select("product_id", "list_price")
    day = dt.timedelta(days=1)
    windows = ibis.memtable(
        [{"period": p.label, "w_start": p.current.start, "w_end": p.current.end,
          "last_from": p.current.end - (WINDOW_DAYS - 1) * day, "first_to": p.current.end + WINDOW_DAYS * day,
          "return_to": p.current.end + RETURN_DAYS * day,
          "w_after": p.current.end + max(WINDOW_DAYS, RETURN_DAYS) * day} for p in ps],
        schema=ibis.schema({"period": "string", "w_start": "date", "w_end": "date", "last_from": "date",
                            "first_to": "date", "return_to": "date", "w_after": "date"}))
    lines = s.filter(s.date.between(min(p.current.start for p in ps),
                                    max(p.current.end for p in ps) + max(WINDOW_DAYS, RETURN_DAYS) * day))
    lines = lines.left_join(customers, "customer_id").left_join(products, "product_id")
    lines = lines.mutate(credited=ibis.coalesce(lines.rep_id, lines.customer_rep))
    lines = lines.inner_join(windows, [lines.date >= windows.w_start, lines.date <= windows.w_after])
    in_p = lines.date <= lines.w_end
    last = (lines.date >= lines.last_from) & (lines.date <= lines.w_end)
    first = (lines.date > lines.w_end) & (lines.date <= lines.first_to)
    ret = (lines.date > lines.w_end) & (lines.date <= lines.return_to) & (lines.net_value < 0)
    priced = (lines.quantity > 0) & lines.list_price.notnull() & (lines.list_price > 0)
    listed = lines.quantity * lines.list_price
    t = lines.group_by("period", rep_id=lines.credited).aggregate(
        value=lines.net_value.sum(where=in_p), value_end=lines.net_value.sum(where=last),
        value_next=lines.net_value.sum(where=first), returns=(-lines.net_value).sum(where=ret),
        net_end=lines.net_value.sum(where=last & priced), list_end=listed.sum(where=last & priced),
        net_rest=lines.net_value.sum(where=in_p & ~last & priced), list_rest=listed.sum(where=in_p & ~last & priced))
    by_period: dict[str, dict[str, dict]] = {p.label: {} for p in ps}
    for r in t.to_pyarrow().to_pylist():
        label = r.pop("period")
        if r["rep_id"] is not None:
            by_period[label][r["rep_id"]] = {k: (None if v is None else float(v)) if k != "rep_id" else v
                                             for k, v in r.items()}
    out = {}
    for p in ps:
        reps = by_period[p.label]
        company = {k: sum((r[k] or 0.0) for r in reps.values()) for k in ("value", "value_end")}
        for r in reps.values():
            for k in ("value_end", "value_next", "returns"):  # a sum over no lines is a real 0
                r[k] = r[k] or 0.0
            r["next_known"] = (as_of - p.current.end).days >= WINDOW_DAYS
        out[p.label] = (reps, company)
    return out


def _ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def flags(plan: Plan, p, reps: list[dict], windows: dict[str, dict], company: dict, targets: dict,
          currency: str, *, discounts_known: bool) -> list[dict]:
    """The ``gaming-flags`` rows of ``plan`` in period ``p`` (see the module's rules)."""
    out = []
    days = p.current.days
    company_ratio = _ratio(_ratio(company["value_end"], WINDOW_DAYS), _ratio(company["value"], days))
    eligible = [r for r in reps if (plan.reps is None or r["rep_id"] in plan.reps)
                and (plan.roles is None or r.get("role") in plan.roles)]
    for rep in sorted(eligible, key=lambda r: r["rep_id"]):
        rid = rep["rep_id"]
        w = windows.get(rid)
        if w is None or not w["value"] or w["value"] <= 0:
            continue
        rate = w["value"] / days
        ratio = _ratio(_ratio(w["value_end"], WINDOW_DAYS), rate)
        next_ratio = _ratio(_ratio(w["value_next"], WINDOW_DAYS), rate) if w["next_known"] else None
        disc_end = None if not w["list_end"] else 1 - w["net_end"] / w["list_end"]
        disc_rest = None if not w["list_rest"] else 1 - w["net_rest"] / w["list_rest"]
        base = {"plan": plan.name, "period": p.label, "rep_id": rid, "team_id": rep.get("team_id"),
                "currency": currency}
        for c in plan.component:
            if c.measure != "turnover_value":
                continue
            target = targets.get((rid, "turnover_value"))
            if c.basis == "attainment" and (target is None or target <= 0):
                continue  # no attainment without a target (the statements say so)
            scale = target if c.basis == "attainment" else 1.0

            def fig(value):
                return None if value is None else value / scale

            x = fig(w["value"])
            without_end = fig(w["value"] - (w["value_end"] or 0.0))
            without_returns = fig(w["value"] - (w["returns"] or 0.0))
            for b, accelerator in bounds(c):
                crossed = without_end < b <= x <= b * (1 + NEAR)
                row = base | {"component": c.name, "tier_bound": b, "flagged_figure": x, "rate_ratio": ratio,
                              "company_rate_ratio": company_ratio, "next_rate_ratio": next_ratio}
                spike = ratio is not None and ratio >= SPIKE * max(1.0, company_ratio or 0.0)
                if crossed and spike and next_ratio is not None and next_ratio < 1:
                    out.append(row | {"flag": "period_end_shift", "figure_without": without_end,
                                      "window_value": _money(w["value_end"]),
                                      "note": (f"{_fig(x, c.basis)} just above the bound {_fig(b, c.basis)}; without "
                                               f"the last {WINDOW_DAYS} days' {_money(w['value_end'])} it would be "
                                               f"{_fig(without_end, c.basis)}; those days ran at {ratio:.1f}x the "
                                               f"rep's period rate (the company's: {company_ratio or 0:.1f}x), the "
                                               f"first {WINDOW_DAYS} days after at {next_ratio:.1f}x")})
                if crossed and accelerator and disc_end is not None and disc_rest is not None \
                        and disc_end - disc_rest >= DISCOUNT_POINTS and discounts_known:
                    out.append(row | {"flag": "discount_past_accelerator", "figure_without": without_end,
                                      "window_value": _money(w["value_end"]), "discount_window": disc_end,
                                      "discount_usual": disc_rest,
                                      "note": (f"{_fig(x, c.basis)} just past the accelerator at {_fig(b, c.basis)}, "
                                               f"reached in the last {WINDOW_DAYS} days at a discount of "
                                               f"{disc_end:.1%} against {disc_rest:.1%} on the rest of the period")})
                if w["returns"] and without_returns < b <= x:
                    out.append(row | {"flag": "return_after_payout", "figure_without": without_returns,
                                      "window_value": _money(w["returns"]),
                                      "note": (f"{_fig(x, c.basis)} reached the bound {_fig(b, c.basis)}; the returns "
                                               f"of {_money(w['returns'])} dated in the {RETURN_DAYS} days after the "
                                               f"period would take it to {_fig(without_returns, c.basis)} (the data "
                                               "do not link a return to its invoice)")})
    return out


def _money(x) -> Decimal | None:
    return None if x is None else Decimal(repr(round(x, 2))).quantize(Decimal("0.01"))


def _fig(x: float, basis: str) -> str:
    return f"attainment {x:.3f}" if basis == "attainment" else f"turnover {x:,.2f}"


def gaming(ctx, plans: dict, reps: list[dict], currency: str) -> list[dict]:
    """The gaming-flags rows of every plan in force over the complete periods plan-whatif replays."""
    from saleskpi.analyses.incentives.whatif import past_periods
    from saleskpi.analyses.periods import first_sales_day

    past = past_periods(ctx.as_of, ctx.settings.sales.period, ctx.settings.incentives.whatif_periods,
                        first_sales_day(ctx.table("sales")))
    products = ctx.table("products")
    discounts_known = bool(products.list_price.notnull().any().execute())
    uses_turnover = any(c.measure == "turnover_value" for plan in plans.values() for c in plan.component)
    if not uses_turnover or not past:
        return []
    if not discounts_known:
        ctx.warn("incentives", "products.list_price is empty, so gaming-flags cannot check discounts past an "
                               "accelerator; import the products with their list prices.")
    t = ctx.table("targets")
    rows = t.filter(t.period.isin([p.label for p in past]) & (t.level == "rep") & (t.kpi == "turnover_value"))
    rows = rows.group_by("period", "key", "kpi").aggregate(target=rows.target.sum()).to_pyarrow().to_pylist()
    targets_of: dict[str, dict] = {}
    for r in rows:
        if r["target"] is not None:
            targets_of.setdefault(r["period"], {})[(r["key"], r["kpi"])] = float(r["target"])
    per_period = rep_windows(ctx, past, ctx.as_of)
    out = []
    for p in past:
        windows, company = per_period[p.label]
        targets = targets_of.get(p.label, {})
        for plan in plans.values():
            out += flags(plan, p, reps, windows, company, targets, currency, discounts_known=discounts_known)
    return out
