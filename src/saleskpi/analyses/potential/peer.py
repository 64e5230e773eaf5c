"""The peer-wallet method of the potential analysis (Perlich, Rosset, Lawrence & Zadrozny, KDD
2007, pp. 977-985, the IBM MAP approach): a customer's wallet as a high conditional quantile of
spend given its firmographics, fitted with the quantile (pinball) loss
rho_tau(r) = tau*r - r*1(r < 0) on log spend by gradient-boosted trees."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from saleskpi.lock import CACHE_DIR, PRIVATE_FILE, private_dir

#: The peer-wallet model is fitted on at least this many buying customers of a line.
MIN_PEER_BUYERS = 50
#: Gradient-boosting settings of the peer-wallet quantile model: small trees, a fixed number
#: of rounds and a fixed seed, so that the same data always give the same estimate.
PEER_MODEL = dict(max_iter=150, learning_rate=0.1, max_leaf_nodes=15, min_samples_leaf=20, early_stopping=False,
                  random_state=0)


#: The workspace's folder of peer-wallet predictions kept between runs (:class:`PeerFits`).
FITS_DIR = Path(CACHE_DIR) / "peer"
#: Bumped when what a kept prediction means changes (the features, the target, the model).
FITS_VERSION = 1


class PeerFits:
    """The peer-wallet predictions of earlier runs, reused while what they were fitted on is
    unchanged: a fit's key is a SHA-256 of everything that decides its prediction (the
    features of every customer of the line, which of them trained it and their log spend, the
    categorical flags, the quantile, :data:`PEER_MODEL`, the scikit-learn and numpy versions,
    :data:`FITS_VERSION`), its value the predicted wallet of each customer (a ``.npy`` file of
    float64, read without pickle). The trees are fitted with a fixed seed on one thread, so a
    kept prediction is the one a new fit would give, to the bit. Each run keeps only the
    predictions it used (:meth:`prune`); ``folder`` None keeps nothing."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.reused = self.fitted = 0

    def key(self, x: np.ndarray, train: np.ndarray, target: np.ndarray, categorical: list[bool],
            quantile: float) -> str:
        import sklearn

        head = {"version": FITS_VERSION, "sklearn": sklearn.__version__, "numpy": np.__version__,
                "model": PEER_MODEL, "quantile": float(quantile), "categorical": categorical, "shape": x.shape}
        digest = hashlib.sha256(json.dumps(head, sort_keys=True).encode())
        for array in (x, train, target):
            digest.update(np.ascontiguousarray(array).tobytes())
        return digest.hexdigest()

    def get(self, key: str, rows: int) -> np.ndarray | None:
        """The kept prediction of ``key`` (``rows`` values), or None."""
        self.used.add(key)
        if self.folder is None:
            return None
        try:
            values = np.load(self.folder / f"{key}.npy", allow_pickle=False)
        except (OSError, ValueError):  # not kept, or unreadable: fit again
            return None
        if values.dtype != np.float64 or values.shape != (rows,):
            return None
        self.reused += 1
        return values

    def put(self, key: str, values: np.ndarray) -> None:
        """Keep ``values`` under ``key``: written to a private file beside it, then renamed."""
        self.fitted += 1
        if self.folder is None:
            return
        private_dir(self.folder.parent)  # both owner-only (mkdir gives the mode to the last folder only)
        private_dir(self.folder)
        partial = self.folder / f"{key}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), PRIVATE_FILE)
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, np.asarray(values, dtype=np.float64), allow_pickle=False)
        os.replace(partial, self.folder / f"{key}.npy")

    def prune(self) -> None:
        """Remove the kept predictions this run did not use (the folder holds only saleskpi's own
        files: nothing a user made)."""
        if self.folder is None or not self.folder.is_dir():
            return
        for path in self.folder.iterdir():
            if path.suffix in (".npy", ".partial") and path.stem not in self.used:
                path.unlink(missing_ok=True)


def _features(part: pd.DataFrame, drivers: list[str]) -> np.ndarray:
    cols = [np.log1p(part[d].clip(lower=0).to_numpy(dtype=float)) for d in drivers]
    for cat in ("industry", "size_band"):
        codes = part[cat].astype("category").cat.codes.to_numpy(dtype=float)
        codes[codes < 0] = np.nan
        cols.append(codes)
    return np.column_stack(cols) if cols else np.zeros((len(part), 0))


def _fit_predict(x: np.ndarray, train: np.ndarray, target_log: np.ndarray, categorical: list[bool],
                 quantile: float) -> np.ndarray:
    """One peer model fitted on the rows ``train`` of ``x`` (log spend ``target_log``) and the
    wallet it predicts for every row, on one OpenMP thread of the calling thread: each boosting
    iteration runs many short parallel regions whose threads wait for each other when other work
    holds a core (a fit took 10x longer with two threads than with one on 2 busy cores). The
    fitted trees are the same on any number of threads."""
    from sklearn.ensemble import HistGradientBoostingRegressor
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    with threadpool_limits(limits=1, user_api="openmp"):
        model = HistGradientBoostingRegressor(loss="quantile", quantile=quantile,
                                              categorical_features=categorical, **PEER_MODEL)
        model.fit(x[train], target_log)
        return np.exp(_predict_distinct(model, x))


def peer_estimate(frame: pd.DataFrame, drivers: list[str], quantile: float,
                  fits: PeerFits | None = None) -> pd.DataFrame:
    """Perlich et al. (2007) wallet: the tau-quantile of log spend given firmographics.
    ``fits``: predictions kept from earlier runs, reused where their inputs are the same
    (:class:`PeerFits`). The fits that are not kept (a line's value and volume, each line) run
    side by side, one per core (:func:`_fit_predict`: scikit-learn's trees release the GIL)."""
    fits = fits if fits is not None else PeerFits(None)
    out = pd.DataFrame(np.nan, index=frame.index, columns=["peer_value", "peer_volume"])
    if not drivers and frame["industry"].isna().all() and frame["size_band"].isna().all():
        return out  # no firmographics at all: nothing to fit (and scikit-learn not imported, 1-2 s)
    n_cat = 2
    used = ["business_line", "industry", "size_band", "turnover_value_12m", "turnover_volume_12m", *drivers]
    jobs = []  # (customers of the line, column, the fit's arguments, key)
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
            target_log = np.log(y[train])
            jobs.append((part.index, column, (x, train, target_log, categorical, quantile),
                         fits.key(x, train, target_log, categorical, quantile)))
    wallets = [fits.get(key, len(args[0])) for _, _, args, key in jobs]
    todo = [i for i, wallet in enumerate(wallets) if wallet is None]
    if todo:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(1, min(len(todo), os.cpu_count() or 1))) as pool:
            for i, wallet in zip(todo, pool.map(lambda i: _fit_predict(*jobs[i][2]), todo)):
                wallets[i] = wallet
                fits.put(jobs[i][3], wallet)
    for (index, column, _, _), wallet in zip(jobs, wallets):
        # features that vary but explain nothing give trees without a split: one constant for
        # everybody again, no estimate of anyone's wallet
        if not np.allclose(wallet, wallet[0]):
            out.loc[index, column] = wallet
    return out


def _predict_distinct(model, x: np.ndarray) -> np.ndarray:
    """``model.predict(x)``, predicting each distinct row once: many customers share the same
    firmographics (at 100,000 customers, 40,000 distinct rows), and trees cost per row."""
    rows = np.ascontiguousarray(x)
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    return model.predict(rows[first])[inverse.ravel()]
