"""Non-response: who answers the survey, and do they differ from those who do not?

The invitations of the latest period with invitations are compared: the response rate by class,
territory and industry, and responders against non-responders on CRM data at the as-of date
(turnover, share of wallet, tenure: Mann & Whitney 1947, "On a Test of Whether one of Two Random
Variables is Stochastically Larger than the Other", Ann. Math. Statist. 18(1): 50–60; class:
Pearson's χ² test of independence, class × answered).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from saleskpi.analyses.satisfaction.estimates import top_box_share
from saleskpi.analyses.satisfaction.scores import UNKNOWN

#: (dimension, column of the invitation frame)
DIMENSIONS = (("company", None), ("class", "class_key"), ("territory", "territory_id"), ("industry", "industry"))
#: The figures compared with a rank test (column of the invitation frame).
FIGURES = ("turnover_value_12m", "share_of_wallet_by_value", "tenure_years")


def rates(inv: pd.DataFrame, period: int, level: float) -> pd.DataFrame:
    """The rows of ``nonresponse``: invitations, answers and the rate with its Wilson interval."""
    rows = []
    for dim, col in DIMENSIONS:
        groups = [(None, inv)] if col is None else inv.groupby(inv[col].fillna(UNKNOWN), sort=True)
        for group, g in groups:
            e = top_box_share(g["responded"].astype(float), top=1, low=0, high=1, level=level)
            rows.append({"grouped_by": dim, "group_id": group, "survey_year": period,
                         "territory_id": group if dim == "territory" and group != UNKNOWN else None, "invited": len(g),
                         "responded": int(g["responded"].sum()), "response_rate": e.value,
                         "response_rate_ci_low": e.ci_low, "response_rate_ci_high": e.ci_high})
    return pd.DataFrame(rows)


def responders_test(inv: pd.DataFrame, period: int, significance: float) -> pd.DataFrame:
    """The rows of ``nonresponse-test``: each CRM figure, responders against non-responders."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    rows = []
    answered = inv["responded"].to_numpy(dtype=bool)
    for col in FIGURES:
        x = inv[col].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        a, b = x[ok & answered], x[ok & ~answered]
        row = {"compared_on": col, "survey_year": period, "responders": len(a), "non_responders": len(b),
               "responders_mean": a.mean() if len(a) else np.nan, "non_responders_mean": b.mean() if len(b) else np.nan,
               "test": "mann-whitney"}
        if len(a) and len(b) and np.ptp(np.r_[a, b]) > 0:
            u = stats.mannwhitneyu(a, b, alternative="two-sided")
            row |= {"statistic": float(u.statistic), "pvalue": float(u.pvalue)}
        rows.append(row)
    has_class = inv["class_by_value"].notna().to_numpy()
    is_a = (inv["class_by_value"] == "A").to_numpy()
    a, b = is_a[has_class & answered], is_a[has_class & ~answered]
    row = {"compared_on": "class_a_share", "survey_year": period, "responders": len(a), "non_responders": len(b),
           "responders_mean": a.mean() if len(a) else np.nan, "non_responders_mean": b.mean() if len(b) else np.nan,
           "test": "chi-square"}
    table = pd.crosstab(inv.loc[has_class, "class_by_value"], inv.loc[has_class, "responded"])
    if table.shape == (table.shape[0], 2) and table.shape[0] >= 2:
        chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
        row |= {"statistic": float(chi2), "pvalue": float(p)}
    rows.append(row)
    out = pd.DataFrame(rows)
    out["significant"] = out["pvalue"].lt(significance) if "pvalue" in out else False
    return out
