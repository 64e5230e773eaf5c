"""NPS, CSAT, CES and raking against published and hand-worked figures (METHODS.md)."""

import math

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.satisfaction import difference_test, mean_score, nps, rake, top_box_share
from saleskpi.errors import UsageError

ROCKS = [10] * 50 + [7] * 30 + [2] * 20  # 50 promoters, 30 passives, 20 detractors


def test_rocks_2016_wald():
    e = nps(ROCKS)
    assert e.value == pytest.approx(30.0, abs=1e-12)
    assert round(e.se, 3) == 7.810
    assert (round(e.ci_low, 2), round(e.ci_high, 2)) == (14.69, 45.31)
    assert e.n == 100 and e.n_effective == 100


def test_rocks_2016_adjusted_wald():
    e = nps(ROCKS, method="adjusted-wald")
    assert e.value == pytest.approx(30.0, abs=1e-12)  # the observed NPS; the interval is centred at 29.126
    assert round((e.ci_low + e.ci_high) / 2, 3) == 29.126
    assert round(e.se, 3) == 7.692
    assert (round(e.ci_low, 2), round(e.ci_high, 2)) == (14.05, 44.20)


def test_weighted_nps_uses_kish_effective_n():
    # two promoters weight 3, one detractor weight 1, one passive weight 1: p = 6/8, d = 1/8
    e = nps([9, 10, 0, 8], weights=[3, 3, 1, 1])
    assert e.value == pytest.approx(62.5)
    n_eff = 8**2 / (9 + 9 + 1 + 1)  # (Σw)² / Σw² = 3.2
    assert e.n_effective == pytest.approx(n_eff)
    assert e.se == pytest.approx(100 * math.sqrt((7 / 8 - (5 / 8) ** 2) / n_eff))
    assert e.n == 4


def test_nps_refuses_bad_input():
    with pytest.raises(UsageError, match="The 'method' parameter of nps must be 'wald' or 'adjusted-wald'. "
                                         "Got 'exact' instead."):
        nps(ROCKS, method="exact")
    with pytest.raises(UsageError, match="must hold scores from 0 to 10. Got 11 instead"):
        nps([5, 11])
    with pytest.raises(UsageError, match="must have one weight per score"):
        nps([5, 9], weights=[1])
    assert math.isnan(nps([]).value) and nps([]).n == 0


def test_csat_top_two_box_wilson_and_ces_mean():
    # 3 of 4 answers in 4-5: p = .75; Wilson 95 % for 3/4 = [0.3006, 0.9544]
    e = top_box_share([5, 4, 4, 2], top=4, low=1, high=5)
    assert e.value == 0.75
    assert (round(e.ci_low, 4), round(e.ci_high, 4)) == (0.3006, 0.9544)
    m = mean_score([1, 2, 3], low=1, high=7)
    # mean 2, s = 1, t(2, .975) = 4.3027: 2 ± 4.3027/√3
    assert m.value == 2.0
    assert (round(m.ci_low, 4), round(m.ci_high, 4)) == (round(2 - 4.302653 / math.sqrt(3), 4),
                                                          round(2 + 4.302653 / math.sqrt(3), 4))


def test_difference_of_two_nps():
    a, b = nps(ROCKS), nps([10] * 30 + [7] * 30 + [2] * 40)  # 30 vs -10
    change, z, p = difference_test(a, b)
    se_b = 100 * math.sqrt((0.7 - 0.01) / 100)
    assert change == pytest.approx(40)
    assert z == pytest.approx(40 / math.hypot(a.se, se_b))
    assert p == pytest.approx(2 * (1 - 0.5 * (1 + math.erf(abs(z) / math.sqrt(2)))), abs=1e-12)


def test_rake_two_by_two_by_hand():
    """Seed [[1, 1], [1, 2]] raked to rows 6 / 4 and columns 5 / 5. Raking keeps the seed's odds
    ratio (2): w11 = a, w12 = 6 − a, w21 = 5 − a, w22 = a − 1, and a(a − 1) = 2(6 − a)(5 − a)
    gives a² − 21a + 60 = 0, a = (21 − √201) / 2 = 3.41130."""
    frame = pd.DataFrame({"row": ["r1", "r1", "r2", "r2"], "col": ["c1", "c2", "c1", "c2"]})
    w = rake(frame, {"row": {"r1": 6, "r2": 4}, "col": {"c1": 5, "c2": 5}}, weights=[1, 1, 1, 2])
    a = (21 - math.sqrt(201)) / 2
    np.testing.assert_allclose(w, [a, 6 - a, 5 - a, a - 1], rtol=0, atol=1e-8)


def test_rake_methods_md_four_by_four():
    seed = np.array([[40, 30, 20, 10], [35, 50, 100, 75], [30, 80, 70, 120], [20, 30, 40, 50]], dtype=float)
    frame = pd.DataFrame({"row": np.repeat(range(4), 4), "col": np.tile(range(4), 4)})
    w = rake(frame, {"row": dict(enumerate([150, 300, 400, 150])), "col": dict(enumerate([200, 300, 400, 100]))},
             weights=seed.ravel())
    expected = [[64.56, 46.23, 35.38, 3.82], [49.97, 68.16, 156.50, 25.37], [56.72, 144.43, 145.08, 53.77],
                [28.75, 41.18, 63.03, 17.03]]
    np.testing.assert_allclose(np.round(w.reshape(4, 4), 2), expected, rtol=0, atol=0.011)


def test_rake_refuses_an_absent_level_and_disagreeing_margins():
    frame = pd.DataFrame({"cls": ["A", "A", "B"], "region": ["N", "S", "S"]})
    with pytest.raises(UsageError, match="the level cls = C has a population total but no respondents"):
        rake(frame, {"cls": {"A": 5, "B": 3, "C": 2}})
    with pytest.raises(UsageError, match="the margins disagree on the population total: 'cls' sums to 8, "
                                         "'region' to 10"):
        rake(frame, {"cls": {"A": 5, "B": 3}, "region": {"N": 5, "S": 5}})
    with pytest.raises(UsageError, match="rows of the frame have region = S, which has no target"):
        rake(frame, {"region": {"N": 5}})


def test_analysis_raking_drops_a_margin_that_cannot_be_met():
    """Base: class A 30 customers, B 10; territories T1 20, T2 20. The answers of class A all come
    from T1 and those of B from T2, so A's weight must equal T1's: 30 against 20, no solution.
    The analysis rakes to class alone (A's 6 answers weigh 30/6 = 5, B's 10/6) and says so."""
    from saleskpi.analyses.satisfaction.scores import raking_weights

    base = pd.DataFrame({"class_key": ["A"] * 30 + ["B"] * 10,
                         "territory_margin": ["T1"] * 20 + ["T2"] * 20, "industry_margin": "(unknown)"})
    answers = pd.DataFrame({"class_key": ["A"] * 6 + ["B"] * 6, "territory_margin": ["T1"] * 6 + ["T2"] * 6,
                            "industry_margin": "(unknown)", "in_base": True})
    w, note = raking_weights(base, answers)
    assert note == "raked to class only (with territory the margins have no common solution)"
    np.testing.assert_allclose(w, [5.0] * 6 + [10 / 6] * 6)
