"""Special functions the models need, vectorised and safe from overflow.

scipy.special.hyp2f1 overflows or loses precision in the corners the customer models reach
(large frequency, parameters far apart), and gives no derivatives. The hypergeometric
functions here are summed as power series in a form chosen so that every series converges at
least geometrically, with the terms of all rows advanced together and a row dropped as soon as
its sum has converged.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

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
    b: np.ndarray, c: np.ndarray, z: np.ndarray, *, derivatives: bool = False
) -> tuple[np.ndarray, ...]:
    """Gauss's 2F1(1, b; c; z) = sum_n (b)_n / (c)_n z**n, for c > b > 0 and -1 < z < 1.

    Returns the value, and with ``derivatives=True`` also its partial derivatives with respect to
    b, c and z (summed term by term from the same series). Every term's ratio to the one before
    is (b + n)/(c + n) z, smaller than |z| in size, so the series converges geometrically and the
    rest after a term t is at most |t| |z| / (1 - |z|); the caller keeps |z| small by choosing
    the transformation (Abramowitz & Stegun 15.3.4, 15.3.5).

    The first terms are advanced for all rows at once; the few rows whose z is close to 1 (they
    need thousands of terms) then continue in blocks of terms at a time. Rows with z within 1e-3
    of 1 (tens of thousands of terms and more: alpha and beta of the Pareto/NBD far apart)
    take scipy's hyp2f1, which continues the function around z = 1, where it is finite.
    """
    b, c, z = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(b, c, z))
    shape = b.shape
    b, c, z = b.ravel(), c.ravel(), z.ravel()
    size = b.size
    total = np.ones(size)
    d_b = np.zeros(size)
    d_c = np.zeros(size)
    d_z = np.zeros(size)
    idx = np.arange(size)
    near_one = z > _NEAR_ONE
    if near_one.any():
        # millions of terms: take scipy's analytic continuation around z = 1 (A&S 15.3.6, 15.3.11)
        # where it is finite, and sum the rest
        done = _near_one(b, c, z, np.flatnonzero(near_one), total, d_b, d_c, d_z, derivatives)
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


def _near_one(b, c, z, rows, total, d_b, d_c, d_z, derivatives) -> np.ndarray:
    """scipy's hyp2f1 for rows with z near 1 (derivatives in b and c by central differences);
    returns the rows it could do."""
    bb, cc, zz = b[rows], c[rows], z[rows]
    value = hyp2f1(1.0, bb, cc, zz)
    ok = np.isfinite(value) & (value > 0)
    if derivatives:
        hb, hc = 1e-6 * bb, 1e-6 * cc
        db = (hyp2f1(1.0, bb + hb, cc, zz) - hyp2f1(1.0, bb - hb, cc, zz)) / (2 * hb)
        dc = (hyp2f1(1.0, bb, cc + hc, zz) - hyp2f1(1.0, bb, cc - hc, zz)) / (2 * hc)
        dz = bb / cc * hyp2f1(2.0, bb + 1.0, cc + 1.0, zz)
        ok &= np.isfinite(db) & np.isfinite(dc) & np.isfinite(dz)
        d_b[rows[ok]], d_c[rows[ok]], d_z[rows[ok]] = db[ok], dc[ok], dz[ok]
    total[rows[ok]] = value[ok]
    return rows[ok]


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
