"""The series behind the models' hypergeometric functions, against scipy."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import hyp2f1

from saleskpi.models._special import GRID_MAX_Z, expm1_ratio, hyp2f1_1bc, hyp2f1_1bc_grid, pfq_series


def test_hyp2f1_1bc_and_its_derivatives_equal_scipy():
    b = np.array([0.3, 1.6, 5.0, 1.6, 0.06, 1.6, 10_000.3, 2.0])
    c = np.array([1.5, 2.0, 7.0, 2.7, 1.47, 1.67, 10_001.9, 2.5])
    z = np.array([0.3, 0.9, -0.4, 0.999, 0.9993, 0.99999, 0.99, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, d_b, d_c, d_z = hyp2f1_1bc(b, c, z, derivatives=True)
    np.testing.assert_allclose(value, hyp2f1(1, b, c, z), rtol=1e-11)
    h = 1e-6
    np.testing.assert_allclose(d_b, (hyp2f1(1, b + h, c, z) - hyp2f1(1, b - h, c, z)) / (2 * h), rtol=1e-5)
    np.testing.assert_allclose(d_c, (hyp2f1(1, b, c + h, z) - hyp2f1(1, b, c - h, z)) / (2 * h), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(d_z, b / c * hyp2f1(2, b + 1, c + 1, z), rtol=1e-7)


def test_hyp2f1_1bc_grid_equals_scipy_on_every_cell():
    b = np.array([0.3, 1.6, 5.0, 0.06, 2.03, 10_000.3])
    c = np.array([1.5, 2.7, 7.0, 1.47, 2.93, 10_001.9])
    z = np.array([-GRID_MAX_Z, -0.5, 0.0, 0.3, 0.85, 0.9, GRID_MAX_Z])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, d_b, d_c, d_z = hyp2f1_1bc_grid(b, c, z, derivatives=True)
    assert value.shape == (len(z), len(b))
    bb, cc, zz = np.broadcast_arrays(b[None, :], c[None, :], z[:, None])
    np.testing.assert_allclose(value, hyp2f1(1, bb, cc, zz), rtol=1e-13)
    h = 1e-6
    np.testing.assert_allclose(d_b, (hyp2f1(1, bb + h, cc, zz) - hyp2f1(1, bb - h, cc, zz)) / (2 * h), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(d_c, (hyp2f1(1, bb, cc + h, zz) - hyp2f1(1, bb, cc - h, zz)) / (2 * h), rtol=1e-5, atol=1e-12)
    np.testing.assert_allclose(d_z, bb / cc * hyp2f1(2, bb + 1, cc + 1, zz), rtol=1e-11)
    # the same numbers as the row-wise series
    row = hyp2f1_1bc(bb, cc, zz, derivatives=True)
    for grid_value, row_value in zip((value, d_b, d_c, d_z), row, strict=True):
        np.testing.assert_allclose(grid_value, row_value, rtol=1e-12, atol=1e-300)


def test_pfq_series_equals_scipy_for_2f1():
    a, b, c = np.array([0.5, 3.0, -0.7]), np.array([1.2, 0.4, 2.0]), np.array([2.5, 7.0, 30.0])
    z = np.array([0.3, 0.95, 0.8])
    np.testing.assert_allclose(pfq_series([a, b], [c], z), hyp2f1(a, b, c, z), rtol=1e-12)


def test_expm1_ratio_and_its_limit():
    assert expm1_ratio(0.0, np.log(0.5))[()] == pytest.approx(np.log(2), rel=1e-15)
    assert expm1_ratio(1e-12, np.log(0.5))[()] == pytest.approx(np.log(2), rel=1e-11)
    assert expm1_ratio(2.0, np.log(0.5))[()] == pytest.approx((1 - 0.25) / 2, rel=1e-15)


def test_log_gamma_ratio_keeps_its_digits_for_large_arguments():
    from saleskpi.models._special import log_gamma_ratio
    from scipy.special import digamma, gammaln

    # whole q: log G(z+q)/G(z) = sum_{j<q} log(z+j) and digamma's difference sum 1/(z+j), exactly
    for z in (0.3, 7.5, 99.9, 100.0, 2_500.0, 1e10, 3e12):
        for q in (1, 4, 60):
            value, deriv, dig = log_gamma_ratio(np.array([z]), float(q))
            assert dig[0] == pytest.approx(digamma(z + q), rel=1e-14)
            j = np.arange(q)
            assert value[0] == pytest.approx(np.log(z + j).sum(), rel=1e-13, abs=1e-13)
            assert deriv[0] == pytest.approx((1.0 / (z + j)).sum(), rel=1e-12)
    # any q, where gammaln's difference is still good to about 1e-13
    z = np.array([0.5, 50.0, 150.0, 400.0])
    value, deriv, _ = log_gamma_ratio(z, 0.7)
    np.testing.assert_allclose(value, gammaln(z + 0.7) - gammaln(z), rtol=1e-11)
    np.testing.assert_allclose(deriv, digamma(z + 0.7) - digamma(z), rtol=1e-10)
    # gammaln's own difference is off by 1e-5 at z = 1e10 (the Gamma-Gamma ridge)
    value, _, _ = log_gamma_ratio(np.array([1e10]), 1.0)
    assert value[0] == pytest.approx(np.log(1e10), rel=1e-15)


def test_bg_nbd_beta_ratio_keeps_its_digits_for_large_a_and_b():
    from fractions import Fraction

    from saleskpi.models.bg_nbd import _log_beta_ratio
    from scipy.special import betaln, digamma

    n = np.array([0.0, 1.0, 2.0, 7.0, 30.0])
    a, b = 0.79, 2.43  # CDNOW's neighbourhood: the same as betaln and digamma
    value, d_a, d_b = _log_beta_ratio(a, b, n, derivatives=True)
    np.testing.assert_allclose(value, betaln(a, b + n) - betaln(a, b), rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(d_a, digamma(a + b) - digamma(a + b + n), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d_b, digamma(b + n) - digamma(b) + d_a, rtol=1e-12, atol=1e-15)
    # on the ridge (a = 3e9, b = 1e12): the exact product of (b+j)/(a+b+j) in fractions
    a, b = 3e9, 1e12
    value, d_a, d_b = _log_beta_ratio(a, b, n, derivatives=True)
    for k, m in enumerate(n.astype(int)):
        exact = np.prod([Fraction(b + j) / Fraction(a + b + j) for j in range(m)] or [Fraction(1)])
        assert value[k] == pytest.approx(np.log(float(exact)), rel=1e-14, abs=1e-300)
        assert d_b[k] == pytest.approx(sum(a / ((b + j) * (a + b + j)) for j in range(m)), rel=1e-13,
                                       abs=1e-300)
    assert abs((betaln(a, b + 30) - betaln(a, b)) - value[-1]) > 1e-6  # what betaln loses there


def _series_decimal(b: str, c: str, y: str, digits: int = 40) -> float:
    """2F1(1, b; c; 1-y) summed term by term in decimal arithmetic with `digits` digits, until a
    term is below 1e-25 of the sum (an independent reference for the forms used near z = 1)."""
    from decimal import Decimal, localcontext

    with localcontext() as ctx:
        ctx.prec = digits
        bd, cd, z = Decimal(b), Decimal(c), 1 - Decimal(y)
        total = term = Decimal(1)
        n = 0
        while term > total * Decimal("1e-25"):
            term = term * (bd + n) / (cd + n) * z
            total += term
            n += 1
        return float(total)


# (b, c, 1-z): near z = 1 with (c-1)(1-z) small (A&S 15.3.6), b(1-z) >= 1 (Gauss-Laguerre),
# c - b - 1 close to and equal to a whole number (where 15.3.6 cancels), and d = c - b - 1 < 0
NEAR_ONE = [
    ("1800.6", "1802.2", "0.0004"), ("2.5", "4.1", "0.0002"), ("20000.5", "20002.1", "0.0005"),
    ("3000", "3002.9995", "0.0003"), ("1801", "1803", "0.0004"), ("4000.3", "4000.9", "0.0005"),
    ("0.7", "1.3", "0.0001"), ("200.5", "260.5", "0.0009"),
]


@pytest.mark.parametrize(("b", "c", "y"), NEAR_ONE)
def test_hyp2f1_1bc_near_one_equals_a_decimal_series(b, c, y):
    bf, cf, yf = float(b), float(c), float(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, d_b, d_c, d_z = hyp2f1_1bc(np.array([bf]), np.array([cf]), np.array([1.0 - yf]),
                                          derivatives=True, one_minus_z=np.array([yf]))
    assert value[0] == pytest.approx(_series_decimal(b, c, y), rel=1e-11)
    # the derivatives against central differences of the same reference
    h = 1e-4

    def ref(bb, cc, yy):
        return _series_decimal(repr(bb), repr(cc), repr(yy))

    assert d_b[0] == pytest.approx((ref(bf + h, cf, yf) - ref(bf - h, cf, yf)) / (2 * h), rel=1e-6)
    assert d_c[0] == pytest.approx((ref(bf, cf + h, yf) - ref(bf, cf - h, yf)) / (2 * h), rel=1e-6)
    hy = 1e-4 * yf
    assert d_z[0] == pytest.approx(-(ref(bf, cf, yf + hy) - ref(bf, cf, yf - hy)) / (2 * hy), rel=1e-6)


def test_hyp2f1_1bc_very_near_one_equals_closed_forms():
    # 1 - z = 2^-k exactly: 2F1(1,1;2;z) = -log(1-z)/z, 2F1(1,1;3;z) = 2 (z + (1-z) log(1-z)) / z^2,
    # 2F1(1,1;3/2;z) = arcsin(sqrt z) / sqrt(z (1-z)) (A&S 15.1.3, 15.1.6 family)
    y = 2.0 ** -np.arange(12, 40, 3)
    z = 1.0 - y
    ones = np.ones_like(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f2 = hyp2f1_1bc(ones, 2 * ones, z, one_minus_z=y)[0]
        f3 = hyp2f1_1bc(ones, 3 * ones, z, one_minus_z=y)[0]
        f15 = hyp2f1_1bc(ones, 1.5 * ones, z, one_minus_z=y)[0]
    np.testing.assert_allclose(f2, -np.log(y) / z, rtol=1e-11)
    np.testing.assert_allclose(f3, 2 * (z + y * np.log(y)) / z**2, rtol=1e-11)
    np.testing.assert_allclose(f15, np.arcsin(np.sqrt(z)) / np.sqrt(z * y), rtol=1e-11)


def test_the_forms_near_one_agree_where_they_overlap():
    from saleskpi.models._special import _gauss_continued_fraction, _laguerre_integral, _linear_one_minus_z

    # the Pareto/NBD ridge: b = s + 1 from 1e3 to 1e12, d = r + x - 1, (c-1)(1-z) about 1
    for b in (2e3, 1e6, 1e12):
        for d in (-0.4, 0.3, 2.6):
            for cy in (0.8, 1.2):
                c = b + 1.0 + d
                y = cy / (c - 1.0)
                args = (np.array([b]), np.array([c]), np.array([d]))
                ok, lin, g_lin = _linear_one_minus_z(*args, np.array([y]), True)
                lag, g_lag = _laguerre_integral(*args, np.array([y]), True)
                assert ok[0]
                assert lin[0] == pytest.approx(lag[0], rel=1e-11)
                for u, v in zip(g_lin, g_lag, strict=True):
                    assert u[0] == pytest.approx(v[0], rel=1e-9)
                if b < 1e7:  # the continued fraction sees z only; beyond 1e7 it needs too many steps
                    ok, cf, g_cf = _gauss_continued_fraction(*args, np.array([1.0 - y]), True)
                    assert ok[0] and cf[0] == pytest.approx(lag[0], rel=1e-9)
