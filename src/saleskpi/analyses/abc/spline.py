"""The cubic spline of R's ``spline(method="fmm")``, which computed ABC analysis interpolates
its curve with (Forsythe, Malcolm & Moler 1977, as in R's ``stats/src/splines.c``)."""

from __future__ import annotations

import numpy as np
from scipy.linalg import solve_banded

__all__ = ["fmm_coefficients", "fmm_eval"]


def fmm_coefficients(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cubic-spline coefficients with Forsythe–Malcolm–Moler end conditions (R ``fmm``).

    Forsythe, Malcolm & Moler (1977), *Computer Methods for Mathematical Computations*,
    §4.4, routine SPLINE, as in R's ``stats/src/splines.c`` (``fmm_spline``). On interval i,
    S(t) = y_i + b_i·dt + c_i·dt² + d_i·dt³ with dt = t − x_i. With h_i = x_{i+1} − x_i,
    Δ_i = (y_{i+1} − y_i)/h_i and σ_i = S''(x_i)/6 the system is

    * interior (i = 1..N−2): h_{i−1}σ_{i−1} + 2(h_{i−1} + h_i)σ_i + h_iσ_{i+1} = Δ_i − Δ_{i−1};
    * ends: the spline's third derivative on the first (last) interval equals that of the
      cubic through the first (last) four points, 6·f[x_0..x_3] (6·f[x_{N−4}..x_{N−1}]):
      −h_0σ_0 + h_0σ_1 = h_0²·f[x_0..x_3] and h_{N−2}σ_{N−2} − h_{N−2}σ_{N−1} =
      −h_{N−2}²·f[x_{N−4}..x_{N−1}]; with only 3 points the right sides are 0 (the
      parabola through them); with 2 points the spline is the line.

    (scipy's ``CubicSpline`` default, not-a-knot, is a different end condition.)
    """
    h = np.diff(x)
    delta = np.diff(y) / h
    n_pts = x.size
    if n_pts == 2:
        return delta.copy(), np.zeros(1), np.zeros(1)
    rhs = np.empty(n_pts)
    rhs[1:-1] = np.diff(delta)
    rhs[0] = rhs[-1] = 0.0
    if n_pts > 3:
        dd2 = np.diff(delta) / (x[2:] - x[:-2])  # second divided differences
        first = (dd2[1] - dd2[0]) / (x[3] - x[0])
        last = (dd2[-1] - dd2[-2]) / (x[-1] - x[-4])
        rhs[0] = h[0] ** 2 * first
        rhs[-1] = -(h[-1] ** 2) * last
    bands = np.zeros((3, n_pts))
    bands[0, 1:] = h  # super-diagonal
    bands[1, 0], bands[1, -1] = -h[0], -h[-1]
    bands[1, 1:-1] = 2.0 * (h[:-1] + h[1:])
    bands[2, :-1] = h  # sub-diagonal
    sigma = solve_banded((1, 1), bands, rhs)
    b = delta - h * (sigma[1:] + 2.0 * sigma[:-1])
    c = 3.0 * sigma[:-1]
    d = np.diff(sigma) / h
    return b, c, d


def fmm_eval(
    x: np.ndarray,
    y: np.ndarray,
    coef: tuple[np.ndarray, np.ndarray, np.ndarray],
    t: np.ndarray,
    *,
    deriv: int = 0,
) -> np.ndarray:
    """The spline (``deriv=0``) or its first derivative (``deriv=1``) at ``t`` in [x_0, x_-1].

    A point on a knot is evaluated on the interval to its left, as R's ``spline_eval`` does
    for increasing points.
    """
    b, c, d = coef
    i = np.clip(np.searchsorted(x, t, side="left") - 1, 0, b.size - 1)
    dt = t - x[i]
    if deriv == 0:
        return y[i] + dt * (b[i] + dt * (c[i] + dt * d[i]))
    return b[i] + dt * (2.0 * c[i] + dt * 3.0 * d[i])
