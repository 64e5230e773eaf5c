"""The link between share of wallet and CLV (clv-wallet), by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from saleskpi.analyses.clv.links import wallet_link


def test_wallet_link_by_hand():
    frame = pd.DataFrame({
        "share_of_wallet_by_value": [0.1, 0.15, 0.3, 0.5, 0.9, np.nan, 1.0],
        "clv_12m": [100.0, 300.0, 200.0, 600.0, 1000.0, 50.0, np.nan],
        "clv_36m": [250.0, 700.0, 500.0, 1500.0, 2400.0, 120.0, np.nan],
        "p_alive": [0.5, 0.9, 0.8, 0.95, 0.99, 0.3, 0.7],
        "opportunity_12m": [40.0, 35.0, 20.0, 0.0, 0.0, np.nan, 0.0],
    })
    w = wallet_link(frame).set_index("band")
    assert w.index.tolist() == ["0-20 %", "20-40 %", "40-60 %", "60-80 %", "80-100 %", "no share", "all with a share"]
    assert w.customers.tolist() == [2, 1, 1, 0, 2, 1, 6]
    assert w.customers_with_clv.tolist() == [2, 1, 1, 0, 1, 1, 5]
    assert w.loc["0-20 %", ["mean_share", "mean_clv_12m", "total_clv_12m", "mean_clv_36m"]].tolist() == \
        pytest.approx([0.125, 200.0, 400.0, 475.0])
    assert w.loc["0-20 %", "mean_p_alive"] == pytest.approx(0.7)
    assert w.loc["0-20 %", "total_opportunity_12m"] == 75.0
    # 0.9 and 1.0 are in the last band (closed at 1); the customer at 1.0 has no CLV
    assert w.loc["80-100 %", ["mean_share", "mean_clv_12m", "total_clv_12m"]].tolist() == [0.95, 1000.0, 1000.0]
    assert w.loc["no share", "total_clv_12m"] == 50.0
    assert math.isnan(w.loc["60-80 %", "mean_clv_12m"])
    # over the 5 customers with both: shares 0.1 0.15 0.3 0.5 0.9 (mean 0.39), CLV 100 300 200 600 1000
    # (mean 440): sum of products of deviations 457, sums of squares 0.422 and 532,000
    assert w.loc["all with a share", "pearson_share_clv_12m"] == pytest.approx(457 / math.sqrt(0.422 * 532_000))
    # ranks 1 2 3 4 5 against 1 3 2 4 5: d^2 = 2, rho = 1 - 6 x 2 / (5 x 24) = 0.9
    assert w.loc["all with a share", "spearman_share_clv_12m"] == pytest.approx(0.9)
    assert w.drop(index="all with a share").pearson_share_clv_12m.isna().all()

