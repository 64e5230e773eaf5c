"""BG/NBD: the beta-geometric / negative binomial distribution model of repeat buying.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "'Counting Your Customers' the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284 (FHL 2005 below).

While active, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); after
each repeat purchase she becomes inactive with probability p ~ Beta(a, b). The data are, per
customer, x = ``frequency`` (repeat purchases), t_x = ``recency`` (age at the last one) and
``T`` (age at the end of the observation), all in one time unit.

The class here holds what BG/NBD shares with its modification MBG/NBD (``mbg_nbd.py``), which
lets a customer drop out also right after the first purchase: the two differ only by a shift
``k`` of the number of drop-out chances (BG/NBD k = 0: x chances; MBG/NBD k = 1: x + 1).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma, expit, gammaln

from saleskpi.errors import UsageError
from saleskpi.models._special import dot, expm1_ratio, pfq_series
from saleskpi.models.base import Encoded, LifetimeModel, check_rfm, read_columns

__all__ = ["BetaGeo"]


#: Beyond this many drop-out chances log B(a, b+n)/B(a, b) is taken from betaln (the sum below
#: would need that many terms per evaluation).
_SUM_TERMS = 1_000_000


def _log_beta_ratio(a: float, b: float, n: np.ndarray, derivatives: bool = False):
    """log B(a, b+n) / B(a, b) for whole numbers n >= 0, and optionally its derivatives in a, b.

    The ratio of beta functions in FHL 2005 eq. (6) (the probability of surviving n drop-out
    chances, integrated over p ~ Beta(a, b)) is the finite product
    prod_{j<n} (b+j)/(a+b+j), since B(a, b+n)/B(a, b) = G(b+n) G(a+b) / (G(b) G(a+b+n)).
    Summed as logs it keeps full precision where a and b are both large (the ridge of a small
    base where everyone has about the same drop-out probability, a and b of 10^4 to 10^13):
    there betaln(a, b+n) - betaln(a, b) is the difference of two numbers of size b log b and
    loses up to all of its digits, and so do the digamma differences of its derivatives
    d/da = -sum 1/(a+b+j), d/db = sum a/((b+j)(a+b+j)). Each log is log1p(-a/(a+b+j)) where
    that ratio is below 1/2, log(b+j) - log(a+b+j) otherwise.
    """
    n = np.asarray(n, dtype=float)
    n_max = int(n.max()) if n.size else 0
    if n_max > _SUM_TERMS:
        value = betaln(a, b + n) - betaln(a, b)
        if not derivatives:
            return value, None, None
        common = digamma(a + b) - digamma(a + b + n)
        return value, common, digamma(b + n) - digamma(b) + common
    j = np.arange(n_max, dtype=float)
    ab_j = a + b + j
    ratio = a / ab_j
    terms = np.where(ratio < 0.5, np.log1p(-np.minimum(ratio, 0.5)), np.log(b + j) - np.log(ab_j))
    idx = n.astype(np.int64)
    value = np.concatenate(([0.0], np.cumsum(terms)))[idx]
    if not derivatives:
        return value, None, None
    d_a = np.concatenate(([0.0], np.cumsum(-1.0 / ab_j)))[idx]
    d_b = np.concatenate(([0.0], np.cumsum(ratio / (b + j))))[idx]
    return value, d_a, d_b


class _BetaGeoFamily(LifetimeModel):
    """BG/NBD-type likelihood and predictions; ``_shift`` = extra drop-out chances (0 or 1)."""

    _param_names = ("r", "alpha", "a", "b")
    _start = (1.0, 1.0, 1.0, 1.0)
    _shift = 0

    # --- fit ---------------------------------------------------------------------------------

    def fit(self, data: object) -> _BetaGeoFamily:
        """Estimate r, alpha, a, b by maximum likelihood; returns self.

        ``data``: a pandas DataFrame, an Ibis table (executed with ``to_pyarrow()``), an Arrow
        table or a mapping with the columns ``frequency``, ``recency``, ``T`` and optionally
        ``weights`` (how many identical customers a row stands for). Identical rows are
        collapsed before the fit, which changes nothing but the speed.
        """
        owner = f"{type(self).__name__}.fit"
        cols = read_columns(data, ("frequency", "recency", "T"), ("weights",), owner=owner)
        check_rfm(owner, cols)
        enc = Encoded([cols["frequency"], cols["recency"], cols["T"]], cols.get("weights"))
        warm = [
            (self._make_loglik(enc, rows), float(enc.weights[rows].sum()))
            for rows in enc.warm_start_subsamples()
        ]
        self._fit_params(self._make_loglik(enc), float(enc.weights.sum()), warm)
        return self

    def _make_loglik(self, enc: Encoded, rows: np.ndarray | None = None):
        """Total log-likelihood and gradient, FHL 2005 eq. (6) (MBG/NBD: Batislam et al. 2007).

        L = B(a, b+x+k)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
            + [x+k > 0] B(a+1, b+x+k-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)),
        written as log L = A1 + A2 + log(1 + exp(D)) with
        D = log a - log(b+x+k-1) + (r+x) (log(alpha+T) - log(alpha+t_x)). Everything that
        depends on x alone, on T alone or on t_x alone is computed once per distinct value;
        only D and its softplus are computed per (distinct) customer row.
        """
        k = self._shift
        ix, it, i_big = enc.codes
        w = enc.weights
        if rows is not None:
            ix, it, i_big, w = ix[rows], it[rows], i_big[rows], w[rows]
        ux, ut, u_big = enc.values
        x = ux[ix]
        w_x = np.bincount(ix, weights=w, minlength=len(ux))
        w_t = np.bincount(i_big, weights=w, minlength=len(u_big))
        wx_t = np.bincount(i_big, weights=w * x, minlength=len(u_big))
        total_w = float(w.sum())
        # rows whose likelihood has the second term (all rows for MBG/NBD)
        act = (x + k) > 0
        a_ix, a_it, a_ibig, a_w, a_x = ix[act], it[act], i_big[act], w[act], x[act]
        has_x = ux + k > 0

        def loglik(params: np.ndarray) -> tuple[float, np.ndarray]:
            r, alpha, a, b = params
            # per distinct x
            rx = r + ux
            beta_x, common, d_beta_b = _log_beta_ratio(a, b, ux + k, derivatives=True)
            bxk1 = np.where(has_x, b + ux + k - 1.0, 1.0)
            c_x = np.log(a) - np.log(bxk1)
            inv_bxk1 = 1.0 / bxk1
            part_x = gammaln(rx) - gammaln(r) + r * np.log(alpha) + beta_x
            # per distinct T and t_x
            l_t = np.log(alpha + u_big)
            l_tx = np.log(alpha + ut)
            inv_t = 1.0 / (alpha + u_big)
            inv_tx = 1.0 / (alpha + ut)
            # per row with a second term: softplus(D) and its derivative, the logistic of D
            dl = np.take(l_t, a_ibig) - np.take(l_tx, a_it)
            d = np.take(c_x, a_ix) + (r + a_x) * dl
            soft = np.maximum(d, 0.0) + np.log1p(np.exp(-np.abs(d)))
            w3 = a_w * np.exp(d - soft)
            dinv = np.take(inv_t, a_ibig) - np.take(inv_tx, a_it)

            ll = dot(w_x, part_x) - dot(r * w_t + wx_t, l_t) + dot(a_w, soft)
            g_r = dot(w_x, digamma(rx) - digamma(r) + np.log(alpha)) - dot(w_t, l_t) + dot(w3, dl)
            g_alpha = (r / alpha * total_w - dot(r * w_t + wx_t, inv_t)
                       + dot(w3 * (r + a_x), dinv))
            g_a = dot(w_x, common) + w3.sum() / a
            g_b = dot(w_x, d_beta_b) - dot(w3, np.take(inv_bxk1, a_ix))
            return float(ll), np.array([g_r, g_alpha, g_a, g_b])

        return loglik

    # --- predictions ---------------------------------------------------------------------------

    def _rfm(self, data: object, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        owner = f"{type(self).__name__}.{name}"
        cols = read_columns(data, ("frequency", "recency", "T"), owner=owner)
        check_rfm(owner, cols)
        return cols["frequency"], cols["recency"], cols["T"]

    def _log_odds_dead(self, x: np.ndarray, tx: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        """D = log(P(dead-branch) / P(alive-branch)); -inf where there is no dead branch."""
        p = self.params_
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        k = self._shift
        has = (x + k) > 0
        denom = np.where(has, b + x + k - 1.0, 1.0)
        d = np.log(a) - np.log(denom) + (r + x) * (np.log(alpha + big_t) - np.log(alpha + tx))
        return np.where(has, d, -np.inf)

    def score_samples(self, data: object) -> np.ndarray:
        """Each customer's log-likelihood at the fitted parameters (FHL 2005 eq. (6); MBG/NBD:
        Batislam et al. 2007), as scikit-learn's ``score_samples``."""
        p = self._check_fitted()
        x, tx, big_t = self._rfm(data, "score_samples")
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        k = self._shift
        ux, ix = np.unique(x, return_inverse=True)
        beta_x = _log_beta_ratio(a, b, ux + k)[0][ix.reshape(x.shape)]
        base = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + beta_x - (r + x) * np.log(alpha + big_t))
        return base + np.logaddexp(0.0, self._log_odds_dead(x, tx, big_t))

    def p_alive(self, data: object) -> np.ndarray:
        """P(alive | x, t_x, T), the probability that each customer is still active at T.

        BG/NBD: 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)), Fader, Hardie & Lee
        (2008), "Computing P(alive) Using the BG/NBD Model", note 021 (brucehardie.com), which
        adds the [x > 0] to the expression of FHL 2005. MBG/NBD: 1 / (1 + a/(b+x)
        ((alpha+T)/(alpha+t_x))^(r+x)), Batislam, Denizel & Filiztekin (2007), Appendix A,
        eq. (5).
        """
        self._check_fitted()
        x, tx, big_t = self._rfm(data, "p_alive")
        return expit(-self._log_odds_dead(x, tx, big_t))

    def _expected_if_alive(self, x, big_t, t, b_shifted: float) -> np.ndarray:
        """(a+b'+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b'+x; a+b'+x-1; z)].

        z = t/(alpha+T+t). Euler's transformation (Abramowitz & Stegun 15.3.3) turns the bracket
        into 1 - (1-z)^(a-1) 2F1(a+b'-1-r, a-1; a+b'+x-1; z), whose series has small numerator
        parameters whatever x; writing that 2F1 as 1 + (a-1) S keeps a = 1 free of 0/0:
        bracket / (a-1) = (1 - (1-z)^(a-1))/(a-1) - (1-z)^(a-1) S.

        Where (a-1) z is large (a fit with a and b both huge, i.e. nearly the same drop-out
        probability for everyone) the terms of S grow like e^((a-1) z) before they fall and
        overflow, while (1-z)^(a-1) vanishes; there the bracket is summed in its original form,
        whose series has the ratio (r+x+n)(b'+x+n) / ((a+b'+x-1+n)(n+1)) z and no such growth.
        """
        p = self.params_
        r, alpha, a = p["r"], p["alpha"], p["a"]
        bp = b_shifted
        t = np.asarray(t, dtype=float)
        z = t / (alpha + big_t + t)
        log_1mz = np.log(alpha + big_t) - np.log(alpha + big_t + t)
        a1 = a + bp - 1.0 - r
        c = a + bp + x - 1.0
        # c S = c sum_{n>=1} (a1)_n (a)_(n-1) / ((c)_n n!) z^n = a1 z 3F2(a1+1, a, 1; c+1, 2; z)
        # (c + 1 > 0 always, while c itself may be 0 or negative when a + b' < 1)
        x, big_t, z, log_1mz, c = np.broadcast_arrays(x, big_t, z, log_1mz, c)
        shape = z.shape
        x, z, log_1mz, c = (np.ravel(v) for v in (x, z, log_1mz, c))
        out = np.empty(z.shape)
        direct = (a - 1.0) * z > 30.0
        euler = ~direct
        if euler.any():
            ze, ce = z[euler], c[euler]
            with np.errstate(over="ignore", invalid="ignore"):
                c_s = a1 * ze * pfq_series([a1 + 1.0, a, 1.0], [ce + 1.0, 2.0], ze)
                out[euler] = (ce * expm1_ratio(a - 1.0, log_1mz[euler])
                              - np.exp((a - 1.0) * log_1mz[euler]) * c_s)
            direct[euler] = ~np.isfinite(out[euler])
        if direct.any():
            xd, zd, cd = x[direct], z[direct], c[direct]
            series = pfq_series([r + xd, bp + xd], [cd], zd)
            out[direct] = cd / (a - 1.0) * -np.expm1((r + xd) * log_1mz[direct] + np.log(series))
        return out.reshape(shape)

    def expected_purchases(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: each customer's expected repeat purchases in the next t periods.

        BG/NBD: FHL 2005 eq. (10),
        (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1;
        t/(alpha+T+t))] / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
        MBG/NBD: the same with b+1 in place of b in the numerator and a/(b+x) in the
        denominator, Batislam et al. (2007) as corrected by Wagner & Hoppe (2008), "Erratum on
        the MBG/NBD Model", International Journal of Research in Marketing 25(3), 225-226.
        ``t`` is a scalar or an array broadcast against the customers.
        """
        self._check_fitted()
        x, tx, big_t = self._rfm(data, "expected_purchases")
        t = _check_t(t, type(self).__name__)
        num = self._expected_if_alive(x, big_t, t, self.params_["b"] + self._shift)
        return num * expit(-self._log_odds_dead(x, tx, big_t))

    def expected_purchases_if_alive(self, data: object, *, t: float | np.ndarray) -> np.ndarray:
        """E[Y(t) | alive at T, x, T]: the numerator of :meth:`expected_purchases` (FHL 2005 eq.
        (10)), which is this times :meth:`p_alive`, value for value. It depends on x and T
        only, so a caller can evaluate it once per distinct (x, T) pair; ``recency`` is checked,
        not used."""
        self._check_fitted()
        x, _, big_t = self._rfm(data, "expected_purchases_if_alive")
        t = _check_t(t, type(self).__name__)
        return self._expected_if_alive(x, big_t, t, self.params_["b"] + self._shift)

    def expected_purchases_new(self, t: float | np.ndarray) -> np.ndarray:
        """E[X(t)]: expected repeat purchases in (0, t] of a customer who has just bought first.

        BG/NBD: (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))], FHL 2005
        eq. (9). MBG/NBD: b/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b+1; a+b; t/(alpha+t))],
        Batislam et al. (2007) (the customer first survives the drop-out chance at time 0,
        probability b/(a+b)).
        """
        self._check_fitted()
        t = _check_t(t, type(self).__name__)
        zero = np.zeros_like(t)
        p = self.params_
        value = self._expected_if_alive(zero, zero, t, p["b"] + self._shift)
        if self._shift:
            value = value * p["b"] / (p["a"] + p["b"])
        return value


def _check_t(t: float | np.ndarray, owner: str) -> np.ndarray:
    arr = np.asarray(t, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise UsageError(f"{owner}: 't' must be a finite number of periods >= 0. Got {t!r} instead.")
    return arr


class BetaGeo(_BetaGeoFamily):
    """BG/NBD model (Fader, Hardie & Lee 2005, Marketing Science 24(2)).

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters, added to the mean negative log-likelihood per customer as
        ``penalizer * (r^2 + alpha^2 + a^2 + b^2)`` (lifetimes' convention). 0 = plain maximum
        likelihood.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``: purchase rates ~ Gamma(r, alpha) (rate alpha), drop-out
        probability ~ Beta(a, b).
    log_likelihood_ : float
        Total log-likelihood at the estimate, as the paper reports it (FHL 2005 eq. (6)).
    standard_errors_ : dict
        From the inverse of the numerical Hessian of the negative log-likelihood.

    Examples
    --------
    >>> model = BetaGeo().fit(summary)            # doctest: +SKIP
    >>> model.expected_purchases(summary, t=39)   # doctest: +SKIP
    """

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)
