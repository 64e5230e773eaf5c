"""ABC analysis (course topic 2): customers by purchases (value and volume), by potential and
by share of wallet; the 27-cell matrix with an action per cell; class migrations between runs;
the class-A list.

The classification itself is :func:`saleskpi.analyses.abc.classify.classify` (fixed cut-offs, or
computed ABC analysis after Ultsch & Lötsch 2015); this module applies it to the customers.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from saleskpi.analyses import Analysis, Context, frame_table
from saleskpi.analyses.abc.classify import MIN_VALUES_COMPUTED, ABCResult, classify
from saleskpi.analyses.abc.results import RESULTS

__all__ = ["ABCResult", "classify", "ANALYSIS"]


# --- the abc analysis (course topic 2): customers by purchases, potential and share -----------

CRITERIA = ("value", "volume", "potential", "share", "share_volume")

ABC_TYPES = {
    "customer_id": "string", "territory_id": "string", "rep_id": "string", "turnover_value_12m": "float64",
    "turnover_volume_12m": "float64", "potential_value": "float64", "share_of_wallet_by_value": "float64",
    "share_of_wallet_by_volume": "float64", **{f"class_by_{c}": "string" for c in CRITERIA},
    "cell": "string", "action": "string", "volume_value_mismatch": "boolean", "mismatch_signal": "string",
    "class_missing_reason": "string", "currency": "string",
}
LIMIT_TYPES = {"criterion": "string", "classification_method": "string", "limit_ab": "float64", "limit_bc": "float64",
               "customers_a": "int64", "customers_b": "int64", "customers_c": "int64",
               "customers_unclassified": "int64", "class_missing_reason": "string"}
MIGRATION_TYPES = {"criterion": "string", "from_class": "string", "to_class": "string", "customers": "int64",
                   "previous_run": "int64"}

#: The column each criterion classifies; the last three may be unknown (no potential, no share).
CRITERION_COLUMNS = {"value": "turnover_value_12m", "volume": "turnover_volume_12m", "potential": "potential_value",
                     "share": "share_of_wallet_by_value", "share_volume": "share_of_wallet_by_volume"}
SHARE_CRITERIA = ("share", "share_volume")
#: Why a criterion has no class for any customer (abc-limits ``class_missing_reason``).
NOBODY_HAS = {"value": "no customer to classify", "volume": "no customer to classify",
              "potential": "no customer has a potential estimate",
              "share": "no customer has a share of wallet (no potential estimate, or a potential of zero)",
              "share_volume": "no customer has a share of wallet in volume (no potential in volume, or zero)"}
#: Why one customer has no class (abc ``class_missing_reason``).
ACQUIRED_LATER = "acquired after the as-of date: not classified"
NO_POTENTIAL = "no potential estimate: no class by potential or share, no cell"
ZERO_POTENTIAL = "potential is zero: no class by share, no cell"
SHARE_UNCLASSED = "too few customers have a share for [abc] share_method: no class by share, no cell"
NO_SHARE_VOLUME = "no potential in volume: no class by share in volume"

#: The built-in recommended action per (potential class, share class); the purchases class
#: does not change the advice by default. Override any of the 27 cells in [abc.actions].
DEFAULT_ACTIONS = {
    ("A", "A"): "defend: key-account plan, retain",
    ("A", "B"): "grow share: widen the assortment and target products",
    ("A", "C"): "grow share: priority",
    ("B", "A"): "retain: service and loyalty",
    ("B", "B"): "develop: widen the assortment",
    ("B", "C"): "grow share selectively",
    ("C", "A"): "serve efficiently",
    ("C", "B"): "maintain at low cost",
    ("C", "C"): "serve at the lowest cost (phone, online)",
}


def action_table(overrides: dict[str, str]) -> dict[str, str]:
    """All 27 cells ("CAC" = purchases C, potential A, share C) with their action."""
    table = {v + p + s: DEFAULT_ACTIONS[(p, s)] for v in "ABC" for p in "ABC" for s in "ABC"}
    table.update(overrides)
    return table


def classify_shares(shares: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    """Share-of-wallet classes by thresholds: A from ``thresholds[1]``, B from
    ``thresholds[0]``, C below; a missing share gets no class (None)."""
    low, high = thresholds
    out = np.where(shares >= high, "A", np.where(shares >= low, "B", "C")).astype(object)
    out[np.isnan(shares)] = None
    return out


def classes_by_criterion(frame: pd.DataFrame, settings) -> tuple[pd.DataFrame, dict]:
    """One class column per criterion on the per-customer summary, None where the customer has
    no class: not ``classified`` (acquired after the as-of date; all are classified when the
    column is absent), or its potential or share is unknown — unknown is not class C, while a
    known zero is. Also, per criterion, ``(limit_ab, limit_bc, reason)``: the limits used and,
    where no customer could be classified by it, why."""
    ok = frame["classified"].to_numpy(dtype=bool) if "classified" in frame else np.ones(len(frame), dtype=bool)
    ids = frame.customer_id.to_numpy()
    out = pd.DataFrame(index=frame.index)
    limits = {}
    for criterion, column in CRITERION_COLUMNS.items():
        values = frame[column].to_numpy(dtype=float)
        known = ok & ~np.isnan(values) if criterion not in ("value", "volume") else ok
        n = int(known.sum())
        classes = np.full(len(frame), None, dtype=object)
        ab, bc, reason = np.nan, np.nan, None if n else NOBODY_HAS[criterion]
        share = criterion in SHARE_CRITERIA
        if share and settings.share_method == "thresholds":
            classes[known] = classify_shares(values[known], settings.share_thresholds)
            ab, bc = settings.share_thresholds[1], settings.share_thresholds[0]
        elif share and 0 < n < MIN_VALUES_COMPUTED:
            reason = (f"only {n} customer(s) have a share; share_method '{settings.share_method}' needs at least "
                      f"{MIN_VALUES_COMPUTED} (or set [abc] share_method = \"thresholds\")")
        elif n:
            method = settings.share_method if share else settings.method
            r = classify(values[known], method=method, cutoffs=settings.cutoffs, ids=ids[known])
            classes[known] = r.classes
            ab, bc = r.limit_ab, r.limit_bc
            if not np.isfinite(ab):
                reason = f"no customer has a positive {column}: all are C"
        out[f"class_by_{criterion}"] = pd.Series(classes, index=frame.index, dtype=object)
        limits[criterion] = (ab, bc, reason)
    return out, limits


def missing_reasons(frame: pd.DataFrame) -> pd.Series:
    """Why a customer (a row of the classified summary) has no class by some criterion, or
    None where it has every class."""
    ok = frame["classified"] if "classified" in frame else pd.Series(True, index=frame.index)
    share = np.select(
        [frame.class_by_potential.isna(), frame.potential_value <= 0, frame.class_by_share.isna()],
        [NO_POTENTIAL, ZERO_POTENTIAL, SHARE_UNCLASSED], default="")
    volume = np.where(frame.class_by_share.notna() & frame.class_by_share_volume.isna(), NO_SHARE_VOLUME, "")
    joined = ["; ".join(p for p in parts if p) or None for parts in zip(share, volume)]
    return pd.Series(joined, index=frame.index, dtype=object).where(ok, ACQUIRED_LATER)


def mismatch_signal(by_value: np.ndarray, by_volume: np.ndarray) -> np.ndarray:
    """Where the value class differs from the volume class: a price or mix signal."""
    return np.where(by_value < by_volume, "value above volume: high prices or a rich mix",
                    np.where(by_value > by_volume, "value below volume: low prices or a poor mix", ""))


def acquired_after(ctx: Context) -> set[str]:
    """The customers acquired after the as-of date: ``acquired_on`` and the first invoice both
    after it (or missing; a customer with neither is not known to be new)."""
    s = ctx.table("sales")
    first = s.group_by(first_id=s.customer_id).aggregate(first_invoice=s.date.min())
    c = ctx.table("customers").select("customer_id", "acquired_on")
    c = c.left_join(first, c.customer_id == first.first_id)
    as_of = ibis.literal(ctx.as_of)
    later = ((c.acquired_on.isnull() | (c.acquired_on > as_of))
             & (c.first_invoice.isnull() | (c.first_invoice > as_of))
             & (c.acquired_on.notnull() | c.first_invoice.notnull()))
    return set(c.filter(later).customer_id.to_pyarrow().to_pylist())


def customer_classes(ctx: Context) -> tuple[pd.DataFrame, dict]:
    w = ctx.result("wallet")
    w = w.filter(w.business_line.isnull()).select(
        "customer_id", "territory_id", "rep_id", "turnover_value_12m", "turnover_volume_12m", "potential_value",
        "share_of_wallet_by_value", "share_of_wallet_by_volume").order_by("customer_id")
    frame = w.to_pyarrow().to_pandas()
    for col in ("turnover_value_12m", "turnover_volume_12m", "potential_value", "share_of_wallet_by_value",
                "share_of_wallet_by_volume"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    frame["classified"] = ~frame.customer_id.isin(acquired_after(ctx))
    settings = ctx.settings.abc
    classes, limits = classes_by_criterion(frame, settings)
    frame = frame.join(classes)
    actions = action_table(settings.actions)
    has_cell = frame.class_by_value.notna() & frame.class_by_potential.notna() & frame.class_by_share.notna()
    frame["cell"] = (frame.class_by_value.fillna("") + frame.class_by_potential.fillna("")
                     + frame.class_by_share.fillna("")).where(has_cell, None)
    frame["action"] = frame.cell.map(actions)
    by_value, by_volume = frame.class_by_value.fillna("").to_numpy(), frame.class_by_volume.fillna("").to_numpy()
    frame["volume_value_mismatch"] = pd.Series(by_value != by_volume, index=frame.index, dtype=object).where(
        frame.classified, None)
    frame["mismatch_signal"] = pd.Series(mismatch_signal(by_value, by_volume), index=frame.index).where(
        frame.classified, None)
    frame["class_missing_reason"] = missing_reasons(frame)
    return frame, limits


def matrix(abc: ibis.Table, actions: dict[str, str], unknown: str | None = None) -> ibis.Table:
    """All 27 cells with their customers, purchases, potential, the gap and the action. Where
    no customer has a cell (``unknown`` says why), the cells are unknown, not empty: every
    figure and action is empty and ``class_missing_reason`` is ``unknown``."""
    cells = ibis.memtable(pd.DataFrame(
        [(v, p, s, v + p + s, actions[v + p + s]) for v in "ABC" for p in "ABC" for s in "ABC"],
        columns=["class_by_value", "class_by_potential", "class_by_share", "cell_key", "action"]))
    if unknown is not None:
        return cells.select(
            "class_by_value", "class_by_potential", "class_by_share", cell=cells.cell_key,
            action=ibis.null("string"), customers=ibis.null("int64"), turnover_value_12m=ibis.null("float64"),
            potential_value=ibis.null("float64"), gap_value=ibis.null("float64"),
            class_missing_reason=ibis.literal(unknown)).order_by("cell")
    agg = abc.filter(abc.cell.notnull()).group_by("cell").aggregate(
        customers=abc.customer_id.count(), turnover_value_12m=abc.turnover_value_12m.sum(),
        potential_value=abc.potential_value.sum())
    out = cells.left_join(agg, cells.cell_key == agg.cell).drop("cell").rename(cell="cell_key")
    out = out.mutate(customers=out.customers.fill_null(0), turnover_value_12m=out.turnover_value_12m.fill_null(0),
                     potential_value=out.potential_value.fill_null(0), class_missing_reason=ibis.null("string"))
    return out.mutate(gap_value=out.potential_value - out.turnover_value_12m).order_by("cell")


def migration(ctx: Context, current: pd.DataFrame) -> pd.DataFrame:
    """Class changes since the previous run that stored ``abc``: one row per criterion x
    from-class x to-class ('new' for customers not classified before — all of them on the
    first run —, 'gone' for the reverse, 'unknown' for a customer without a class by the
    criterion: no potential, no share). Customers acquired after the as-of date are not
    classified, so not counted."""
    cols = ["customer_id"] + [f"class_by_{c}" for c in ("value", "potential", "share")]
    previous, last = pd.DataFrame(columns=cols), None
    # the newest earlier run that finished (a run killed half-way is no baseline)
    stored = ctx.previous_result("abc")
    if stored is not None:
        frame = stored.select("run_id", *cols).to_pyarrow().to_pandas()
        if len(frame):
            last = int(frame.run_id.iloc[0])
            # classified then: a class by value (runs before this rule stored '' for no share)
            previous = frame[frame.class_by_value.notna() & (frame.class_by_value != "")][cols]
    now = current[current.classified][cols]
    both = now.merge(previous, how="outer", on="customer_id", suffixes=("", "_before"), indicator=True)
    rows = []
    def label(classes: pd.Series) -> pd.Series:
        return classes.where(classes.notna() & (classes != ""), "unknown")

    for criterion in ("value", "potential", "share"):
        to = label(both[f"class_by_{criterion}"]).where(both._merge != "right_only", "gone")
        was = label(both[f"class_by_{criterion}_before"]).where(both._merge != "left_only", "new")
        counts = pd.DataFrame({"from_class": was, "to_class": to}).value_counts().reset_index(name="customers")
        counts.insert(0, "criterion", criterion)
        rows.append(counts)
    out = pd.concat(rows, ignore_index=True).sort_values(["criterion", "from_class", "to_class"])
    out["previous_run"] = last
    return out.reset_index(drop=True)


def class_a(abc: ibis.Table, sales: ibis.Table, reps: ibis.Table) -> ibis.Table:
    """One row per class-A customer (by purchase value) with its sales, potential, share,
    classes and action: the key-account manager's list. Its team is its rep's
    (reps.team_id); its ``note`` is its sales row's (why a sales column is empty)."""
    a = abc.filter(abc.class_by_value == "A")
    s = sales.filter((sales.level == "customer") & sales.business_line.isnull())
    s = s.select(
        sales_customer_id=s.customer_id, turnover_value_period=s.turnover_value_period,
        turnover_value_ly=s.turnover_value_ly, growth_value_vs_ly=s.growth_value_vs_ly,
        turnover_volume_period=s.turnover_volume_period, target_value=s.target_value,
        attainment_by_value=s.attainment_by_value, target_products_value=s.target_products_value,
        target_products_share=s.target_products_share, products_bought=s.products_bought,
        categories_bought=s.categories_bought, assortment_breadth=s.assortment_breadth, margin=s.margin,
        period=s.period, note=s.note)
    teams = reps.select(team_rep_id=reps.rep_id, team_id=reps.team_id)
    a = a.left_join(teams, a.rep_id == teams.team_rep_id).drop("team_rep_id")
    j = a.left_join(s, a.customer_id == s.sales_customer_id).drop("sales_customer_id")
    return j.order_by([j.turnover_value_12m.desc(), j.customer_id])


#: The warning when no product is marked as a target product (then target-gaps holds no row).
NO_TARGET_PRODUCTS = ("target-gaps: no product is marked products.is_target, so there are no target products "
                      "to offer; mark them in the products file (is_target = true) and import it again.")


def target_gaps(ctx: Context, abc: ibis.Table, wallet: ibis.Table) -> ibis.Table:
    """Each target product (``products.is_target``) that a customer who bought in the 12 months to
    the as-of date did not buy in them (its net value of the product not positive): the offers of
    the key-account manager's plan ("what do I offer whom?", DESIGN.md). Beside each, the
    customer's 12-month turnover and gap to potential in the product's business line (the
    ``wallet`` row of that line: where the gap is large the offer has room), and the share of
    those customers who did buy the product (a product most of them buy is an easy offer)."""
    from saleskpi.analyses.periods import last_12_months
    from saleskpi.analyses.shared import product_attributes

    start, end = last_12_months(ctx.as_of)
    products = ctx.table("products")
    attributes = product_attributes(products)
    targets = attributes.filter(attributes.is_target)
    targets = targets.join(products.select("product_id", product_name=products.name), "product_id")
    lines = ctx.table("sales")
    # only the target products' lines count (the offers and the buyers' share are of those):
    # summed per customer x target product, not per customer x product
    lines = lines.filter((lines.date >= start) & (lines.date <= end) & lines.product_id.isin(targets.product_id))
    bought = lines.group_by("customer_id", "product_id").aggregate(value=lines.net_value.sum())
    bought = bought.filter(bought.value > 0).select(b_customer_id=bought.customer_id, b_product_id=bought.product_id)
    active = abc.filter(abc.turnover_value_12m > 0).select("customer_id", "territory_id", "rep_id", "class_by_value",
                                                           "currency")
    counted = active.aggregate(active_customers=active.count())
    ids = active.select(a_customer_id=active.customer_id)
    buyers = bought.join(ids, bought.b_customer_id == ids.a_customer_id)
    buyers = buyers.group_by(p_product_id=buyers.b_product_id).aggregate(buyers=buyers.count())
    pairs = active.cross_join(targets.select("product_id", "product_name", "business_line", "category"))
    missing = pairs.anti_join(bought, [pairs.customer_id == bought.b_customer_id,
                                       pairs.product_id == bought.b_product_id])
    missing = missing.left_join(buyers, missing.product_id == buyers.p_product_id).drop("p_product_id")
    missing = missing.cross_join(counted)
    w = wallet.select(w_customer_id=wallet.customer_id, w_line=wallet.business_line,
                      line_turnover_value_12m=wallet.turnover_value_12m, line_gap_value=wallet.gap_value)
    out = missing.left_join(w, [missing.customer_id == w.w_customer_id, missing.business_line == w.w_line])
    out = out.select(
        "customer_id", "territory_id", "rep_id", "class_by_value", "product_id", "product_name", "business_line",
        "category", "line_turnover_value_12m", "line_gap_value",
        # a product no active customer bought has a real 0 share
        buyers_share=(out.buyers.fill_null(0).cast("float64") / out.active_customers.cast("float64")),
        currency=out.currency)
    return out.order_by([out.customer_id, out.product_id])


def abc_warnings(frame: pd.DataFrame, limits: dict) -> list[str]:
    """What the run's warnings say about the classes: criteria by which no customer, or only
    some, could be classified, and why (the potential analysis's warning says what to import)."""
    classified = frame[frame.classified]
    if classified.empty:
        return []
    if limits["potential"][2]:
        return [f"no class by potential or share of wallet and no cell of the ABC matrix for any customer "
                f"({limits['potential'][2]}): the 27 cells show no figures and no action."]
    out = []
    for criterion in ("potential", "share"):
        missing = int(classified[f"class_by_{criterion}"].isna().sum())
        if limits[criterion][2] and missing == len(classified):
            out.append(f"no class by {criterion} for any customer: {limits[criterion][2]}.")
        elif missing:
            out.append(f"{missing} of {len(classified)} customers have no class by {criterion} "
                       "(class_missing_reason says why).")
    if classified.cell.isna().all():
        out.append("the ABC matrix is unknown: no customer has a cell, so its 27 cells show no figures and no "
                   "action.")
    return out


def run(ctx: Context) -> dict[str, ibis.Table]:
    frame, limits = customer_classes(ctx)
    for message in abc_warnings(frame, limits):
        ctx.warn("abc", message)
    from saleskpi.analyses.sales import target_products_known

    if not target_products_known(ctx.table("products")):
        ctx.warn("abc", NO_TARGET_PRODUCTS)
    currency = ctx.settings.workspace.currency
    abc = frame_table(frame.assign(currency=currency), ABC_TYPES)
    settings = ctx.settings.abc
    limit_rows = pd.DataFrame([(c, ab, bc, why) for c, (ab, bc, why) in limits.items()],
                              columns=["criterion", "limit_ab", "limit_bc", "class_missing_reason"])
    for letter in "ABC":
        limit_rows[f"customers_{letter.lower()}"] = [
            int((frame[f"class_by_{c}"] == letter).sum()) for c in limit_rows.criterion]
    limit_rows["customers_unclassified"] = [int(frame[f"class_by_{c}"].isna().sum()) for c in limit_rows.criterion]
    limit_rows["classification_method"] = [settings.share_method if c in SHARE_CRITERIA else settings.method
                                           for c in limit_rows.criterion]
    unknown = None
    if frame.classified.any() and frame.cell.isna().all():
        unknown = "no customer has a cell: " + (limits["potential"][2] or limits["share"][2]
                                                or "no customer has every class")
    return {
        "abc": abc,
        "abc-limits": frame_table(limit_rows, LIMIT_TYPES),
        "abc-matrix": matrix(abc, action_table(settings.actions), unknown).mutate(currency=ibis.literal(currency)),
        "abc-migration": frame_table(migration(ctx, frame), MIGRATION_TYPES),
        "class-a": class_a(abc, ctx.result("sales"), ctx.table("reps")),
        "target-gaps": target_gaps(ctx, abc, ctx.result("wallet")),
    }


ANALYSIS = Analysis(name="abc", title="ABC analysis", results=RESULTS, run=run, depends_on=("sales", "wallet"))
