"""did(): the difference-in-differences against hand-worked arithmetic (no statsmodels in the oracle)."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from saleskpi.analyses.loyalty import did
from saleskpi.errors import UsageError

# The 2x2 case worked by hand: two rows per cell, each cell's rows its mean ± 1.
#   control before 1, 3 (mean 2)   control after 4, 6 (mean 5)
#   treated before 2, 4 (mean 3)   treated after 9, 11 (mean 10)
# δ = (10 − 3) − (5 − 2) = 4. Residuals ±1: SSR = 8, s² = 8 / (8 − 4) = 2,
# Var δ = s² · (1/2 + 1/2 + 1/2 + 1/2) = 4, SE = 2; t(4, 0.975) = 2.776445 -> [−1.5529, 9.5529].
TWO_BY_TWO = pd.DataFrame({
    "y": [1, 3, 4, 6, 2, 4, 9, 11],
    "treated": [0, 0, 0, 0, 1, 1, 1, 1],
    "post": [0, 0, 1, 1, 0, 0, 1, 1],
})


def test_the_estimate_is_the_difference_of_the_four_means_with_the_classical_error():
    r = did(TWO_BY_TWO, outcome="y", treated="treated", post="post")
    assert r.estimate == pytest.approx(4.0)
    assert r.se == pytest.approx(2.0)
    assert r.n == 8 and r.clusters is None
    assert (r.ci_low, r.ci_high) == pytest.approx((4 - 2.776445 * 2, 4 + 2.776445 * 2), abs=1e-5)
    assert r.pvalue == pytest.approx(2 * stats.t.sf(2.0, 4))
    # counterfactual = treated before + control change = 3 + 3 = 6; relative lift 4 / 6
    assert r.counterfactual == pytest.approx(6.0)
    assert r.relative == pytest.approx(4 / 6)


def test_a_90_percent_interval_is_narrower_by_the_t_quantile():
    r = did(TWO_BY_TWO, outcome="y", treated="treated", post="post", level=0.9)
    assert r.ci_high - r.estimate == pytest.approx(2.131847 * 2, abs=1e-5)


def _panel(seed=3, units=40):
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(units), 2)
    treated = (unit % 2).astype(float)
    post = np.tile([0.0, 1.0], units)
    size = rng.normal(0, 1, units)[unit]  # a unit effect: rows of a unit are correlated
    x = rng.normal(0, 1, len(unit))
    y = 10 + 2 * treated + 1 * post + 3 * treated * post + 5 * size + 0.5 * x + rng.normal(0, 1, len(unit))
    return pd.DataFrame({"y": y, "treated": treated, "post": post, "x": x, "unit": unit})


def test_clustered_errors_are_the_cr1_sandwich_worked_in_numpy():
    f = _panel()
    r = did(f, outcome="y", treated="treated", post="post", controls=("x",), cluster="unit")
    X = np.column_stack([np.ones(len(f)), f.treated, f.post, f.treated * f.post, f.x])
    y = f.y.to_numpy()
    beta = np.linalg.solve(X.T @ X, X.T @ y)
    u = y - X @ beta
    bread = np.linalg.inv(X.T @ X)
    meat = sum(np.outer(X[f.unit == g].T @ u[f.unit == g], X[f.unit == g].T @ u[f.unit == g])
               for g in range(40))
    n, k, G = len(f), X.shape[1], 40
    V = G / (G - 1) * (n - 1) / (n - k) * bread @ meat @ bread
    assert r.estimate == pytest.approx(beta[3])
    assert r.se == pytest.approx(np.sqrt(V[3, 3]))
    assert r.clusters == 40 and r.n == 80
    q = stats.t.ppf(0.975, G - 1)
    assert (r.ci_low, r.ci_high) == pytest.approx((beta[3] - q * np.sqrt(V[3, 3]), beta[3] + q * np.sqrt(V[3, 3])))
    # the relative lift's delta-method error over the same covariance
    c = beta[0] + beta[1] + beta[2]
    grad = np.array([-beta[3] / c**2] * 3 + [1 / c, 0.0])
    rel_se = np.sqrt(grad @ V @ grad)
    assert r.relative == pytest.approx(beta[3] / c)
    assert r.relative_ci_high - r.relative == pytest.approx(q * rel_se)


def test_without_controls_a_balanced_panel_clustered_on_the_unit_is_the_difference_of_mean_changes():
    # δ = mean change of the treated − mean change of the controls, whatever the unit effects
    f = _panel(seed=8)
    r = did(f, outcome="y", treated="treated", post="post", cluster="unit")
    change = f.pivot(index="unit", columns="post", values="y")
    change = change[1.0] - change[0.0]
    treated = f.groupby("unit").treated.first()
    assert r.estimate == pytest.approx(change[treated == 1].mean() - change[treated == 0].mean())


def test_bad_input_is_refused_with_the_parameter_named():
    with pytest.raises(UsageError, match="no row is treated after"):
        did(TWO_BY_TWO[~((TWO_BY_TWO.treated == 1) & (TWO_BY_TWO.post == 1))], outcome="y", treated="treated",
            post="post")
    with pytest.raises(UsageError, match="The 'treated' column 'y' of did must hold 0/1"):
        did(TWO_BY_TWO, outcome="post", treated="y", post="post")
    with pytest.raises(UsageError, match="the frame has no column 'spend'"):
        did(TWO_BY_TWO, outcome="spend", treated="treated", post="post")
    with pytest.raises(UsageError, match="The 'level' parameter of did must be a float in \\(0, 1\\). Got 95"):
        did(TWO_BY_TWO, outcome="y", treated="treated", post="post", level=95)
    with pytest.raises(UsageError, match="at least two clusters"):
        did(TWO_BY_TWO.assign(g=1), outcome="y", treated="treated", post="post", cluster="g")
