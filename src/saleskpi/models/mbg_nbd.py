"""MBG/NBD: the modified BG/NBD model.

Batislam, E. P., Denizel, M. & Filiztekin, A. (2007), "Empirical validation and comparison of
models for customer base analysis", International Journal of Research in Marketing 24(3),
201-209; conditional expectation corrected in Wagner, U. & Hoppe, D. (2008), "Erratum on the
MBG/NBD Model", IJRM 25(3), 225-226.

As BG/NBD (``bg_nbd.py``), but a customer may also become inactive right after the first
purchase, so one with x repeat purchases has had x + 1 chances to drop out, and a customer
without repeat purchases may already be gone. Likelihood (Batislam et al. 2007, section 3):

    L = B(a, b+x+1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+T)^(r+x))
        + B(a+1, b+x)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+t_x)^(r+x)).
"""

from __future__ import annotations

from saleskpi.models.bg_nbd import _BetaGeoFamily

__all__ = ["ModifiedBetaGeo"]


class ModifiedBetaGeo(_BetaGeoFamily):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    Same interface as :class:`saleskpi.models.BetaGeo`: ``fit(data)`` with the columns
    ``frequency``, ``recency``, ``T`` (and optional ``weights``); ``params_`` =
    ``{"r", "alpha", "a", "b"}``; ``expected_purchases(data, *, t)``, ``p_alive(data)``,
    ``expected_purchases_new(t)``.

    Parameters
    ----------
    penalizer
        L2 penalty on the parameters (per customer, lifetimes' convention); 0 = plain ML.
    maxiter, tol
        Iteration limit and gradient tolerance of the optimizer (L-BFGS-B on log-parameters).
    """

    _shift = 1

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        super().__init__(penalizer=penalizer, maxiter=maxiter, tol=tol)
