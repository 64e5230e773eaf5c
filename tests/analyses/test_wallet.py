"""Wallet Allocation Rule (Keiningham, Aksoy, Buoye & Cooil, HBR Oct 2011): METHODS.md oracles."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from saleskpi.analyses.wallet import average_ranks, wallet_allocation_rule


@pytest.mark.parametrize(
    ("n", "shares"),
    [
        (1, [1.0]),
        (2, [2 / 3, 1 / 3]),
        (3, [1 / 2, 1 / 3, 1 / 6]),
        (4, [0.4, 0.3, 0.2, 0.1]),
    ],
)
def test_published_shares(n, shares):
    got = wallet_allocation_rule(np.arange(1, n + 1), n)
    np.testing.assert_allclose(got, shares, rtol=0, atol=1e-15)
    assert np.round(got, 3).tolist() == np.round(shares, 3).tolist()  # .667/.333, .5/.333/.167


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 25])
def test_shares_over_all_ranks_sum_to_one(n):
    assert wallet_allocation_rule(np.arange(1, n + 1), n).sum() == pytest.approx(1.0, abs=1e-14)


def test_scalar_in_scalar_out():
    share = wallet_allocation_rule(2, 4)
    assert np.ndim(share) == 0
    assert float(share) == pytest.approx(0.3, abs=1e-15)


def test_ties_take_the_average_rank():
    # four brands, scores 9, 7, 9, 5: the two 9s share ranks 1 and 2 -> 1.5 each
    ranks = average_ranks([9, 7, 9, 5])
    assert ranks.tolist() == [1.5, 3.0, 1.5, 4.0]
    shares = wallet_allocation_rule(ranks, 4)
    # (1 − 1.5/5)·2/4 = 0.35 each = the mean of the rank-1 and rank-2 shares (.4, .3)
    np.testing.assert_allclose(shares, [0.35, 0.2, 0.35, 0.1], rtol=0, atol=1e-15)
    assert shares.sum() == pytest.approx(1.0, abs=1e-15)
    assert float(wallet_allocation_rule(1.5, 2)) == pytest.approx(0.5, abs=1e-15)


def test_average_ranks_per_customer_row_with_unused_brands():
    scores = np.array([[9.0, np.nan, 9.0, 5.0], [1.0, 2.0, 3.0, 4.0]])
    ranks = average_ranks(scores)
    np.testing.assert_array_equal(ranks, [[1.5, np.nan, 1.5, 3.0], [4.0, 3.0, 2.0, 1.0]])
    n_brands = np.sum(~np.isnan(scores), axis=1, keepdims=True)
    shares = wallet_allocation_rule(ranks, n_brands)
    np.testing.assert_allclose(np.nansum(shares, axis=1), [1.0, 1.0], atol=1e-15)
    assert np.isnan(shares[0, 1])


def test_invalid_input_gives_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ranks = [0, 0.5, 4, np.nan, 1, 1, 1, 2]
        n_brands = [3, 3, 3, 3, 0, np.nan, 2.5, np.inf]
        got = wallet_allocation_rule(ranks, n_brands)
        assert np.isnan(got).all()
        assert np.isnan(wallet_allocation_rule(5, 3))
        assert np.isnan(wallet_allocation_rule(1, 0))
    # valid entries next to invalid ones are still computed
    got = wallet_allocation_rule([1, 9, 2], 2)
    np.testing.assert_allclose(got, [2 / 3, np.nan, 1 / 3], rtol=0, atol=1e-15)


def test_a_customers_share_counts_only_the_lines_that_have_a_potential():
    """Line A: potential 100, bought 50; line B: no potential, bought 40. The customer's share
    is 50 / 100 (as its market share in sales), not 90 / 100; the gap is 50."""
    import datetime as dt

    import ibis

    from saleskpi.analyses.wallet import share_of_wallet

    potential = ibis.memtable({
        "customer_id": ["C1", "C1"], "business_line": ["A", "B"], "territory_id": ["T", "T"], "rep_id": ["R", "R"],
        "turnover_value_12m": [50.0, 40.0], "turnover_volume_12m": [5.0, 4.0], "potential_value": [100.0, None],
        "potential_volume": [10.0, None], "estimate_value": [80.0, None], "stated_value": [100.0, None]})
    surveys = ibis.memtable({"response_id": ["S"], "customer_id": ["C9"], "date": [dt.date(2025, 1, 1)],
                             "our_rank": [1], "brands_used": [2]})
    rows = share_of_wallet(potential, surveys, dt.date(2025, 6, 30)).to_pyarrow().to_pylist()
    customer = next(r for r in rows if r["business_line"] is None)
    assert (customer["turnover_value_12m"], customer["potential_value"]) == (90.0, 100.0)
    assert customer["share_of_wallet_by_value"] == 0.5 and customer["share_of_wallet_by_volume"] == 0.5
    assert customer["share_raw_by_value"] == 50 / 80 and customer["share_stated_by_value"] == 0.5
    assert customer["gap_value"] == 50.0 and customer["above_potential"] is False
    line_b = next(r for r in rows if r["business_line"] == "B")
    assert line_b["share_of_wallet_by_value"] is None and line_b["share_missing_reason"] == "no potential estimate"


def test_the_warnings_count_customers_without_a_share_and_say_what_to_import():
    """C1 has a potential of 100, C2 one of 0 (a known zero: no share), C3 none."""
    import datetime as dt

    import ibis
    import pyarrow as pa

    from saleskpi.analyses.wallet import share_of_wallet, wallet_warnings

    def wallet(potentials):
        n = len(potentials)
        given = pa.array(potentials, pa.float64())  # None: no potential
        potential = ibis.memtable(pa.table({
            "customer_id": [f"C{i + 1}" for i in range(n)], "business_line": ["A"] * n, "territory_id": ["T"] * n,
            "rep_id": ["R"] * n, "turnover_value_12m": [10.0] * n, "turnover_volume_12m": [1.0] * n,
            "potential_value": given, "potential_volume": given, "estimate_value": given, "stated_value": given}))
        surveys = ibis.memtable({"response_id": ["S"], "customer_id": ["C9"], "date": [dt.date(2025, 1, 1)],
                                 "our_rank": [1], "brands_used": [2]})
        return share_of_wallet(potential, surveys, dt.date(2025, 6, 30))

    assert wallet_warnings(wallet([100.0, 0.0, None])) == [
        "2 of 3 customers have no share of wallet: 1 without a potential, 1 with a potential of zero "
        "(share_missing_reason says which)."]
    assert wallet_warnings(wallet([100.0])) == []
    (nobody,) = wallet_warnings(wallet([None, None]))
    assert nobody.startswith("no customer has a share of wallet, since none has a potential: the shares, the gap "
                             "and the links by tenure and membership are empty. To fill them, import potential ")
