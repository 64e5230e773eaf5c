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
    "currency": "string",
}
LIMIT_TYPES = {"criterion": "string", "classification_method": "string", "limit_ab": "float64", "limit_bc": "float64",
               "customers_a": "int64", "customers_b": "int64", "customers_c": "int64"}
MIGRATION_TYPES = {"criterion": "string", "from_class": "string", "to_class": "string", "customers": "int64",
                   "previous_run": "int64"}

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
    ``thresholds[0]``, C below; a missing share gets no class ('')."""
    low, high = thresholds
    out = np.where(shares >= high, "A", np.where(shares >= low, "B", "C")).astype("<U1")
    out[np.isnan(shares)] = ""
    return out


def classes_by_criterion(frame: pd.DataFrame, settings) -> pd.DataFrame:
    """One class column per criterion, plus the limits used, on the per-customer summary."""
    ids = frame.customer_id.to_numpy()
    out = pd.DataFrame(index=frame.index)
    limits = {}
    if frame.empty:  # no customers yet: nothing to classify
        for criterion in CRITERIA:
            out[f"class_by_{criterion}"] = pd.Series(dtype=str)
            limits[criterion] = (np.nan, np.nan)
        return out, limits
    for criterion, column in (("value", "turnover_value_12m"), ("volume", "turnover_volume_12m"),
                              ("potential", "potential_value")):
        r = classify(frame[column].to_numpy(dtype=float), method=settings.method, cutoffs=settings.cutoffs, ids=ids)
        out[f"class_by_{criterion}"] = r.classes
        limits[criterion] = (r.limit_ab, r.limit_bc)
    for criterion, column in (("share", "share_of_wallet_by_value"), ("share_volume", "share_of_wallet_by_volume")):
        shares = frame[column].to_numpy(dtype=float)
        if settings.share_method == "thresholds":
            out[f"class_by_{criterion}"] = classify_shares(shares, settings.share_thresholds)
            limits[criterion] = (settings.share_thresholds[1], settings.share_thresholds[0])
        else:
            known = ~np.isnan(shares)
            classes = np.full(len(shares), "", dtype="<U1")
            if known.sum() >= MIN_VALUES_COMPUTED:
                r = classify(shares[known], method=settings.share_method, cutoffs=settings.cutoffs, ids=ids[known])
                classes[known] = r.classes
                limits[criterion] = (r.limit_ab, r.limit_bc)
            out[f"class_by_{criterion}"] = classes
    return out, limits


def mismatch_signal(by_value: np.ndarray, by_volume: np.ndarray) -> np.ndarray:
    """Where the value class differs from the volume class: a price or mix signal."""
    return np.where(by_value < by_volume, "value above volume: high prices or a rich mix",
                    np.where(by_value > by_volume, "value below volume: low prices or a poor mix", ""))


def customer_classes(ctx: Context) -> tuple[pd.DataFrame, dict]:
    w = ctx.result("wallet")
    w = w.filter(w.business_line.isnull()).select(
        "customer_id", "territory_id", "rep_id", "turnover_value_12m", "turnover_volume_12m", "potential_value",
        "share_of_wallet_by_value", "share_of_wallet_by_volume").order_by("customer_id")
    frame = w.to_pyarrow().to_pandas()
    for col in ("turnover_value_12m", "turnover_volume_12m", "potential_value", "share_of_wallet_by_value",
                "share_of_wallet_by_volume"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    settings = ctx.settings.abc
    classes, limits = classes_by_criterion(frame, settings)
    frame = frame.join(classes)
    actions = action_table(settings.actions)
    cell = frame.class_by_value + frame.class_by_potential + frame.class_by_share
    frame["cell"] = cell.where(frame.class_by_share != "", None)
    frame["action"] = frame.cell.map(actions)
    frame["volume_value_mismatch"] = frame.class_by_value != frame.class_by_volume
    frame["mismatch_signal"] = mismatch_signal(frame.class_by_value.to_numpy(), frame.class_by_volume.to_numpy())
    return frame, limits


def matrix(abc: ibis.Table, actions: dict[str, str]) -> ibis.Table:
    """All 27 cells with their customers, purchases, potential, the gap and the action."""
    cells = ibis.memtable(pd.DataFrame(
        [(v, p, s, v + p + s, actions[v + p + s]) for v in "ABC" for p in "ABC" for s in "ABC"],
        columns=["class_by_value", "class_by_potential", "class_by_share", "cell_key", "action"]))
    agg = abc.filter(abc.cell.notnull()).group_by("cell").aggregate(
        customers=abc.customer_id.count(), turnover_value_12m=abc.turnover_value_12m.sum(),
        potential_value=abc.potential_value.sum())
    out = cells.left_join(agg, cells.cell_key == agg.cell).drop("cell").rename(cell="cell_key")
    out = out.mutate(customers=out.customers.fill_null(0), turnover_value_12m=out.turnover_value_12m.fill_null(0),
                     potential_value=out.potential_value.fill_null(0))
    return out.mutate(gap_value=out.potential_value - out.turnover_value_12m).order_by("cell")


def migration(ctx: Context, current: pd.DataFrame) -> pd.DataFrame:
    """Class changes since the previous run that stored ``abc``: one row per criterion x
    from-class x to-class ('new' for customers not classified before — all of them on the
    first run —, 'gone' for the reverse, 'none' for a customer without a share class)."""
    cols = ["customer_id"] + [f"class_by_{c}" for c in ("value", "potential", "share")]
    previous, last = pd.DataFrame(columns=cols), None
    # the newest earlier run that finished (a run killed half-way is no baseline)
    stored = ctx.previous_result("abc")
    if stored is not None:
        frame = stored.select("run_id", *cols).to_pyarrow().to_pandas()
        if len(frame):
            last = int(frame.run_id.iloc[0])
            previous = frame[cols]
    both = current[cols].merge(previous, how="outer", on="customer_id", suffixes=("", "_before"))
    rows = []
    for criterion in ("value", "potential", "share"):
        now = both[f"class_by_{criterion}"].fillna("gone").replace("", "none")
        then = both[f"class_by_{criterion}_before"].fillna("new").replace("", "none")
        counts = pd.DataFrame({"from_class": then, "to_class": now}).value_counts().reset_index(name="customers")
        counts.insert(0, "criterion", criterion)
        rows.append(counts)
    out = pd.concat(rows, ignore_index=True).sort_values(["criterion", "from_class", "to_class"])
    out["previous_run"] = last
    return out.reset_index(drop=True)


def class_a(abc: ibis.Table, sales: ibis.Table) -> ibis.Table:
    """One row per class-A customer (by purchase value) with its sales, potential, share,
    classes and action: the key-account manager's list."""
    a = abc.filter(abc.class_by_value == "A")
    s = sales.filter((sales.level == "customer") & sales.business_line.isnull())
    s = s.select(
        sales_customer_id=s.customer_id, team_id=s.team_id, turnover_value_period=s.turnover_value_period,
        turnover_value_ly=s.turnover_value_ly, growth_value_vs_ly=s.growth_value_vs_ly,
        turnover_volume_period=s.turnover_volume_period, target_value=s.target_value,
        attainment_by_value=s.attainment_by_value, target_products_value=s.target_products_value,
        target_products_share=s.target_products_share, products_bought=s.products_bought,
        categories_bought=s.categories_bought, assortment_breadth=s.assortment_breadth, margin=s.margin,
        period=s.period)
    j = a.left_join(s, a.customer_id == s.sales_customer_id).drop("sales_customer_id")
    return j.order_by([j.turnover_value_12m.desc(), j.customer_id])


def run(ctx: Context) -> dict[str, ibis.Table]:
    frame, limits = customer_classes(ctx)
    currency = ctx.settings.workspace.currency
    abc = frame_table(frame.assign(currency=currency), ABC_TYPES)
    limit_rows = pd.DataFrame([(c, float(ab), float(bc)) for c, (ab, bc) in limits.items()],
                              columns=["criterion", "limit_ab", "limit_bc"])
    for letter in "ABC":
        limit_rows[f"customers_{letter.lower()}"] = [
            int((frame[f"class_by_{c}"] == letter).sum()) for c in limit_rows.criterion]
    limit_rows["classification_method"] = [ctx.settings.abc.share_method if c.startswith("share") else ctx.settings.abc.method
                            for c in limit_rows.criterion]
    return {
        "abc": abc,
        "abc-limits": frame_table(limit_rows, LIMIT_TYPES),
        "abc-matrix": matrix(abc, action_table(ctx.settings.abc.actions)).mutate(currency=ibis.literal(currency)),
        "abc-migration": frame_table(migration(ctx, frame), MIGRATION_TYPES),
        "class-a": class_a(abc, ctx.result("sales")),
    }


ANALYSIS = Analysis(name="abc", title="ABC analysis", results=RESULTS, run=run, depends_on=("sales", "wallet"))
