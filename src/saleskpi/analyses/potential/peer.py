"""The peer-wallet method of the potential analysis (Perlich, Rosset, Lawrence & Zadrozny, KDD
2007, pp. 977-985, the IBM MAP approach): a customer's wallet as a high conditional quantile of
spend given its firmographics, fitted with the quantile (pinball) loss
rho_tau(r) = tau*r - r*1(r < 0) on log spend by gradient-boosted trees."""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The peer-wallet model is fitted on at least this many buying customers of a line.
MIN_PEER_BUYERS = 50
#: Gradient-boosting settings of the peer-wallet quantile model: small trees, a fixed number
#: of rounds and a fixed seed, so that the same data always give the same estimate.
PEER_MODEL = dict(max_iter=150, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=20, early_stopping=False,
                  random_state=0)


def _features(part: pd.DataFrame, drivers: list[str]) -> np.ndarray:
    cols = [np.log1p(part[d].clip(lower=0).to_numpy(dtype=float)) for d in drivers]
    for cat in ("industry", "size_band"):
        codes = part[cat].astype("category").cat.codes.to_numpy(dtype=float)
        codes[codes < 0] = np.nan
        cols.append(codes)
    return np.column_stack(cols) if cols else np.zeros((len(part), 0))


def peer_estimate(frame: pd.DataFrame, drivers: list[str], quantile: float) -> pd.DataFrame:
    """Perlich et al. (2007) wallet: the tau-quantile of log spend given firmographics."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    out = pd.DataFrame(np.nan, index=frame.index, columns=["peer_value", "peer_volume"])
    n_cat = 2
    # One OpenMP thread: each boosting iteration runs many short parallel regions whose
    # threads wait for each other when other work holds a core (a fit took 10x longer with two
    # threads than with one on 2 busy cores). The fitted trees are the same.
    used = ["business_line", "industry", "size_band", "turnover_value_12m", "turnover_volume_12m", *drivers]
    with threadpool_limits(limits=1, user_api="openmp"):
        for line, part in frame[used].groupby("business_line", sort=True):
            x = _features(part, drivers)
            categorical = [False] * len(drivers) + [True] * n_cat
            # a feature with one value (or none: no industry, no size band) tells peers apart in
            # nothing; without any feature that does, the quantile is one constant for every
            # customer, which is no estimate of a customer's wallet
            informative = [j for j in range(x.shape[1]) if np.unique(x[~np.isnan(x[:, j]), j]).size >= 2]
            if not informative:
                continue
            x, categorical = x[:, informative], [categorical[j] for j in informative]
            for target, column in (("turnover_value_12m", "peer_value"), ("turnover_volume_12m", "peer_volume")):
                y = part[target].to_numpy(dtype=float)
                train = y > 0
                if train.sum() < MIN_PEER_BUYERS:
                    continue
                model = HistGradientBoostingRegressor(loss="quantile", quantile=quantile,
                                                      categorical_features=categorical, **PEER_MODEL)
                model.fit(x[train], np.log(y[train]))
                wallet = np.exp(_predict_distinct(model, x))
                # features that vary but explain nothing give trees without a split: one
                # constant for everybody again, no estimate of anyone's wallet
                if not np.allclose(wallet, wallet[0]):
                    out.loc[part.index, column] = wallet
    return out


def _predict_distinct(model, x: np.ndarray) -> np.ndarray:
    """``model.predict(x)``, predicting each distinct row once: many customers share the same
    firmographics (at 100,000 customers, 40,000 distinct rows), and trees cost per row."""
    rows = np.ascontiguousarray(x)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return model.predict(rows[first])[inverse.ravel()]
