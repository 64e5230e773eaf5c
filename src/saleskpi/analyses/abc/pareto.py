"""The Pareto curve of the stored ABC classes, as the pages and the Excel report draw it
(docs/abc.md; Pareto's 80/20 reading of the turnover that the ABC classes by value cut)."""

from __future__ import annotations

import ibis

from saleskpi import results

__all__ = ["PARETO_POINTS", "pareto_points"]

#: About how many points of the curve are read (the curve of 100,000 customers drawn with 200).
PARETO_POINTS = 200


def pareto_points(con, *, scope=None, points: int = PARETO_POINTS) -> tuple[list[tuple], dict[str, tuple]]:
    """The Pareto curve of the stored ``abc`` result as the user may see it: customers with a
    positive 12-month turnover ranked largest first, read at about ``points`` ranks as
    (rank, share of customers, cumulative turnover, cumulative share of turnover); and where
    class A and class B by value end (``limit_ab``, ``limit_bc``: the same four values at the
    last customer of the class), absent when the class has no customer in scope.

    The curve is the one the ABC analysis classifies on (Pareto's 80/20 reading of the
    turnover, docs/abc.md); nothing is recomputed but the running sum of the stored turnovers."""
    abc = results.read(con, "abc", scope=scope)
    abc = abc.filter(abc.turnover_value_12m > 0)
    w = ibis.window(order_by=[ibis.desc(abc.turnover_value_12m), abc.customer_id], preceding=None, following=0)
    ranked = abc.select(
        rank=ibis.row_number().over(w) + 1,
        cum=abc.turnover_value_12m.cast("float64").sum().over(w),
        cls=abc.class_by_value,
    )
    totals = ranked.aggregate(n=ranked.count(), total=ranked.cum.max()).to_pyarrow().to_pylist()[0]
    n, total = int(totals["n"] or 0), float(totals["total"] or 0)
    if not n or total <= 0:
        return [], {}
    step = max(1, n // points)
    picked = ranked.filter((ranked["rank"] % step == 0) | (ranked["rank"] == n) | (ranked["rank"] == 1))
    ends = ranked.filter(ranked.cls.isin(["A", "B"])).group_by("cls").aggregate(rank=ranked["rank"].max())
    limits_at = {r["cls"]: int(r["rank"]) for r in ends.to_pyarrow().to_pylist()}
    wanted = set(limits_at.values())
    marks = ranked.filter(ranked["rank"].isin(sorted(wanted))) if wanted else None
    rows = picked.order_by("rank").to_pyarrow().to_pylist()
    curve = [(0, 0.0, 0.0, 0.0)] + [(int(r["rank"]), r["rank"] / n, float(r["cum"]), float(r["cum"]) / total)
                                   for r in rows]
    limits = {}
    if marks is not None:
        at = {int(r["rank"]): float(r["cum"]) for r in marks.to_pyarrow().to_pylist()}
        for cls, key in (("A", "limit_ab"), ("B", "limit_bc")):
            if cls in limits_at:
                rank = limits_at[cls]
                limits[key] = (rank, rank / n, at[rank], at[rank] / total)
    return curve, limits
