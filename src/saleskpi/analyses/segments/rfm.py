"""RFM scores by quintile and the usual named groups (Hughes 1994, *Strategic Database
Marketing*; the group map of ../shared/METHODS.md "RFM"), and the data-driven clusters.

Quintile score of a value among n customers (:func:`quintile_scores`): with the values sorted
ascending and r the 1-based position of the first of a run of equal values,
score = 1 + floor(5 (r − 1) / n), so ties share a score and 10 distinct values score
1,1,2,2,3,3,4,4,5,5. Recency is scored on −days since the last purchase (recent = 5).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["quintile_scores", "rfm_scores", "rfm_group", "RFM_GROUPS", "clusters"]

#: The named groups by the R and F digits (METHODS.md), first match wins; together they cover all 25 cells.
RFM_GROUPS: tuple[tuple[str, set[int], set[int]], ...] = (
    ("champions", {5}, {4, 5}),
    ("loyal", {3, 4}, {4, 5}),
    ("potential loyalists", {4, 5}, {2, 3}),
    ("new", {5}, {1}),
    ("promising", {4}, {1}),
    ("need attention", {3}, {3}),
    ("about to sleep", {3}, {1, 2}),
    ("at risk", {1, 2}, {3, 4}),
    ("can't lose", {1, 2}, {5}),
    ("hibernating", {1, 2}, {1, 2}),
)


def quintile_scores(values) -> np.ndarray:
    """The quintile score 1..5 of each value (higher value, higher score; ties share the score of
    the first of them): 1 + floor(5 (r − 1) / n), r the 1-based rank by ``min`` (Hughes 1994)."""
    x = np.asarray(values, dtype=float)
    if np.isnan(x).any():
        raise ValueError("quintile_scores: the values must all be known; drop the missing ones first.")
    n = len(x)
    if n == 0:
        return np.zeros(0, dtype=int)
    r = pd.Series(x).rank(method="min").to_numpy()
    return (1 + np.floor(5 * (r - 1) / n)).astype(int)


def rfm_scores(recency_days, frequency, monetary) -> pd.DataFrame:
    """r_score, f_score, m_score (1..5) and rfm_group of each customer, from days since the last
    purchase, purchases (orders) and monetary value in the window."""
    r = quintile_scores(-np.asarray(recency_days, dtype=float))
    f = quintile_scores(frequency)
    m = quintile_scores(monetary)
    return pd.DataFrame({"r_score": r, "f_score": f, "m_score": m,
                         "rfm_group": [rfm_group(a, b) for a, b in zip(r, f)]})


def rfm_group(r: int, f: int) -> str:
    """The named group of the R and F scores (METHODS.md map)."""
    for name, rs, fs in RFM_GROUPS:
        if r in rs and f in fs:
            return name
    raise ValueError(f"rfm_group: scores must be 1..5; got R = {r}, F = {f}.")


def clusters(features: pd.DataFrame, *, method: str = "kmeans", k_min: int = 2, k_max: int = 8,
             sample: int = 3000, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame]:
    """Cluster customers on their features, each log(1 + x) transformed and standardised.

    k runs over k_min..k_max (at most n − 1). Each k is fitted on a seeded sample of ``sample``
    customers (all when fewer) and every customer is then assigned. kmeans (Lloyd's algorithm,
    k-means++ starts, 4 starts) chooses the k with the highest mean silhouette over the sample,
    s = mean((b − a) / max(a, b)) (Rousseeuw 1987, J. Comput. Appl. Math. 20: 53–65); gmm (a
    Gaussian mixture, full covariances, 2 starts) the k with the lowest BIC = −2 ln L + p ln n
    over the sample (Schwarz 1978, Annals of Statistics 6: 461–464). Returns the labels 1..k
    (numbered by the clusters' mean first feature, descending, so they read the same run after
    run) and one row per k tried: method, k, criterion, criterion_value, chosen, customers (= n)."""
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    # one BLAS / OpenMP thread: the fits are small, and threads on busy shared cores wait on each
    # other (as in saleskpi.analyses.potential.peer)
    with threadpool_limits(limits=1):
        return _clusters(features, method=method, k_min=k_min, k_max=k_max, sample=sample, seed=seed)


def _clusters(features: pd.DataFrame, *, method: str, k_min: int, k_max: int, sample: int, seed: int):
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.mixture import GaussianMixture

    x = np.log1p(features.to_numpy(dtype=float))
    sd = x.std(axis=0)
    x = (x - x.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    n = len(x)
    # fitted (and judged) on a seeded sample, every customer then assigned to the nearest centre
    # or likeliest component: the cost stays that of `sample` customers however large the base
    fit_x = x if n <= sample else x[np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))]
    rows, fits = [], {}
    for k in range(k_min, min(k_max, len(fit_x) - 1) + 1):
        if method == "kmeans":
            model = KMeans(n_clusters=k, n_init=4, random_state=seed).fit(fit_x)
            labels = model.labels_
            value = float(silhouette_score(fit_x, labels)) if len(set(labels)) > 1 else float("nan")
            criterion = "silhouette"
        else:
            model = GaussianMixture(n_components=k, covariance_type="full", random_state=seed, n_init=2).fit(fit_x)
            value, criterion = float(model.bic(fit_x)), "bic"
        fits[k] = model
        rows.append({"method": method, "k": k, "criterion": criterion, "criterion_value": value, "customers": n})
    table = pd.DataFrame(rows, columns=["method", "k", "criterion", "criterion_value", "customers"])
    if table.empty:
        return np.zeros(n, dtype=int), table.assign(chosen=pd.Series(dtype=bool))
    values = table["criterion_value"]
    best = int(table.loc[values.idxmax() if method == "kmeans" else values.idxmin(), "k"])
    table["chosen"] = table["k"] == best
    labels = fits[best].predict(x)
    order = pd.Series(x[:, 0]).groupby(labels).mean().sort_values(ascending=False).index
    renumber = {old: i + 1 for i, old in enumerate(order)}
    return np.array([renumber[v] for v in labels]), table
