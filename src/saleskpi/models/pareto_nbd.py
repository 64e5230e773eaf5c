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

Speed. Both series have coefficients that depend on x only ((r+x)_n/(r+s+x+1)_n or
(s+1)_n/(r+s+x+1)_n) and an argument that depends on t only, and summaries in whole days take
few distinct values of each (86 frequencies x 1,095 ages for 100,000 customers in the bench):
all series of the grid of distinct x and t are then summed at once as one matrix product
(:func:`saleskpi.models._special.hyp2f1_1bc_grid`), and the gradient is summed per distinct x
and per (x, t) pair rather than per row.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from saleskpi.models._special import GRID_MAX_Z, dot, expm1_ratio, hyp2f1_1bc, hyp2f1_1bc_grid
from saleskpi.models.base import Encoded, LifetimeModel, _factorize, check_rfm, read_columns
from saleskpi.models.bg_nbd import _check_t

__all__ = ["ParetoNBD"]


def _codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values (sorted) and each element's index among them."""
    return _factorize(values)


#: The grid of distinct frequencies x distinct ages is summed as a matrix product
#: (:func:`hyp2f1_1bc_grid`) when it has at most this many times as many cells as there are
#: distinct (x, t) pairs, and at most _GRID_CELLS cells; otherwise pair by pair.
_GRID_RATIO = 8
_GRID_CELLS = 2_000_000


class _Prepared:
    """The data of a fit or prediction, reduced to the distinct values each term needs.

    Rows (x, t_x, T) with weights w; ``ux`` the distinct frequencies and ``ut`` the distinct
    ages (t_x and T together); ``pair_x``/``pair_t`` index the distinct (x, t) pairs whose F(t)
    the likelihood needs, and ``i_tx``/``i_t`` each row's two pairs.
    """

    def __init__(self, x: np.ndarray, tx: np.ndarray, big_t: np.ndarray, w: np.ndarray) -> None:
        self.x, self.tx, self.big_t, self.w = x, tx, big_t, w
        n = len(x)
        self.ux, self.ix = _codes(x)
        self.ut, it = _codes(np.concatenate([tx, big_t]))
        key = np.concatenate([self.ix, self.ix]).astype(np.int64) * len(self.ut) + it
        pairs, inv = np.unique(key, return_inverse=True)
        self.pair_x, self.pair_t = pairs // len(self.ut), pairs % len(self.ut)
        self.i_tx, self.i_t = inv[:n], inv[n:]
        self.it_big_t = it[n:]
        self.w_x = np.bincount(self.ix, weights=w, minlength=len(self.ux))
        self.w_sum = float(w.sum())
        cells = len(self.ux) * len(self.ut)
        self.grid = cells <= min(_GRID_RATIO * len(pairs), _GRID_CELLS)


def _log_f(params, prep: _Prepared, derivatives: bool):
    """log F(t) of every distinct pair (x, t) (module docstring) and, optionally, its gradient
    (4 rows): on the grid of distinct x and t as matrix products where that is cheaper, else
    pair by pair; ages whose series would converge slowly (|argument| > GRID_MAX_Z) pair by pair."""
    r, alpha, s, beta = params
    ut = prep.ut
    at, bt = alpha + ut, beta + ut
    w = (alpha - beta) / at  # the argument of the direct form, per age
    v = (beta - alpha) / bt  # Pfaff's argument (A&S 15.3.4), used for w < -1/2
    direct_t = w >= -0.5
    z_t = np.where(direct_t, w, v)
    px, pt = prep.pair_x, prep.pair_t
    n_pairs = len(px)
    e = np.empty(n_pairs)
    de = np.empty((3, n_pairs)) if derivatives else None  # d log E / d(b, c, z), before the chain rule
    on_grid = np.zeros(n_pairs, dtype=bool)
    if prep.grid:
        ok_t = np.abs(z_t) <= GRID_MAX_Z
        for branch_t, b_x in ((direct_t, r + prep.ux), (~direct_t, np.full(len(prep.ux), s + 1.0))):
            sel_t = np.flatnonzero(branch_t & ok_t)
            if not sel_t.size:
                continue
            # the branch's series for every x at its ages: b = r+x (direct) or s+1 (Pfaff),
            # c = r+s+x+1 in both
            res = hyp2f1_1bc_grid(b_x, r + s + prep.ux + 1.0, z_t[sel_t], derivatives=derivatives)
            row_of_t = np.full(len(ut), -1)
            row_of_t[sel_t] = np.arange(sel_t.size)
            rows = row_of_t[pt]
            here = rows >= 0
            ri, ci = rows[here], px[here]
            e[here] = res[0][ri, ci]
            if derivatives:
                for j in range(3):
                    de[j, here] = res[j + 1][ri, ci] / e[here]
            on_grid |= here
    rest = np.flatnonzero(~on_grid)
    if rest.size:
        xr, tr = prep.ux[px[rest]], pt[rest]
        dr = direct_t[tr]
        b = np.where(dr, r + xr, s + 1.0)
        # 1 - z without cancellation: (beta+t)/(alpha+t) (direct) or (alpha+t)/(beta+t) (Pfaff)
        y_t = np.where(direct_t, bt / at, at / bt)
        res = hyp2f1_1bc(b, r + s + xr + 1.0, z_t[tr], derivatives=derivatives, one_minus_z=y_t[tr],
                         c_minus_b=np.where(dr, s + 1.0, r + xr))
        e[rest] = res[0]
        if derivatives:
            for j in range(3):
                de[j, rest] = res[j + 1] / res[0]
    x = prep.ux[px]
    atp, btp = at[pt], bt[pt]
    l_at, l_bt = np.log(at)[pt], np.log(bt)[pt]
    la_t, lb_t = np.log1p(ut / alpha)[pt], np.log1p(ut / beta)[pt]
    direct = direct_t[pt]
    # E = 2F1(1, r+x; r+s+x+1; w) (direct) or (alpha+t)/(beta+t) 2F1(1, s+1; r+s+x+1; v) (Pfaff)
    log_e = np.log(e) + np.where(direct, 0.0, l_at - l_bt)
    # log F + (r+x) log alpha + s log beta: the powers as (1 + t/alpha)^-(r+x) (1 + t/beta)^-s,
    # whose logarithms keep their digits when s and beta (or r and alpha) are huge together
    log_f = -(r + x) * la_t - s * lb_t + log_e
    if not derivatives:
        return log_f, None
    e_b, e_c, e_z = de
    grads = np.empty((4, n_pairs))
    # chain rule: direct b = r+x, c = r+s+x+1, z = (alpha-beta)/(alpha+t):
    #   dz/dalpha = (beta+t)/(alpha+t)^2, dz/dbeta = -1/(alpha+t);
    # Pfaff b = s+1, c = r+s+x+1, z = (beta-alpha)/(beta+t), with log((alpha+t)/(beta+t)) in front:
    #   dz/dalpha = -1/(beta+t), dz/dbeta = (alpha+t)/(beta+t)^2
    grads[0] = np.where(direct, e_b + e_c, e_c)
    grads[1] = np.where(direct, e_z * btp / atp**2, 1.0 / atp - e_z / btp)
    grads[2] = np.where(direct, e_c, e_b + e_c)
    grads[3] = np.where(direct, -e_z / atp, -1.0 / btp + e_z * atp / btp**2)
    tp = ut[pt]
    grads[0] += -la_t
    grads[1] += (r + x) * tp / (alpha * atp)
    grads[2] += -lb_t
    grads[3] += s * tp / (beta * btp)
    return log_f, grads


def _row_parts(params, prep: _Prepared, log_f: np.ndarray):
    """The terms of each row's likelihood, F&H (2005) eq. (18) in log space:

    L = C_x [P1 + s/(r+s+x) (F(t_x) - F(T))],  C_x = G(r+x) alpha^r beta^s / G(r),
    P1 = (alpha+T)^-(r+x) (beta+T)^-s  (alive at T),

    returned as log C_x (per distinct x), the shift m and e1, e2, e3 = P1, s/(r+s+x) F(t_x),
    s/(r+s+x) F(T) divided by e^m, and their combination ``total`` = e1 + e2 - e3. The factor
    alpha^(r+x) beta^s is moved from C_x into P1 and F (``log_f`` of :func:`_log_f` has it), so
    that s log beta - s log(beta+T) is taken as -s log1p(T/beta): on the ridge where s and beta
    grow together (1e7 and more) each of the two is about 1e9 and their difference would lose
    seven digits.
    """
    r, alpha, s, beta = params
    ux = prep.ux
    log_c_x = gammaln(r + ux) - gammaln(r) - ux * np.log(alpha)
    log_q_shift = (np.log(s) - np.log(r + s + ux))[prep.ix]  # log(s/(r+s+x))
    i_t = prep.it_big_t
    log_p1 = -(r + prep.x) * np.log1p(prep.ut / alpha)[i_t] - s * np.log1p(prep.ut / beta)[i_t]
    log_q_tx = log_q_shift + log_f[prep.i_tx]
    log_q_t = log_q_shift + log_f[prep.i_t]
    m = np.maximum(log_p1, log_q_tx)
    e1 = np.exp(log_p1 - m)
    e2 = np.exp(log_q_tx - m)
    e3 = np.exp(log_q_t - m)
    # e2 >= e3 in exact arithmetic (the integral is positive) and e3 <= e1, so the sum stays >= e1
    total = np.maximum(e1 + e2 - e3, e1)
    return log_c_x, m, e1, e2, e3, total


def _row_terms(params, prep: _Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Each row's log-likelihood (F&H 2005 eq. (18)) and P(alive) (eq. (36)-(37): P1 / (L / C_x))."""
    log_f, _ = _log_f(params, prep, False)
    log_c_x, m, e1, _, _, total = _row_parts(params, prep, log_f)
    return log_c_x[prep.ix] + m + np.log(total), e1 / total


def _if_alive(params, x: np.ndarray, big_t: np.ndarray, t: np.ndarray) -> np.ndarray:
    """E[Y(t) | alive at T, x, T] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)],
    F&H (2005) eq. (41) without its P(alive); the limit s = 1, a logarithm, is taken without 0/0."""
    r, alpha, s, beta = params
    log_q = np.log(beta + big_t) - np.log(beta + big_t + t)
    return (r + x) * (beta + big_t) / (alpha + big_t) * expm1_ratio(s - 1.0, log_q)


def _total(params, prep: _Prepared) -> tuple[float, np.ndarray]:
    """The weighted total log-likelihood sum_i w_i log L_i (F&H 2005 eq. (18)) and its gradient
    in (r, alpha, s, beta).

    d log L = d log C_x + (e1 d log P1 + e2 d log(s/(r+s+x) F(t_x)) - e3 d log(s/(r+s+x) F(T))) /
    total. Terms that depend on x only or on one (x, t) pair only are summed per distinct x or
    pair first (their row weights added up with bincount), so that per row only the weights
    u_k = w e_k / total are computed.
    """
    r, alpha, s, beta = params
    log_f, g_f = _log_f(params, prep, True)
    log_c_x, m, e1, e2, e3, total = _row_parts(params, prep, log_f)
    w = prep.w
    ll = float(dot(w, log_c_x[prep.ix] + m + np.log(total)))
    u1, u2, u3 = w * e1 / total, w * e2 / total, w * e3 / total
    ux, nx = prep.ux, len(prep.ux)
    w_x = prep.w_x  # total weight per distinct x
    q_x = np.bincount(prep.ix, weights=u2 - u3, minlength=nx)  # weight of d log(s/(r+s+x))
    inv_a = 1.0 / (r + s + ux)
    grad = np.empty(4)
    # d log C_x (without alpha^(r+x) beta^s, see _row_parts): (digamma(r+x) - digamma(r), -x/alpha, 0, 0)
    grad[0] = dot(w_x, digamma(r + ux) - digamma(r)) - dot(q_x, inv_a)
    grad[1] = -dot(w_x, ux) / alpha
    grad[2] = dot(q_x, 1.0 / s - inv_a)
    grad[3] = 0.0
    # d log P1, P1 = (1+T/alpha)^-(r+x) (1+T/beta)^-s:
    # (-log1p(T/alpha), (r+x) T/(alpha (alpha+T)), -log1p(T/beta), s T/(beta (beta+T)))
    u1_t = np.bincount(prep.it_big_t, weights=u1, minlength=len(prep.ut))
    ut = prep.ut
    at, bt = alpha + ut, beta + ut
    grad[0] -= dot(u1_t, np.log1p(ut / alpha))
    grad[1] += dot(u1, (r + prep.x) * (ut / (alpha * at))[prep.it_big_t])
    grad[2] -= dot(u1_t, np.log1p(ut / beta))
    grad[3] += s * dot(u1_t, ut / (beta * bt))
    # d log F per pair, weighted by u2 at t_x and -u3 at T
    n_pairs = g_f.shape[1]
    u_pair = (np.bincount(prep.i_tx, weights=u2, minlength=n_pairs)
              - np.bincount(prep.i_t, weights=u3, minlength=n_pairs))
    grad += dot(g_f, u_pair)
    return ll, grad


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
                return _total(params, prep)

            return loglik

        full = _Prepared(x, tx, big_t, w)
        # A rough fit on a subsample first saves full evaluations when their cost grows with the
        # rows; on the grid of distinct (x, t) a subsample costs about as much as all the data.
        subsamples = [] if full.grid else enc.warm_start_subsamples()
        warm = [(make_loglik(rows), float(w[rows].sum())) for rows in subsamples]
        self._fit_params(lambda params: _total(params, full), float(w.sum()), warm)
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
        return _row_terms(params, self._prepared(data, "score_samples"))[0]

    def p_alive(self, data: object) -> np.ndarray:
        """P(alive | x, t_x, T) = 1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0).

        F&H (2005) eq. (36)-(37) (section 5.1); computed from the terms of the likelihood in
        log space.
        """
        params = self._params()
        return _row_terms(params, self._prepared(data, "p_alive"))[1]

    def expected_purchases(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: each customer's expected purchases in the next t periods.

        (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive), F&H
        (2005) eq. (41); the limit s = 1, a logarithm, is taken without 0/0.
        """
        params = self._params()
        prep = self._prepared(data, "expected_purchases")
        t = _check_t(t, "ParetoNBD")
        return _if_alive(params, prep.x, prep.big_t, t) * _row_terms(params, prep)[1]

    def expected_purchases_if_alive(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[Y(t) | alive at T, x, T] (:func:`_if_alive`): :meth:`expected_purchases` is this times
        :meth:`p_alive`, value for value. It depends on x and T only, so a caller can evaluate it
        once per distinct (x, T) pair; ``recency`` is checked, not used."""
        params = self._params()
        prep = self._prepared(data, "expected_purchases_if_alive")
        return _if_alive(params, prep.x, prep.big_t, _check_t(t, "ParetoNBD"))

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)], F&H (2005) eq. (27)."""
        r, alpha, s, beta = self._params()
        t = _check_t(t, "ParetoNBD")
        return r * beta / alpha * expm1_ratio(s - 1.0, np.log(beta) - np.log(beta + t))
