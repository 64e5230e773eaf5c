"""Gamma-Gamma model of the spend per transaction.

Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005), "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", Journal of Marketing Research 42(4), 415-430 (FHL 2005b below), and
Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", note 025 (brucehardie.com).

A customer's spends per transaction are Gamma(p, nu) with her own nu ~ Gamma(q, gamma); spend
is independent of the purchase process. The data are the mean spend z_bar = ``monetary_value``
over the x = ``frequency`` repeat purchases (the first purchase excluded, as in the paper).
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from saleskpi.errors import UsageError
from saleskpi.models._special import dot, log_gamma_ratio
from saleskpi.models.base import Encoded, LifetimeModel, read_columns, refuse

__all__ = ["GammaGamma"]


class GammaGamma(LifetimeModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005, J. Marketing Research 42(4)).

    ``fit(data)`` takes the columns ``frequency`` and ``monetary_value`` (and optional
    ``weights``). Rows with frequency 0 carry no spend information and are left out of the fit
    (the paper fits the repeat buyers only); the remaining rows need monetary_value > 0.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (per customer, lifetimes' convention); 0 = plain ML.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).

    Attributes
    ----------
    params_ : dict
        ``{"p", "q", "gamma"}``.
    log_likelihood_ : float
        Total log-likelihood of the mean spends (the density of z_bar, as the paper reports).
    standard_errors_ : dict
        From the inverse of the numerical Hessian of the negative log-likelihood.
    """

    _param_names = ("p", "q", "gamma")
    _start = (1.0, 1.0, 1.0)

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)

    def _read(self, data: object, name: str, optional: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
        owner = f"GammaGamma.{name}"
        cols = read_columns(data, ("frequency", "monetary_value"), optional, owner=owner)
        x, m = cols["frequency"], cols["monetary_value"]
        shown = {"frequency": x, "monetary_value": m}
        refuse(owner, (x < 0) | (x != np.floor(x)), "'frequency' must be a whole number >= 0",
               "Frequency counts repeat purchases.", shown)
        refuse(owner, (x > 0) & (m <= 0), "'monetary_value' must be > 0 where 'frequency' > 0",
               "Drop customers whose repeat purchases were all returns or free.", shown)
        return cols

    def fit(self, data: object) -> GammaGamma:
        """Estimate p, q, gamma by maximum likelihood; returns self.

        Log-likelihood of one repeat buyer, the density of her mean spend z_bar with nu
        integrated out (Fader & Hardie 2013, note 025, eq. (1a); FHL 2005b):
        log G(px+q) - log G(px) - log G(q) + q log gamma + px log x + (px-1) log z_bar
        - (px+q) log(gamma + x z_bar).

        It is evaluated as log G(px+q) - log G(px) - log G(q) + q log gamma - log z_bar
        - q log(gamma + x z_bar) - px log1p(gamma / (x z_bar)), the same sum with the terms that
        grow with p combined before they are added: when the spends hardly vary within a
        customer the likelihood rises toward p -> infinity, gamma -> 0 with p gamma fixed (each
        customer's spend constant, inverse-gamma across customers), and there px log x,
        (px-1) log z_bar and (px+q) log(gamma + x z_bar) are each of size 10^10 while their sum
        is of size 1, which the optimizer could no longer follow.
        """
        cols = self._read(data, "fit", ("weights",))
        keep = cols["frequency"] > 0
        if "weights" in cols:
            keep &= cols["weights"] > 0
        if not keep.any():
            raise UsageError(
                "GammaGamma.fit: no customer has a repeat purchase (frequency > 0); there is no "
                "spend to fit."
            )
        w_in = cols["weights"][keep] if "weights" in cols else None
        enc = Encoded([cols["frequency"][keep], cols["monetary_value"][keep]], w_in)
        # on large data, first a rough fit on evenly spread subsamples (LifetimeModel._fit_params)
        warm = [(self._make_loglik(enc, rows), float(enc.weights[rows].sum()))
                for rows in enc.warm_start_subsamples()]
        self._fit_params(self._make_loglik(enc), float(enc.weights.sum()), warm)
        return self

    @staticmethod
    def _make_loglik(enc: Encoded, rows: np.ndarray | None = None):
        """The log-likelihood of :meth:`fit` and its gradient on the distinct rows of ``enc``
        (``rows`` of them only, when given)."""
        x, zbar = enc.columns
        w = enc.weights
        if rows is not None:
            x, zbar, w = x[rows], zbar[rows], w[rows]
        log_z = np.log(zbar)
        xz = x * zbar
        log_xz = np.log(xz)
        total_w = float(w.sum())
        sum_log_z = float(dot(w, log_z))

        def loglik(params: np.ndarray) -> tuple[float, np.ndarray]:
            p, q, g = params
            px = p * x
            lg_ratio, dig_ratio, dig_pxq = log_gamma_ratio(px, q)
            l1p = np.log1p(g / xz)  # log(gamma + x z_bar) - log(x z_bar), kept when gamma is tiny
            l_gxz = log_xz + l1p
            ll = dot(w, lg_ratio - q * l_gxz - px * l1p) + total_w * (q * np.log(g) - gammaln(q)) - sum_log_z
            g_p = dot(w, x * (dig_ratio - l1p))
            g_q = dot(w, dig_pxq - l_gxz) + total_w * (np.log(g) - digamma(q))
            g_g = q / g * total_w - dot(w, (px + q) / (g + xz))
            return float(ll), np.array([g_p, g_q, g_g])

        return loglik

    def score_samples(self, data: object) -> np.ndarray:
        """Each customer's log-likelihood of her mean spend at the fitted parameters (the
        density in :meth:`fit`); 0 for a customer without repeat purchases (no information)."""
        params = self._check_fitted()
        p, q, g = params["p"], params["q"], params["gamma"]
        cols = self._read(data, "score_samples")
        x = cols["frequency"]
        rep = x > 0
        xs = np.where(rep, x, 1.0)
        zs = np.where(rep, cols["monetary_value"], 1.0)
        px = p * xs
        xz = xs * zs
        ll = (log_gamma_ratio(px, q)[0] - gammaln(q) + q * np.log(g) - np.log(zs) - q * np.log(g + xz)
              - px * np.log1p(g / xz))
        return np.where(rep, ll, 0.0)

    def expected_spend(self, data: object) -> np.ndarray:
        """E[Z | x, z_bar]: each customer's expected spend per transaction.

        (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * z_bar = p (gamma + x z_bar)/(px+q-1),
        FHL 2005b; note 025 eq. (5): a weighted mean of the population mean p gamma/(q-1) and the
        customer's own mean. A customer without repeat purchases gets the population mean.
        Needs q > 1 (otherwise the population mean spend is infinite: the result is inf).
        """
        params = self._check_fitted()
        p, q, g = params["p"], params["q"], params["gamma"]
        cols = self._read(data, "expected_spend")
        x = cols["frequency"]
        zbar = np.where(x > 0, cols["monetary_value"], 0.0)
        denom = p * x + q - 1.0
        return np.where(denom > 0, p * (g + x * zbar) / np.where(denom > 0, denom, 1.0), np.inf)

    def mean_spend(self) -> float:
        """Population mean spend per transaction, p gamma / (q - 1) (FHL 2005b, q > 1; else inf)."""
        params = self._check_fitted()
        q = params["q"]
        return params["p"] * params["gamma"] / (q - 1.0) if q > 1 else float("inf")
