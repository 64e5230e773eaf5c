"""BG/BB: the beta-geometric / beta-Bernoulli model of discrete-time repeat transactions.

Fader, P. S., Hardie, B. G. S. & Shang, J. (2010), "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting", Marketing Science 29(6), 1086-1108 (FHS 2010 below).

Transactions can happen only at discrete opportunities (a yearly appeal, a weekly event). While
alive a customer transacts at each opportunity with probability p ~ Beta(alpha, beta); at the
start of each opportunity after the first she dies with probability theta ~ Beta(gamma,
delta). Data per customer: x = ``frequency`` (opportunities with a transaction), t_x =
``recency`` (the last one, 0 when none), n = ``periods`` (opportunities observed) and
optionally ``weights`` (how many customers share that pattern: BG/BB data usually come as a
table of patterns with counts).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, gammaln

from saleskpi.errors import UsageError
from saleskpi.models._special import dot
from saleskpi.models.base import LifetimeModel, aggregate, read_columns, refuse

__all__ = ["BetaGeoBetaBinom"]


def _terms(params, x, tx, n, derivatives):
    """The likelihood's terms in log space, (rows, 1 + max(n - t_x)), and their gradients.

    Column 0: B(alpha+x, beta+n-x)/B(alpha, beta) * B(gamma, delta+n)/B(gamma, delta) (alive
    through n); column 1+i, i = 0 .. n-t_x-1: B(alpha+x, beta+t_x-x+i)/B(alpha, beta) *
    B(gamma+1, delta+t_x+i)/B(gamma, delta) (died at the start of opportunity t_x+i+1).
    Unused cells are -inf.
    """
    al, be, ga, de = params
    span = (n - tx).astype(np.int64)
    width = int(span.max()) if len(span) else 0
    i = np.arange(width, dtype=float)[None, :]
    used = i < span[:, None]
    xc, txc, nc = x[:, None], tx[:, None], n[:, None]
    b_ab, b_gd = betaln(al, be), betaln(ga, de)
    logs = np.full((len(x), width + 1), -np.inf)
    logs[:, 0] = betaln(al + x, be + n - x) - b_ab + betaln(ga, de + n) - b_gd
    die = betaln(al + xc, be + txc - xc + i) - b_ab + betaln(ga + 1.0, de + txc + i) - b_gd
    logs[:, 1:] = np.where(used, die, -np.inf)
    if not derivatives:
        return logs, None
    grads = np.zeros((4, len(x), width + 1))
    psi_ab, psi_gd = digamma(al + be), digamma(ga + de)
    psi_a, psi_b, psi_g, psi_d = digamma(al), digamma(be), digamma(ga), digamma(de)
    grads[0, :, 0] = digamma(al + x) - digamma(al + be + n) - psi_a + psi_ab
    grads[1, :, 0] = digamma(be + n - x) - digamma(al + be + n) - psi_b + psi_ab
    grads[2, :, 0] = psi_gd - digamma(ga + de + n)
    grads[3, :, 0] = digamma(de + n) - digamma(ga + de + n) - psi_d + psi_gd
    safe_i = np.where(used, i, 0.0)
    psi_abt = digamma(al + be + txc + safe_i)
    psi_gdt = digamma(ga + de + txc + safe_i + 1.0)
    grads[0, :, 1:] = digamma(al + xc) - psi_abt - psi_a + psi_ab
    grads[1, :, 1:] = digamma(be + txc - xc + safe_i) - psi_abt - psi_b + psi_ab
    grads[2, :, 1:] = digamma(ga + 1.0) - psi_gdt - psi_g + psi_gd
    grads[3, :, 1:] = digamma(de + txc + safe_i) - psi_gdt - psi_d + psi_gd
    return logs, grads


def _log_sum(logs: np.ndarray) -> np.ndarray:
    m = logs[:, 0]  # the first term is always present and finite
    m = np.maximum(m, logs.max(axis=1))
    return m + np.log(np.exp(logs - m[:, None]).sum(axis=1))


class BetaGeoBetaBinom(LifetimeModel):
    """BG/BB model (Fader, Hardie & Shang 2010, Marketing Science 29(6)).

    ``fit(data)`` takes the columns ``frequency``, ``recency``, ``periods`` and optionally
    ``weights``.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (per customer, lifetimes' convention); 0 = plain ML.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).

    Attributes
    ----------
    params_ : dict
        ``{"alpha", "beta", "gamma", "delta"}``: transaction probability ~ Beta(alpha, beta),
        drop-out probability ~ Beta(gamma, delta).
    log_likelihood_ : float
        Total log-likelihood (FHS 2010, the likelihood function of section 3).
    standard_errors_ : dict
        From the inverse of the numerical Hessian of the negative log-likelihood.
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _start = (1.0, 1.0, 1.0, 1.0)

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)

    def _read(self, data: object, name: str, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        owner = f"BetaGeoBetaBinom.{name}"
        cols = read_columns(data, ("frequency", "recency", "periods"), optional, owner=owner)
        x, tx, n = cols["frequency"], cols["recency"], cols["periods"]
        shown = {"frequency": x, "recency": tx, "periods": n}
        whole = (x == np.floor(x)) & (tx == np.floor(tx)) & (n == np.floor(n))
        refuse(owner, ~whole, "'frequency', 'recency' and 'periods' must be whole numbers",
               "They count transaction opportunities.", shown)
        refuse(owner, n < 1, "'periods' must be >= 1", "Periods counts the opportunities observed.", shown)
        refuse(owner, (x < 0) | (x > tx) | (tx > n),
               "0 <= frequency <= recency <= periods must hold",
               "Recency is the last opportunity with a transaction (0 when none).", shown)
        refuse(owner, (x == 0) & (tx != 0), "'recency' must be 0 where 'frequency' is 0",
               "Recency is 0 for a customer without transactions.", shown)
        if "weights" in cols:
            refuse(owner, cols["weights"] < 0, "'weights' must be >= 0",
                   "Weights count the customers with each pattern.", {"weights": cols["weights"]})
        if len(x) == 0:
            raise UsageError(f"{owner}: the data has no rows; there is nothing to fit.")
        return cols

    def fit(self, data: object) -> BetaGeoBetaBinom:
        """Estimate alpha, beta, gamma, delta by maximum likelihood; returns self.

        L(alpha, beta, gamma, delta | x, t_x, n) = B(alpha+x, beta+n-x)/B(alpha, beta)
        B(gamma, delta+n)/B(gamma, delta) + sum_{i=0}^{n-t_x-1} B(alpha+x, beta+t_x-x+i)/
        B(alpha, beta) B(gamma+1, delta+t_x+i)/B(gamma, delta), FHS 2010, the likelihood function of
        section 3.
        """
        cols = self._read(data, "fit", ("weights",))
        (x, tx, n), w = aggregate(
            cols["frequency"], cols["recency"], cols["periods"], weights=cols.get("weights")
        )
        if not w.sum() > 0:
            raise UsageError("BetaGeoBetaBinom.fit: the weights add up to 0; there is nothing to fit.")

        def loglik(params: np.ndarray) -> tuple[float, np.ndarray]:
            logs, grads = _terms(params, x, tx, n, True)
            ll = _log_sum(logs)
            share = np.exp(logs - ll[:, None])  # each term's share of the row's likelihood
            g = np.einsum("krc,rc,r->k", grads, share, w)
            return float(dot(w, ll)), g

        self._fit_params(loglik, float(w.sum()))
        return self

    def _params(self) -> np.ndarray:
        p = self._check_fitted()
        return np.array([p["alpha"], p["beta"], p["gamma"], p["delta"]])

    def score_samples(self, data: object) -> np.ndarray:
        """Each row's log-likelihood at the fitted parameters (FHS 2010, section 3), per customer
        (a row's ``weights`` are not applied)."""
        params = self._params()
        cols = self._read(data, "score_samples")
        return _log_sum(_terms(params, cols["frequency"], cols["recency"], cols["periods"], False)[0])

    def p_alive(self, data: object) -> np.ndarray:
        """P(alive at opportunity n+1 | x, t_x, n).

        B(alpha+x, beta+n-x)/B(alpha, beta) B(gamma, delta+n+1)/B(gamma, delta) / L, FHS 2010
        (section 4, P(alive); eq. (A10) of its appendix as lifetimes cites it).
        """
        params = self._params()
        al, be, ga, de = params
        cols = self._read(data, "p_alive")
        x, tx, n = cols["frequency"], cols["recency"], cols["periods"]
        ll = _log_sum(_terms(params, x, tx, n, False)[0])
        alive = betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + 1) - betaln(ga, de)
        return np.exp(alive - ll)

    @staticmethod
    def _k_diff(ga: float, de: float, n: np.ndarray, t: np.ndarray) -> np.ndarray:
        """[G(1+de+n)/G(ga+de+n) - G(1+de+n+t)/G(ga+de+n+t)] / (ga-1) / (G(1+de+n)/G(ga+de+n)).

        = expm1(K(n+t) - K(n)) / (1 - ga) with K(m) = log G(1+de+m) - log G(ga+de+m); at ga = 1
        the limit psi(1+de+n+t) - psi(1+de+n), so ga near 1 gives no 0/0.
        """
        delta_k = (gammaln(1 + de + n + t) - gammaln(ga + de + n + t)) - (
            gammaln(1 + de + n) - gammaln(ga + de + n)
        )
        if abs(1.0 - ga) < 1e-9:
            return digamma(1 + de + n + t) - digamma(1 + de + n)
        return np.expm1(delta_k) / (1.0 - ga)

    def expected_purchases(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[X(n, n+t) | x, t_x, n]: expected transactions in the next t opportunities.

        1/L * B(alpha+x+1, beta+n-x)/B(alpha, beta) * delta/(gamma-1) * G(gamma+delta)/
        G(1+delta) * [G(1+delta+n)/G(gamma+delta+n) - G(1+delta+n+t)/G(gamma+delta+n+t)],
        FHS 2010 eq. (13), in log space (and without 0/0 at gamma = 1).
        """
        params = self._params()
        al, be, ga, de = params
        cols = self._read(data, "expected_purchases")
        x, tx, n = cols["frequency"], cols["recency"], cols["periods"]
        t = _check_opportunities(t)
        ll = _log_sum(_terms(params, x, tx, n, False)[0])
        log_front = (betaln(al + x + 1, be + n - x) - betaln(al, be) + np.log(de)
                     + gammaln(ga + de) - gammaln(1 + de)
                     + gammaln(1 + de + n) - gammaln(ga + de + n) - ll)
        return np.exp(log_front) * self._k_diff(ga, de, n, t)

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """E[X(t)]: expected transactions of a new customer in the first t opportunities.

        alpha/(alpha+beta) * delta/(gamma-1) * [1 - G(gamma+delta) G(1+delta+t) /
        (G(gamma+delta+t) G(1+delta))], FHS 2010 (section 3, the mean of X(n)).
        """
        al, be, ga, de = self._params()
        t = _check_opportunities(t)
        return al / (al + be) * de * self._k_diff(ga, de, np.zeros_like(t), t)


def _check_opportunities(t: float | np.ndarray) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr != np.floor(arr)):
        raise UsageError(
            f"BetaGeoBetaBinom: 't' must be a whole number of opportunities >= 0. Got {t!r} instead."
        )
    return arr
