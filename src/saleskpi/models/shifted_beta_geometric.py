"""sBG: the shifted-beta-geometric model of contractual retention.

Fader, P. S. & Hardie, B. G. S. (2007), "How to Project Customer Retention", Journal of
Interactive Marketing 21(1), 76-90 (F&H 2007); the discounted expected (residual) lifetime:
Fader & Hardie (2010), "Customer-Base Valuation in a Contractual Setting: The Perils of
Ignoring Heterogeneity", Marketing Science 29(1), 85-93 (F&H 2010). Formulas as in
METHODS.md, "Contractual retention".

Each customer renews at the end of every period with her own probability 1 - theta, theta ~
Beta(alpha, beta); T = the period in which she churns. The data are the survivors of one
cohort after periods 0, 1, ..., n (the first entry is the cohort size).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import betaln, digamma

from saleskpi.errors import UsageError
from saleskpi.models._special import dot, hyp2f1_1bc
from saleskpi.models.base import LifetimeModel

__all__ = ["ShiftedBetaGeometric"]


class ShiftedBetaGeometric(LifetimeModel):
    """sBG retention model (Fader & Hardie 2007, J. Interactive Marketing 21(1)).

    ``fit(survivors)``: the number of customers of one cohort still active after period 0
    (the cohort size), 1, 2, ... n, e.g. ``[1000, 631, 468, 382, 326, 289, 262, 241]``.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (per customer, lifetimes' convention); 0 = plain ML.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).

    Attributes
    ----------
    params_ : dict
        ``{"alpha", "beta"}`` of the Beta distribution of the churn probability.
    log_likelihood_ : float
        Total log-likelihood as F&H 2007 maximise it: sum_t n_t log P(T = t) + s_n log S(n)
        (those who churned in each period, and the survivors, censored).
    standard_errors_ : dict
        From the inverse of the numerical Hessian of the negative log-likelihood.
    """

    _param_names = ("alpha", "beta")
    _start = (1.0, 1.0)

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)

    def fit(self, survivors: Sequence[float] | np.ndarray) -> ShiftedBetaGeometric:
        """Estimate alpha, beta by maximum likelihood from one cohort's survivors; returns self.

        With P(T = t) = B(alpha+1, beta+t-1)/B(alpha, beta) and S(t) = B(alpha, beta+t)/
        B(alpha, beta) (F&H 2007, section "The sBG model"), LL = sum_{t=1}^{n} (s_{t-1} - s_t) log P(T = t)
        + s_n log S(n).
        """
        s = np.asarray(survivors, dtype=float).reshape(-1)
        owner = "ShiftedBetaGeometric.fit"
        if s.size < 2 or not np.all(np.isfinite(s)) or s[0] <= 0 or np.any(s < 0):
            raise UsageError(
                f"{owner}: 'survivors' must be at least two finite counts >= 0, the first (the "
                f"cohort size) > 0, e.g. [1000, 631, 468]. Got {list(survivors)!r} instead."
            )
        churned = -np.diff(s)
        if np.any(churned < 0):
            i = int(np.flatnonzero(churned < 0)[0]) + 1
            raise UsageError(
                f"{owner}: 'survivors' must not increase; period {i} has {s[i]:g} after "
                f"{s[i - 1]:g}. Give the survivors of one cohort, not new customers."
            )
        n = s.size - 1
        t = np.arange(1, n + 1, dtype=float)
        last = s[-1]

        def loglik(params: np.ndarray) -> tuple[float, np.ndarray]:
            a, b = params
            b_ab = betaln(a, b)
            log_p = betaln(a + 1.0, b + t - 1.0) - b_ab
            log_s = betaln(a, b + n) - b_ab
            ll = dot(churned, log_p) + last * log_s
            psi_ab = digamma(a + b)
            d_ab_a = digamma(a) - psi_ab  # d betaln(a, b) / da
            d_ab_b = digamma(b) - psi_ab
            psi_abt = digamma(a + b + t)
            g_a = dot(churned, digamma(a + 1.0) - psi_abt - d_ab_a)
            g_b = dot(churned, digamma(b + t - 1.0) - psi_abt - d_ab_b)
            psi_abn = digamma(a + b + n)
            g_a += last * (digamma(a) - psi_abn - d_ab_a)
            g_b += last * (digamma(b + n) - psi_abn - d_ab_b)
            return float(ll), np.array([g_a, g_b])

        self._fit_params(loglik, float(s[0]))
        return self

    def _ab(self) -> tuple[float, float]:
        p = self._check_fitted()
        return p["alpha"], p["beta"]

    def survival(self, t: float | np.ndarray) -> np.ndarray:
        """S(t) = B(alpha, beta+t)/B(alpha, beta): share of the cohort still active after t periods.

        F&H 2007, the sBG survivor function. ``t`` >= 0 (whole periods; a scalar or an array).
        """
        a, b = self._ab()
        t = _periods(t, "survival")
        return np.exp(betaln(a, b + t) - betaln(a, b))

    def churn_probability(self, t: float | np.ndarray) -> np.ndarray:
        """P(T = t) = B(alpha+1, beta+t-1)/B(alpha, beta): share churning in period t >= 1.

        F&H 2007, the sBG probability mass function.
        """
        a, b = self._ab()
        t = _periods(t, "churn_probability", minimum=1)
        return np.exp(betaln(a + 1.0, b + t - 1.0) - betaln(a, b))

    def retention(self, t: float | np.ndarray) -> np.ndarray:
        """r_t = (beta+t-1)/(alpha+beta+t-1): the retention rate of period t >= 1 (S(t)/S(t-1)).

        F&H 2007, the sBG retention rate (increasing in t: the survivors are the loyal).
        """
        a, b = self._ab()
        t = _periods(t, "retention", minimum=1)
        return (b + t - 1.0) / (a + b + t - 1.0)

    def del_(self, discount: float) -> float:
        """DEL(d) = 2F1(1, beta; alpha+beta; 1/(1+d)): discounted expected lifetime of a new customer.

        The sum of S(t)/(1+d)^t over t = 0, 1, 2, ... (a payment at the start of each period the
        customer is active, the first undiscounted), F&H 2010 (discounted expected lifetime);
        METHODS.md. Multiply by the margin per period for the expected lifetime value. (The
        trailing underscore: ``del`` is a Python keyword.)
        """
        a, b = self._ab()
        d = _discount(discount)
        return float(hyp2f1_1bc(b, a + b, 1.0 / (1.0 + d))[0])

    def derl(self, discount: float, *, renewals: int) -> float:
        """DERL(d | n-1 renewals): discounted expected residual lifetime of a customer who has
        made ``renewals`` = n - 1 renewals (is in her n-th period), just before she decides on
        the next one.

        (beta+n-1)/(alpha+beta+n-1) 2F1(1, beta+n; alpha+beta+n; 1/(1+d)), F&H 2010 (DERL
        under the sBG model); METHODS.md. The first future payment is discounted one period.
        """
        a, b = self._ab()
        d = _discount(discount)
        if isinstance(renewals, bool) or not isinstance(renewals, int | np.integer) or renewals < 0:
            raise UsageError(
                f"The 'renewals' argument of ShiftedBetaGeometric.derl must be an int >= 0. "
                f"Got {renewals!r} instead."
            )
        n = float(renewals) + 1.0
        front = (b + n - 1.0) / (a + b + n - 1.0)
        return float(front * hyp2f1_1bc(b + n, a + b + n, 1.0 / (1.0 + d))[0])


def _discount(d: float) -> float:
    if isinstance(d, bool) or not isinstance(d, int | float | np.floating) or not 0 < d < np.inf:
        raise UsageError(
            f"The 'discount' argument of ShiftedBetaGeometric must be a rate > 0 per period "
            f"(0.10 for 10 %). Got {d!r} instead."
        )
    return float(d)


def _periods(t: float | np.ndarray, name: str, minimum: int = 0) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < minimum):
        raise UsageError(
            f"ShiftedBetaGeometric.{name}: 't' must be a number of periods >= {minimum}. "
            f"Got {t!r} instead."
        )
    return arr
