"""Pareto/NBD: Poisson purchases with exponential lifetimes.

Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987), "Counting Your Customers: Who Are They
and What Will They Do Next?", Management Science 33(1), 1-24; the likelihood and the
expressions used here are those of Fader, P. S. & Hardie, B. G. S. (2005), "A Note on Deriving
the Pareto/NBD Model and Related Expressions", note 009 (brucehardie.com), F&H (2005) below;
the published CDNOW fit is in Fader, Hardie & Lee (2005), Marketing Science 24(2).

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); her
lifetime is exponential with rate mu ~ Gamma(s, beta). Data per customer: x = ``frequency``,
t_x = ``recency``, ``T``.

Numerics. F&H (2005) eq. (18)-(20) write the likelihood as

    L = G(r+x) alpha^r beta^s / G(r) * [ 1/((alpha+T)^(r+x) (beta+T)^s) + s/(r+s+x) A0 ],
    A0 = F(t_x) - F(T),  F(t) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x)

(for alpha >= beta; eq. (20) swaps the roles for alpha < beta). s/(r+s+x) A0 is the integral
s * int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau (death between the last purchase and
T). With Euler's transformation (Abramowitz & Stegun 15.3.3) the same F is

    F(t) = (alpha+t)^-(r+x) (beta+t)^-s E(t),  E(t) = 2F1(1, r+x; r+s+x+1; w),  w = (alpha-beta)/(alpha+t),

whose series has the ratio (r+x+n)/(r+s+x+1+n) w, smaller than |w|, whatever the frequency:
no huge intermediate terms (the form of eq. (20) has 2F1(..., r+x; ...) and overflows for
x in the thousands). For w < -1/2 (beta much larger than alpha) Pfaff's transformation (A&S
15.3.4) gives E = (alpha+t)/(beta+t) * 2F1(1, s+1; r+s+x+1; (beta-alpha)/(beta+t)) with a
positive argument below 1. Everything is then summed in log space, and the gradient follows
term by term from the same series.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from saleskpi.models._special import dot, expm1_ratio, hyp2f1_1bc
from saleskpi.models.base import Encoded, LifetimeModel, check_rfm, read_columns
from saleskpi.models.bg_nbd import _check_t

__all__ = ["ParetoNBD"]


def _unique_pairs(x: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (x, t) pairs and, for every input pair, the index of its distinct pair."""
    order = np.lexsort((t, x))
    xs, ts = x[order], t[order]
    change = np.ones(len(x), dtype=bool)
    change[1:] = (xs[1:] != xs[:-1]) | (ts[1:] != ts[:-1])
    group = np.cumsum(change) - 1
    inverse = np.empty(len(x), dtype=np.intp)
    inverse[order] = group
    return xs[change], ts[change], inverse


def _log_f(params, x, t, derivatives):
    """log F(t) for pairs (x, t) (module docstring) and, optionally, its gradient (4 rows)."""
    r, alpha, s, beta = params
    at = alpha + t
    bt = beta + t
    w = (alpha - beta) / at
    direct = w >= -0.5
    log_e = np.empty(len(x))
    grads = np.empty((4, len(x))) if derivatives else None
    if direct.any():
        xd, atd, btd = x[direct], at[direct], bt[direct]
        res = hyp2f1_1bc(r + xd, r + s + xd + 1.0, w[direct], derivatives=derivatives)
        e = res[0]
        log_e[direct] = np.log(e)
        if derivatives:
            e_b, e_c, e_z = (v / e for v in res[1:])
            grads[0, direct] = e_b + e_c
            grads[1, direct] = e_z * btd / atd**2
            grads[2, direct] = e_c
            grads[3, direct] = -e_z / atd
    pf = ~direct
    if pf.any():
        xp, atp, btp = x[pf], at[pf], bt[pf]
        v = (beta - alpha) / btp
        res = hyp2f1_1bc(s + 1.0, r + s + xp + 1.0, v, derivatives=derivatives)
        p = res[0]
        log_e[pf] = np.log(atp) - np.log(btp) + np.log(p)
        if derivatives:
            p_b, p_c, p_z = (u / p for u in res[1:])
            grads[0, pf] = p_c
            grads[1, pf] = 1.0 / atp - p_z / btp
            grads[2, pf] = p_b + p_c
            grads[3, pf] = -1.0 / btp + p_z * atp / btp**2
    l_at, l_bt = np.log(at), np.log(bt)
    log_f = -(r + x) * l_at - s * l_bt + log_e
    if derivatives:
        grads[0] += -l_at
        grads[1] += -(r + x) / at
        grads[2] += -l_bt
        grads[3] += -s / bt
    return log_f, grads


class _Prepared:
    """The data of a fit or prediction, reduced to the distinct values each term needs."""

    def __init__(self, x: np.ndarray, tx: np.ndarray, big_t: np.ndarray, w: np.ndarray) -> None:
        self.x, self.tx, self.big_t, self.w = x, tx, big_t, w
        self.ux, self.ix = np.unique(x, return_inverse=True)
        px, pt, inv = _unique_pairs(np.concatenate([x, x]), np.concatenate([tx, big_t]))
        self.pair_x, self.pair_t = px, pt
        n = len(x)
        self.i_tx, self.i_t = inv[:n], inv[n:]


def _row_terms(params, prep: _Prepared, derivatives: bool):
    """Per-row log-likelihood, P(alive) and (optionally) the per-row gradient (4 x n)."""
    r, alpha, s, beta = params
    x, big_t = prep.x, prep.big_t
    log_f, g_f = _log_f(params, prep.pair_x, prep.pair_t, derivatives)
    a_ux = r + s + prep.ux
    log_c_x = gammaln(r + prep.ux) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    log_q_shift_x = np.log(s) - np.log(a_ux)  # log(s/(r+s+x))
    log_q_shift = log_q_shift_x[prep.ix]
    l_at, l_bt = np.log(alpha + big_t), np.log(beta + big_t)
    log_p1 = -(r + x) * l_at - s * l_bt
    log_q_tx = log_q_shift + log_f[prep.i_tx]
    log_q_t = log_q_shift + log_f[prep.i_t]
    m = np.maximum(log_p1, log_q_tx)
    e1 = np.exp(log_p1 - m)
    e2 = np.exp(log_q_tx - m)
    e3 = np.exp(log_q_t - m)
    # e2 >= e3 in exact arithmetic (the integral is positive) and e3 <= e1, so the sum stays >= e1
    total = np.maximum(e1 + e2 - e3, e1)
    ll = log_c_x[prep.ix] + m + np.log(total)
    p_alive = e1 / total
    if not derivatives:
        return ll, p_alive, None
    u1, u2, u3 = p_alive, e2 / total, e3 / total
    inv_a = (1.0 / a_ux)[prep.ix]
    grad = np.empty((4, len(x)))
    d_q_r = -inv_a
    d_q_s = 1.0 / s - inv_a
    # d log C
    g_c_r = (digamma(r + prep.ux) - digamma(r) + np.log(alpha))[prep.ix]
    grad[0] = g_c_r + u1 * (-l_at) + u2 * (d_q_r + g_f[0, prep.i_tx]) - u3 * (d_q_r + g_f[0, prep.i_t])
    grad[1] = (r / alpha + u1 * (-(r + x) / (alpha + big_t))
               + u2 * g_f[1, prep.i_tx] - u3 * g_f[1, prep.i_t])
    grad[2] = np.log(beta) + u1 * (-l_bt) + u2 * (d_q_s + g_f[2, prep.i_tx]) - u3 * (d_q_s + g_f[2, prep.i_t])
    grad[3] = (s / beta + u1 * (-s / (beta + big_t))
               + u2 * g_f[3, prep.i_tx] - u3 * g_f[3, prep.i_t])
    return ll, p_alive, grad


class ParetoNBD(LifetimeModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 note).

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (per customer, lifetimes' convention); 0 = plain ML.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "s", "beta"}``: purchase rates ~ Gamma(r, alpha), drop-out rates ~
        Gamma(s, beta) (both with rate parameters).
    log_likelihood_ : float
        Total log-likelihood at the estimate (F&H 2005 eq. (18)).
    standard_errors_ : dict
        From the inverse of the numerical Hessian of the negative log-likelihood.
    """

    _param_names = ("r", "alpha", "s", "beta")
    _start = (1.0, 1.0, 1.0, 1.0)

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)

    def fit(self, data: object) -> ParetoNBD:
        """Estimate r, alpha, s, beta by maximum likelihood (F&H 2005 eq. (18)); returns self.

        ``data``: a pandas DataFrame, an Ibis table (executed with ``to_pyarrow()``), an Arrow
        table or a mapping with the columns ``frequency``, ``recency``, ``T`` and optionally
        ``weights`` (how many identical customers a row stands for). Identical rows are
        collapsed before the fit.
        """
        owner = "ParetoNBD.fit"
        cols = read_columns(data, ("frequency", "recency", "T"), ("weights",), owner=owner)
        check_rfm(owner, cols)
        enc = Encoded([cols["frequency"], cols["recency"], cols["T"]], cols.get("weights"))
        (x, tx, big_t), w = enc.columns, enc.weights

        def make_loglik(rows: np.ndarray | slice):
            prep = _Prepared(x[rows], tx[rows], big_t[rows], w[rows])

            def loglik(params: np.ndarray) -> tuple[float, np.ndarray]:
                ll, _, grad = _row_terms(params, prep, True)
                return float(dot(prep.w, ll)), dot(grad, prep.w)

            return loglik

        warm = [(make_loglik(rows), float(w[rows].sum())) for rows in enc.warm_start_subsamples()]
        self._fit_params(make_loglik(slice(None)), float(w.sum()), warm)
        return self

    def _prepared(self, data: object, name: str) -> _Prepared:
        owner = f"ParetoNBD.{name}"
        cols = read_columns(data, ("frequency", "recency", "T"), owner=owner)
        check_rfm(owner, cols)
        x = cols["frequency"]
        return _Prepared(x, cols["recency"], cols["T"], np.ones(len(x)))

    def _params(self) -> np.ndarray:
        p = self._check_fitted()
        return np.array([p["r"], p["alpha"], p["s"], p["beta"]])

    def score_samples(self, data: object) -> np.ndarray:
        """Each customer's log-likelihood at the fitted parameters (F&H 2005 eq. (18))."""
        params = self._params()
        return _row_terms(params, self._prepared(data, "score_samples"), False)[0]

    def p_alive(self, data: object) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).

        F&H (2005) eq. (36)-(37) (section 5.1); computed from the terms of the likelihood in
        log space.
        """
        params = self._params()
        return _row_terms(params, self._prepared(data, "p_alive"), False)[1]

    def expected_purchases(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: each customer's expected purchases in the next t periods.

        (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive), F&H
        (2005) eq. (41); the limit s = 1, a logarithm, is taken without 0/0.
        """
        params = self._params()
        r, alpha, s, beta = params
        prep = self._prepared(data, "expected_purchases")
        t = _check_t(t, "ParetoNBD")
        p_alive = _row_terms(params, prep, False)[1]
        x, big_t = prep.x, prep.big_t
        log_q = np.log(beta + big_t) - np.log(beta + big_t + t)
        return (r + x) * (beta + big_t) / (alpha + big_t) * expm1_ratio(s - 1.0, log_q) * p_alive

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)], F&H (2005) eq. (27)."""
        r, alpha, s, beta = self._params()
        t = _check_t(t, "ParetoNBD")
        return r * beta / alpha * expm1_ratio(s - 1.0, np.log(beta) - np.log(beta + t))
