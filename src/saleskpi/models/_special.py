"""Special functions the models need, vectorised and safe from overflow.

scipy.special.hyp2f1 overflows or loses precision in the corners the customer models reach
(large frequency, parameters far apart), and gives no derivatives. The hypergeometric
functions here are summed as power series in a form chosen so that every series converges at
least geometrically, with the terms of all rows advanced together and a row dropped as soon as
its sum has converged; within 1e-3 of z = 1, where such series need millions of terms, by
forms that converge fast there (see :func:`_near_one`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numpy.polynomial.laguerre import laggauss
from scipy.special import digamma, gammaln, gammasgn, hyp2f1

__all__ = ["dot", "expm1_ratio", "hyp2f1_1bc", "hyp2f1_1bc_grid", "log_gamma_ratio", "pfq_series"]

#: A row stops when its next terms cannot change the sum by more than this, relatively.
_RTOL = 1e-16

#: Terms advanced for all rows together; rows still open then go on in blocks of terms.
_ROW_TERMS = 64
_BLOCK_TERMS = 4096
_BLOCK_ROWS = 256

#: Beyond this z the series needs tens of thousands of terms and more.
_NEAR_ONE = 1.0 - 1e-3

#: Series that converge this slowly belong to parameters far outside any fit (alpha and beta
#: about 10^6 apart); they are cut off here, with the geometric estimate of the rest added.
_MAX_TERMS = 2_000_000


def dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for a vector b, without BLAS, summed pairwise.

    OpenBLAS runs dot products of long vectors on several threads; on a machine whose cores are
    busy, its threads wait on each other and a 1 ms product takes 30 ms. numpy's own pairwise
    sum stays on one thread and keeps the rounding error of a million terms near 1e-16, which
    the optimizer's stopping rule relies on.
    """
    return (a * b).sum(axis=-1)


#: From this z on, log G(z+q) - log G(z) is taken from Stirling's series (its first omitted
#: terms are below 1e-16 there); below it, gammaln's difference loses at most about 1e-13.
_STIRLING_Z = 100.0


def log_gamma_ratio(z: np.ndarray, q: np.ndarray | float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log G(z+q) - log G(z), its derivative in z, digamma(z+q) - digamma(z), and digamma(z+q)
    itself (which a caller's derivative in q needs; it is computed here once), for z, q > 0.

    For large z each difference is of two numbers of size z log z (or log z) and loses most of
    its digits (at z = 10^10, gammaln's difference is off by about 1e-5). There the
    differences of Stirling's series (Abramowitz & Stegun 6.1.41, 6.3.18) are taken term by
    term: log G(z+q) - log G(z) = q log z + (z+q-1/2) log1p(q/z) - q + sum_k B_2k/(2k(2k-1))
    ((z+q)^(1-2k) - z^(1-2k)), and digamma(z+q) - digamma(z) = log1p(q/z) - (1/(z+q) - 1/z)/2
    - sum_k B_2k/(2k) ((z+q)^(-2k) - z^(-2k)).
    """
    z, q = np.broadcast_arrays(np.asarray(z, dtype=float), np.asarray(q, dtype=float))
    big = z >= _STIRLING_Z
    if not big.any():
        dig_zq = digamma(z + q)
        return gammaln(z + q) - gammaln(z), dig_zq - digamma(z), dig_zq
    value = np.empty(z.shape)
    deriv = np.empty(z.shape)
    dig_zq = np.empty(z.shape)
    small = ~big
    if small.any():
        zs, qs = z[small], q[small]
        value[small] = gammaln(zs + qs) - gammaln(zs)
        dig_zq[small] = digamma(zs + qs)
        deriv[small] = dig_zq[small] - digamma(zs)
    zb, qb = z[big], q[big]
    zq = zb + qb
    l1p = np.log1p(qb / zb)
    # (z+q)^-k - z^-k: the first exactly as -q / (z (z+q)); the others are below 1e-4 and their
    # plain difference loses nothing that matters
    inv_zq, inv_z = 1.0 / zq, 1.0 / zb
    d1 = -qb * inv_z * inv_zq
    inv_zq2, inv_z2 = inv_zq * inv_zq, inv_z * inv_z
    d2 = inv_zq2 - inv_z2
    d3 = inv_zq2 * inv_zq - inv_z2 * inv_z
    d4 = inv_zq2 * inv_zq2 - inv_z2 * inv_z2
    d5 = inv_zq2 * inv_zq2 * inv_zq - inv_z2 * inv_z2 * inv_z
    d6 = inv_zq2 * inv_zq2 * inv_zq2 - inv_z2 * inv_z2 * inv_z2
    value[big] = qb * np.log(zb) + (zq - 0.5) * l1p - qb + d1 / 12.0 - d3 / 360.0 + d5 / 1260.0
    deriv[big] = l1p - 0.5 * d1 - d2 / 12.0 + d4 / 120.0 - d6 / 252.0
    dig_zq[big] = digamma(zq)
    return value, deriv, dig_zq


def expm1_ratio(k: np.ndarray | float, log_q: np.ndarray | float) -> np.ndarray:
    """(1 - q**k) / k = -expm1(k * log q) / k, with its limit -log q at k = 0, without 0/0."""
    k = np.asarray(k, dtype=float)
    log_q = np.asarray(log_q, dtype=float)
    kl = k * log_q
    small = np.abs(kl) < 1e-8
    safe_k = np.where(small, 1.0, k)
    # second-order series near k = 0: -log q * (1 + k log q / 2)
    return np.where(small, -log_q * (1.0 + 0.5 * kl), -np.expm1(kl) / safe_k)


def hyp2f1_1bc(
    b: np.ndarray, c: np.ndarray, z: np.ndarray, *, derivatives: bool = False,
    one_minus_z: np.ndarray | None = None, c_minus_b: np.ndarray | None = None,
) -> tuple[np.ndarray, ...]:
    """Gauss's 2F1(1, b; c; z) = sum_n (b)_n / (c)_n z**n, for c > b > 0 and -1 < z < 1.

    Returns the value, and with ``derivatives=True`` also its partial derivatives with respect to
    b, c and z (summed term by term from the same series). Every term's ratio to the one before
    is (b + n)/(c + n) z, smaller than |z| in size, so the series converges geometrically and the
    rest after a term t is at most |t| |z| / (1 - |z|); the caller keeps |z| small by choosing
    the transformation (Abramowitz & Stegun 15.3.4, 15.3.5).

    The first terms are advanced for all rows at once; the few rows whose z is close to 1 (they
    need thousands of terms) then continue in blocks of terms at a time. Rows with z within 1e-3
    of 1 (tens of thousands of terms and more: alpha and beta of the Pareto/NBD far apart, as on
    its small-data ridge where s and beta grow together) are evaluated by :func:`_near_one`
    (A&S 15.3.6, Euler's integral by Gauss-Laguerre quadrature, Gauss's continued fraction).
    There 1 - z and c - b lose their digits when formed from z, b and c (z = 1 - 1e-12, b = 1e11):
    callers that can form them directly pass ``one_minus_z`` and ``c_minus_b``.
    """
    y = 1.0 - np.asarray(z, dtype=float) if one_minus_z is None else one_minus_z
    cmb = np.asarray(c, dtype=float) - b if c_minus_b is None else c_minus_b
    b, c, z, y, cmb = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(b, c, z, y, cmb))
    shape = b.shape
    b, c, z, y, cmb = b.ravel(), c.ravel(), z.ravel(), y.ravel(), cmb.ravel()
    size = b.size
    total = np.ones(size)
    d_b = np.zeros(size)
    d_c = np.zeros(size)
    d_z = np.zeros(size)
    idx = np.arange(size)
    near_one = z > _NEAR_ONE
    if near_one.any():
        # millions of terms: forms that converge fast near z = 1
        done = _near_one(b, c, z, y, cmb - 1.0, np.flatnonzero(near_one), total, d_b, d_c, d_z, derivatives)
        idx = np.setdiff1d(idx, done, assume_unique=True)
    term = np.ones(idx.size)
    h_b = np.zeros(idx.size)
    h_c = np.zeros(idx.size)
    bb, cc, zz = b[idx], c[idx], z[idx]
    tf = np.abs(zz) / np.maximum(1.0 - np.abs(zz), 1e-300)
    n = 0
    while idx.size and n < _ROW_TERMS:
        bn = bb + n
        cn = cc + n
        ratio = bn / cn
        prev = term
        term = prev * ratio * zz
        total[idx] += term
        if derivatives:
            h_b = h_b + 1.0 / bn
            h_c = h_c + 1.0 / cn
            d_b[idx] += term * h_b
            d_c[idx] -= term * h_c
            d_z[idx] += (n + 1) * prev * ratio
        n += 1
        if n % 4:
            continue
        # stop once the (geometrically bounded) rest cannot move the sum; the derivatives'
        # terms carry an extra factor n, so allow them a few more terms
        open_ = np.abs(term) * tf * (n + 1) > _RTOL * np.abs(total[idx])
        if not open_.all():
            idx = idx[open_]
            term, bb, cc, zz, tf = term[open_], bb[open_], cc[open_], zz[open_], tf[open_]
            h_b, h_c = h_b[open_], h_c[open_]
    for lo in range(0, idx.size, _BLOCK_ROWS):
        sl = slice(lo, lo + _BLOCK_ROWS)
        _continue_in_blocks(
            idx[sl], term[sl], h_b[sl], h_c[sl], bb[sl], cc[sl], zz[sl], tf[sl], n,
            total, d_b, d_c, d_z, derivatives,
        )
    out = (total.reshape(shape),)
    if derivatives:
        out += (d_b.reshape(shape), d_c.reshape(shape), d_z.reshape(shape))
    return out


#: The largest |z| that :func:`hyp2f1_1bc_grid` takes: 0.95 needs about 900 terms.
GRID_MAX_Z = 0.95


def _terms_needed(az: np.ndarray) -> np.ndarray:
    """Terms after which the rest of a series with term ratios at most ``az`` in size is below
    _RTOL of its first term, with room for the factor n of the derivatives' terms:
    N az**N / (1 - az) < _RTOL (solved for N with one fixed-point step, then rounded up to 8)."""
    az = np.clip(az, 1e-300, GRID_MAX_Z)
    log_az = np.log(az)
    n = np.log(_RTOL * (1.0 - az)) / log_az
    n = (np.log(_RTOL * (1.0 - az)) - np.log(np.maximum(n, 1.0))) / log_az
    return (8 * np.ceil(np.maximum(n, 8.0) / 8.0)).astype(np.int64)


def hyp2f1_1bc_grid(
    b: np.ndarray, c: np.ndarray, z: np.ndarray, *, derivatives: bool = False
) -> tuple[np.ndarray, ...]:
    """2F1(1, b_j; c_j; z_i) on the whole grid of rows i and columns j, as matrix products.

    The same series as :func:`hyp2f1_1bc`, sum_n a_jn z_i**n with a_jn = (b_j)_n / (c_j)_n,
    for c_j > b_j > 0 and |z_i| <= GRID_MAX_Z; returns (len(z), len(b)) arrays: the value and,
    with ``derivatives=True``, the partial derivatives in b, c and z,

        d/db = sum_n a_n H_n(b) z**n,  d/dc = -sum_n a_n H_n(c) z**n,  d/dz = sum_n n a_n z**(n-1),

    with H_n(b) = sum_{k<n} 1/(b+k) (the derivative of log (b)_n). Coefficients depend on the
    column only and the powers of z on the row only, so one matrix product [z_i**n] @ [a_jn ...]
    sums every series of the grid at once: much cheaper than the row-wise series when the
    data take few distinct values of b, c (frequencies) and of z (ages). Rows are cut into bands
    of |z| that each stop at the number of terms their largest |z| needs (|ratio| <= |z|, the
    rest bounded geometrically as in :func:`hyp2f1_1bc`).
    """
    b, c, z = (np.asarray(v, dtype=float).ravel() for v in (b, c, z))
    k, m = z.size, b.size
    n_out = 4 if derivatives else 1
    out = [np.empty((k, m)) for _ in range(n_out)]
    if k == 0 or m == 0:
        return tuple(out)
    needed = _terms_needed(np.abs(z))
    n_max = int(needed.max())
    steps = np.arange(n_max, dtype=float)[:, None]
    # a_jn = prod_{k<n} (b+k)/(c+k): terms 0 .. n_max-1 of every column
    bn, cn = b[None, :] + steps[:-1], c[None, :] + steps[:-1]
    coef = np.ones((n_max, m))
    np.cumprod(bn / cn, axis=0, out=coef[1:])
    blocks = [coef]
    if derivatives:
        h_b = np.zeros((n_max, m))
        h_c = np.zeros((n_max, m))
        np.cumsum(1.0 / bn, axis=0, out=h_b[1:])
        np.cumsum(1.0 / cn, axis=0, out=h_c[1:])
        d_z = np.zeros((n_max, m))
        d_z[:-1] = coef[1:] * steps[1:]  # the coefficient of z**n in d/dz is (n+1) a_(n+1)
        blocks += [coef * h_b, -(coef * h_c), d_z]
    stacked = np.concatenate(blocks, axis=1)
    # bands of rows by the terms they need, each summed with as many terms as its largest |z|
    order = np.argsort(needed, kind="stable")
    bounds = np.unique(np.minimum(needed[order], n_max))
    start = 0
    for i, n_terms in enumerate(bounds):
        stop = int(np.searchsorted(needed[order], n_terms, side="right"))
        if i + 1 < len(bounds) and bounds[i + 1] <= 1.25 * n_terms and stop < k:
            continue  # join the next band rather than pay one more product for a few terms
        rows = order[start:stop]
        n_terms = int(needed[rows].max())
        powers = np.empty((rows.size, n_terms))
        powers[:, 0] = 1.0
        np.cumprod(np.broadcast_to(z[rows, None], (rows.size, n_terms - 1)), axis=1, out=powers[:, 1:])
        sums = powers @ stacked[:n_terms]
        for j in range(n_out):
            out[j][rows] = sums[:, j * m:(j + 1) * m]
        start = stop
    return tuple(out)


#: 15.3.6 is used where (c-1)(1-z) stays below this (its series then converge in a few dozen
#: terms and its parts cancel by less than a factor 100) and c - b - 1 below _LINEAR_MAX_D (the
#: poles of its first series come early).
_LINEAR_MAX_CY = 1.5
_LINEAR_MAX_D = 300.0
#: ... and only where its two parts cancel by less than these factors (c - b - 1 not close to
#: a whole number): the value keeps about 12 digits, the derivatives about 10.
_LINEAR_MAX_COND = 1e4
_LINEAR_MAX_COND_DERIV = 1e6
#: Gauss-Laguerre nodes of :func:`_laguerre_integral`: the integrand's singularity at
#: u = -b(1-z) <= -1 lies far enough from the nodes for 1e-13 (checked against the other forms).
_LAGUERRE_NODES = 128
#: ... and used from b (1-z) >= 1, or >= 1/2 where 15.3.6 cancels (it is then good to 1e-11).
_LAGUERRE_MIN_BY = 0.5
#: Iterations of Gauss's continued fraction before a row goes back to the series.
_CF_MAX_ITER = 20_000


def _near_one(b, c, z, one_minus_z, c_b_1, rows, total, d_b, d_c, d_z, derivatives) -> np.ndarray:
    """2F1(1, b; c; z) for rows with z near 1, where the power series needs 1/(1-z) terms and
    more; returns the rows it did (the others go back to the series).

    With d = c - b - 1 > -1 (``c_b_1``) and y = 1 - z (``one_minus_z``), in this order:

    - (c-1) y <= 1.5: the linear transformation z -> 1 - z (:func:`_linear_one_minus_z`, A&S
      15.3.6), unless its two parts cancel (d near a whole number, where its limit is A&S
      15.3.10-15.3.12);
    - b y >= max(1/2, d+1): Euler's integral by Gauss-Laguerre quadrature
      (:func:`_laguerre_integral`), all terms positive;
    - else Gauss's continued fraction (:func:`_gauss_continued_fraction`), fast where (c-1) y is
      not small and b is below 1e7;
    - what is left (d within about 1e-3 of a whole number and b y small, which fits reach only
      when r or s crosses a whole number far out on a ridge): scipy's hyp2f1, which applies the
      limit forms.

    Checked against decimal series, closed forms and one another in tests/models/test_models_special.py.
    """
    bb, cc, zz, y, d = b[rows], c[rows], z[rows], one_minus_z[rows], c_b_1[rows]
    linear = ((cc - 1.0) * y <= _LINEAR_MAX_CY) & (d <= _LINEAR_MAX_D)
    done = np.zeros(rows.size, dtype=bool)
    if linear.any():
        sel = np.flatnonzero(linear)
        # whole d give 0/0 and infinite gammas here: such rows fail the check below
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ok, value, grads = _linear_one_minus_z(bb[sel], cc[sel], d[sel], y[sel], derivatives)
        sel, value = sel[ok], value[ok]
        total[rows[sel]] = value
        if derivatives:
            d_b[rows[sel]], d_c[rows[sel]], d_z[rows[sel]] = (g[ok] for g in grads)
        done[sel] = True
    by = bb * y
    laguerre = ~done & (by >= _LAGUERRE_MIN_BY) & (d + 1.0 <= by)
    if laguerre.any():
        sel = np.flatnonzero(laguerre)
        value, grads = _laguerre_integral(bb[sel], cc[sel], d[sel], y[sel], derivatives)
        total[rows[sel]] = value
        if derivatives:
            d_b[rows[sel]], d_c[rows[sel]], d_z[rows[sel]] = grads
        done[sel] = True
    rest = np.flatnonzero(~done)
    if rest.size:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            ok, value, grads = _gauss_continued_fraction(bb[rest], cc[rest], d[rest], zz[rest], True)
        sel = rest[ok]
        # the fraction sees z only, whose rounding (1e-16) is a large relative error of a tiny
        # 1 - z; first-order correction to the exact 1 - z: F(z') = F(z) + F'(z) (z' - z)
        total[rows[sel]] = value[ok] + grads[2][ok] * ((1.0 - zz[sel]) - y[sel])
        if derivatives:
            d_b[rows[sel]], d_c[rows[sel]], d_z[rows[sel]] = (g[ok] for g in grads)
        done[sel] = True
    rest = np.flatnonzero(~done)
    if rest.size:
        # d at (or within about 1e-3 of) a whole number with b (1-z) small: scipy's hyp2f1, which
        # takes the limit forms A&S 15.3.10-15.3.12 there, where it is finite
        done[rest[_scipy_near_one(bb[rest], cc[rest], zz[rest], rows[rest], total, d_b, d_c, d_z, derivatives)]] = True
    return rows[done]


def _scipy_near_one(b, c, z, rows, total, d_b, d_c, d_z, derivatives) -> np.ndarray:
    """scipy's hyp2f1 for the given rows (derivatives in b and c by central differences, in z
    by A&S 15.2.1); returns the mask of rows where it is finite."""
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        value = hyp2f1(1.0, b, c, z)
        ok = np.isfinite(value) & (value > 0)
        if derivatives:
            hb, hc = 1e-6 * b, 1e-6 * c
            db = (hyp2f1(1.0, b + hb, c, z) - hyp2f1(1.0, b - hb, c, z)) / (2 * hb)
            dc = (hyp2f1(1.0, b, c + hc, z) - hyp2f1(1.0, b, c - hc, z)) / (2 * hc)
            dz = b / c * hyp2f1(2.0, b + 1.0, c + 1.0, z)
            ok &= np.isfinite(db) & np.isfinite(dc) & np.isfinite(dz)
            d_b[rows[ok]], d_c[rows[ok]], d_z[rows[ok]] = db[ok], dc[ok], dz[ok]
    total[rows[ok]] = value[ok]
    return ok


def _linear_one_minus_z(b, c, d, y, derivatives):
    """2F1(1, b; c; z) by A&S 15.3.6 (z -> y = 1 - z) with a = 1 and d = c - b - 1:

        2F1(1, b; c; z) = (c-1)/d 2F1(1, b; 1-d; y) + G(c) G(-d) / G(b) y^d z^(1-c),

    the second hypergeometric function of 15.3.6, 2F1(c-1, d+1; d+1; y) = (1-y)^(1-c), being
    elementary. The first series has the term ratio (b+n)/(1-d+n) y and converges in a few dozen
    terms for small (c-1) y; the second part is taken in log space (log_gamma_ratio for
    G(c)/G(b)). Its poles at whole d cancel between the parts (the limit is A&S 15.3.10-15.3.12);
    near them the parts are large and of opposite sign, so a row is returned as not ok when the
    parts (or those of a derivative) exceed the result by more than _LINEAR_MAX_COND
    (_LINEAR_MAX_COND_DERIV). Derivatives in b, c (at fixed c, b) and z are exact, term by term.
    ``y`` = 1 - z and ``d`` = c - b - 1 are computed by the caller without cancellation (when z
    is within 1e-10 of 1, 1.0 - z has lost six digits, and y^d with them; c - b loses the
    digits of d when b is 1e11). Returns (ok, value, (d/db, d/dc, d/dz) or None).
    """
    z = 1.0 - y
    one_d = 1.0 - d
    # the first series: t_n = (b)_n / (1-d)_n y^n, past the pole region until the rest is negligible
    s1 = np.ones(b.size)
    a1 = np.ones(b.size)  # sum of |t_n|, for the condition
    t = np.ones(b.size)
    h_b = np.zeros(b.size)  # sum_k<n 1/(b+k)
    h_e = np.zeros(b.size)  # sum_k<n 1/(1-d+k)
    s_b = np.zeros(b.size)
    s_e = np.zeros(b.size)
    s_z = np.zeros(b.size)
    a_b = np.zeros(b.size)
    a_e = np.zeros(b.size)
    a_z = np.zeros(b.size)
    n_last = int(np.ceil(d.max())) + 2 if d.size else 0
    n = 0
    while n < 600:
        den = one_d + n
        t = t * (b + n) / den * y
        if derivatives:
            h_b = h_b + 1.0 / (b + n)
            h_e = h_e + 1.0 / den
            s_b += t * h_b
            s_e += t * h_e
            s_z += (n + 1) * t
            a_b += np.abs(t) * (h_b + np.abs(h_e))
            a_e += np.abs(t * h_e)
        s1 += t
        a1 += np.abs(t)
        n += 1
        if n > n_last and np.all(np.abs(t) * (n + 1) <= 1e-17 * np.abs(s1)):
            break
    p1 = (c - 1.0) / d
    log_ratio, dig_diff, dig_c = log_gamma_ratio(b, d + 1.0)  # log G(c)/G(b), psi(c)-psi(b), psi(c)
    log_z = np.log1p(-y)  # not log(z): z has lost the digits of a tiny 1 - z
    log_y = np.log(y)
    t2 = gammasgn(-d) * np.exp(log_ratio + gammaln(-d) + d * log_y + (1.0 - c) * log_z)
    value = p1 * s1 + t2
    ok = np.isfinite(value) & (value > 0)
    ok &= np.abs(p1) * a1 + np.abs(t2) <= _LINEAR_MAX_COND * value
    if not derivatives:
        return ok, value, None
    psi_md = digamma(-d)
    # d/db at fixed c (dd/db = -1, d(1-d)/db = 1), d/dc at fixed b (dd/dc = 1, d(1-d)/dc = -1)
    p1_b, p1_c = (c - 1.0) / d**2, -b / d**2
    t2_b = t2 * (dig_diff - dig_c + psi_md - log_y)
    t2_c = t2 * (dig_c - psi_md + log_y - log_z)
    t2_z = t2 * (-d / y + (1.0 - c) / z)
    f_b = p1_b * s1 + p1 * (s_b - s_e) + t2_b
    f_c = p1_c * s1 + p1 * s_e + t2_c
    f_z = -p1 * s_z / y + t2_z
    ok &= np.abs(p1_b) * a1 + np.abs(p1) * a_b + np.abs(t2_b) <= _LINEAR_MAX_COND_DERIV * np.abs(f_b)
    ok &= np.abs(p1_c) * a1 + np.abs(p1) * a_e + np.abs(t2_c) <= _LINEAR_MAX_COND_DERIV * np.abs(f_c)
    ok &= np.abs(p1) * a_z / y + np.abs(t2_z) <= _LINEAR_MAX_COND_DERIV * np.abs(f_z)
    return ok, value, (f_b, f_c, f_z)


@lru_cache(maxsize=1)
def _laguerre() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Laguerre nodes u_i and log(w_i e^u_i)."""
    u, w = laggauss(_LAGUERRE_NODES)
    return u, np.log(w) + u


def _laguerre_integral(b, c, d, y, derivatives):
    """2F1(1, b; c; 1-y) from Euler's integral (A&S 15.3.1, with the roles of a = 1 and b
    swapped), 2F1(1, b; c; z) = (c-1) int_0^1 (1-t)^(c-2) (1-zt)^-b dt, with t = q/(1+q) and
    u = b y q:

        2F1(1, b; c; 1-y) = (c-1)/(b y) int_0^inf (1 + u/(b y))^-(c-b) (1 + u/b)^-b du,

    whose integrand is e^-u times a function smooth on u >= 0 (singular at u = -b y and u = -b
    only): summed with Gauss-Laguerre quadrature, for b y >= 1 and c - b <= b y (the integrand
    then decays no faster than e^-u). Everything is positive, so nothing cancels. The derivatives
    in b, c and z = 1 - y are differentiated under the integral. Returns (value, (d/db, d/dc,
    d/dz) or None).
    """
    d1 = d + 1.0  # c - b
    by = b * y
    u, log_w = _laguerre()
    uu = u[None, :]
    l_b = np.log1p(uu / b[:, None])
    l_q = np.log1p(uu / by[:, None])
    e = np.exp(log_w[None, :] - b[:, None] * l_b - d1[:, None] * l_q)
    front = (c - 1.0) / by
    value = front * e.sum(axis=1)
    if not derivatives:
        return value, None
    # d log(integrand) / d(b at fixed c), d(c at fixed b), d y
    h_b = -l_b + uu / (b[:, None] + uu) + l_q + d1[:, None] * uu / (b[:, None] * (by[:, None] + uu))
    h_y = d1[:, None] * uu / (y[:, None] * (by[:, None] + uu))
    f_b = -value / b + front * (e * h_b).sum(axis=1)
    f_c = value / (c - 1.0) - front * (e * l_q).sum(axis=1)
    f_y = -value / y + front * (e * h_y).sum(axis=1)
    return value, (f_b, f_c, -f_y)


def _gauss_continued_fraction(b, c, d, z, derivatives):
    """2F1(1, b; c; z) as Gauss's continued fraction (A&S 15.2 contiguous relations; the
    continued fraction of the incomplete beta function, in the form
    of Numerical Recipes' betacf with a = c - 1, b' = b + 1 - c, x = z), evaluated with the
    modified Lentz method; the derivatives in b, c and z are carried through the same recursion
    (forward mode). Returns (converged, value, (d/db, d/dc, d/dz) or None)."""
    size = b.size
    value = np.full(size, np.nan)
    grads = np.full((3, size), np.nan)
    converged = np.zeros(size, dtype=bool)
    idx = np.arange(size)
    lead = 1.0 - b * z / c
    dd = 1.0 / lead
    cc_ = np.ones(size)
    log_h = np.log(dd)
    g_dd = -dd * dd * np.stack([-z / c, b * z / c**2, -b / c])  # d(dd)/d(b, c, z)
    g_cc = np.zeros((3, size))
    g_lh = g_dd / dd
    for m in range(1, _CF_MAX_ITER):
        if not idx.size:
            break
        # the odd and the even coefficient of step m, with their derivatives in (b, c, z)
        p = (c + 2 * m - 2.0) * (c + 2 * m - 1.0)
        a_odd = m * (-d - m) * z / p
        g_odd = np.stack([m * z / p, -m * z / p - a_odd * (1.0 / (c + 2 * m - 2.0) + 1.0 / (c + 2 * m - 1.0)), a_odd / z])
        q = (c + 2 * m - 1.0) * (c + 2 * m)
        a_even = -(c - 1.0 + m) * (b + m) * z / q
        g_even = np.stack([-(c - 1.0 + m) * z / q, -(b + m) * z / q - a_even * (1.0 / (c + 2 * m - 1.0) + 1.0 / (c + 2 * m)), a_even / z])
        step = np.zeros(idx.size)
        g_step = np.zeros((3, idx.size))
        for aa, g_aa in ((a_odd, g_odd), (a_even, g_even)):
            dd_new = 1.0 / (1.0 + aa * dd)
            g_dd = -dd_new * dd_new * (g_aa * dd + aa * g_dd)
            cc_new = 1.0 + aa / cc_
            g_cc = g_aa / cc_ - aa * g_cc / cc_**2
            dd, cc_ = dd_new, cc_new
            step = step + np.log(dd * cc_)
            g_step = g_step + g_dd / dd + g_cc / cc_
        log_h = log_h + step
        g_lh = g_lh + g_step
        fin = (np.abs(step) <= 4e-16) & np.all(np.abs(g_step) <= 1e-14 * np.abs(g_lh), axis=0)
        if fin.any():
            value[idx[fin]] = np.exp(log_h[fin])
            grads[:, idx[fin]] = g_lh[:, fin] * value[idx[fin]]
            converged[idx[fin]] = True
            keep = ~fin
            idx = idx[keep]
            b, c, d, z, dd, cc_, log_h = b[keep], c[keep], d[keep], z[keep], dd[keep], cc_[keep], log_h[keep]
            g_dd, g_cc, g_lh = g_dd[:, keep], g_cc[:, keep], g_lh[:, keep]
    return converged, value, (tuple(grads) if derivatives else None)


def _continue_in_blocks(idx, term, h_b, h_c, b, c, z, tf, n, total, d_b, d_c, d_z, derivatives):
    """Carry slowly converging rows of :func:`hyp2f1_1bc` on, _BLOCK_TERMS terms per step."""
    block = _BLOCK_TERMS // 8
    while idx.size and n < _MAX_TERMS:
        block = min(2 * block, _BLOCK_TERMS)  # 256, 512, 1024, ... terms at a time
        k = np.arange(block, dtype=float)[None, :]
        bn = b[:, None] + n + k
        cn = c[:, None] + n + k
        ratio = bn / cn * z[:, None]
        terms = term[:, None] * np.cumprod(ratio, axis=1)  # terms n+1 .. n+K
        total[idx] += terms.sum(axis=1)
        if derivatives:
            hb = h_b[:, None] + np.cumsum(1.0 / bn, axis=1)
            hc = h_c[:, None] + np.cumsum(1.0 / cn, axis=1)
            prev = np.concatenate([term[:, None], terms[:, :-1]], axis=1)
            d_b[idx] += (terms * hb).sum(axis=1)
            d_c[idx] -= (terms * hc).sum(axis=1)
            d_z[idx] += ((n + 1 + k) * prev * (bn / cn)).sum(axis=1)
            h_b, h_c = hb[:, -1], hc[:, -1]
        term = terms[:, -1]
        n += block
        open_ = np.abs(term) * tf * (n + 1) > _RTOL * np.abs(total[idx])
        idx, term, h_b, h_c, b, c, z, tf = (
            v[open_] for v in (idx, term, h_b, h_c, b, c, z, tf)
        )
    if idx.size:  # cut off: add the geometric estimate of the rest to the value
        last = (b + n) / (c + n) * z
        total[idx] += term * last / np.maximum(1.0 - last, 1e-300)


def pfq_series(
    num: list[np.ndarray | float], den: list[np.ndarray | float], z: np.ndarray | float
) -> np.ndarray:
    """The generalised hypergeometric series sum_n prod (num)_n / (prod (den)_n n!) z**n, |z| < 1.

    Summed until the terms, whose ratio tends to z, stop changing the sum (for predictions, not
    inside a fit: no derivatives).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in [*num, *den, z]))
    shape = arrays[0].shape
    flat = [a.ravel() for a in arrays]
    p = len(num)
    nums, dens, zz = flat[:p], flat[p:-1], flat[-1]
    total = np.ones(zz.size)
    term = np.ones(zz.size)
    idx = np.arange(zz.size)
    az = np.abs(zz)
    n = 0
    while idx.size and n < _MAX_TERMS:
        ratio = zz / (n + 1.0)
        for a in nums:
            ratio = ratio * (a + n)
        for d in dens:
            ratio = ratio / (d + n)
        term = term * ratio
        total[idx] += term
        n += 1
        # past the point where |ratio| < 1 for good, the rest is bounded geometrically
        bound = np.abs(term) * az / np.maximum(1.0 - az, 1e-300)
        open_ = (bound > _RTOL * np.abs(total[idx])) | (np.abs(ratio) >= 1.0)
        open_ &= term != 0.0
        if not open_.all():
            idx = idx[open_]
            term, zz, az = term[open_], zz[open_], az[open_]
            nums = [a[open_] for a in nums]
            dens = [d[open_] for d in dens]
    return total.reshape(shape)
