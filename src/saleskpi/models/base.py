"""What every customer-lifetime model shares: the estimator contract, input reading, the fit.

A model follows the scikit-learn estimator contract: the constructor only stores
hyper-parameters (``penalizer``, ``maxiter``, ``tol``), ``fit`` validates its input, estimates
the parameters by maximum likelihood and returns ``self``; learned values end in ``_``
(``params_``, ``log_likelihood_``, ``standard_errors_``); a prediction on an unfitted model
raises :class:`saleskpi.errors.NotFittedError`.

The fit maximises the log-likelihood over the logarithms of the parameters (so they stay
positive) with L-BFGS-B and the model's analytic gradient; on large data (more than 40,000
distinct rows) from the optimum of an evenly spread subsample, in coordinates where the
subsample's curvature there is the identity, so that the full data take a few evaluations.
The objective is lifetimes' (Davidson-Pilon, lifetimes 0.11): ``-LL / n_customers + penalizer * sum(params ** 2)``. Standard
errors are the square roots of the diagonal of the inverse Hessian of the total objective
``-LL + n_customers * penalizer * sum(params ** 2)`` in the parameters themselves, taken by
central differences of the analytic gradient at the optimum (with ``penalizer=0`` this is the
observed information matrix).
"""

from __future__ import annotations

import contextlib
import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.optimize import minimize

from saleskpi.errors import NotFittedError, SaleskpiError, UsageError

__all__ = ["ConvergenceError", "Encoded", "LifetimeModel", "aggregate", "read_columns"]

#: Data with more distinct rows than this get a rough fit on an evenly spread subsample of this
#: size first, as the starting point of the full fit.
WARM_START_ROWS = 20_000

#: Bounds of the log-parameters: exp(+-30) = 1e13 / 1e-13 keeps every term finite. A fit that
#: ends on a bound has no interior optimum (the data push a parameter to 0 or infinity).
_LOG_BOUND = 30.0


class ConvergenceError(SaleskpiError):
    """The maximum-likelihood fit of a model did not converge; carries the optimizer's message."""

    def __init__(self, message: str, *, optimizer_message: str = "") -> None:
        super().__init__(message)
        self.optimizer_message = optimizer_message


LogLikelihood = Callable[[np.ndarray], tuple[float, np.ndarray]]


class LifetimeModel:
    """Base class: hyper-parameters, the fitted check, the maximum-likelihood fit.

    Subclasses set ``_param_names`` (the paper's names, in order) and ``_start`` (the default
    starting point of the fit), and call :meth:`_fit_params` from their ``fit``.
    """

    _param_names: tuple[str, ...] = ()
    _start: tuple[float, ...] = ()

    def __init__(self, *, penalizer: float = 0.0, maxiter: int = 2000, tol: float = 1e-9) -> None:
        self.penalizer = penalizer
        self.maxiter = maxiter
        self.tol = tol

    # --- the scikit-learn estimator protocol -----------------------------------------------

    @classmethod
    def _get_param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p.name for p in sig.parameters.values() if p.kind is p.KEYWORD_ONLY]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The hyper-parameters, as scikit-learn's ``get_params``."""
        return {name: getattr(self, name) for name in self._get_param_names()}

    def set_params(self, **params: Any) -> LifetimeModel:
        """Set hyper-parameters, as scikit-learn's ``set_params``; returns self."""
        valid = self._get_param_names()
        for name, value in params.items():
            if name not in valid:
                raise UsageError(
                    f"{type(self).__name__} has no parameter {name!r}; the parameters are "
                    f"{', '.join(valid)}."
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default
            for p in inspect.signature(type(self).__init__).parameters.values()
            if p.kind is p.KEYWORD_ONLY
        }
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if v != defaults.get(k)]
        return f"{type(self).__name__}({', '.join(changed)})"

    # --- shared checks -----------------------------------------------------------------------

    def _check_fitted(self) -> dict[str, float]:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(data) first.")
        return self.params_

    def _check_hyper_parameters(self) -> None:
        name = type(self).__name__
        pen = self.penalizer
        if isinstance(pen, bool) or not isinstance(pen, int | float) or not pen >= 0 or math.isinf(pen):
            raise UsageError(
                f"The 'penalizer' parameter of {name} must be a float >= 0. Got {pen!r} instead."
            )
        it = self.maxiter
        if isinstance(it, bool) or not isinstance(it, int | np.integer) or it < 1:
            raise UsageError(
                f"The 'maxiter' parameter of {name} must be an int >= 1. Got {it!r} instead."
            )
        tol = self.tol
        if isinstance(tol, bool) or not isinstance(tol, int | float) or not tol > 0:
            raise UsageError(f"The 'tol' parameter of {name} must be a float > 0. Got {tol!r} instead.")

    # --- the fit -----------------------------------------------------------------------------

    def _fit_params(
        self,
        loglik: LogLikelihood,
        n_customers: float,
        warm: Sequence[tuple[LogLikelihood, float]] = (),
    ) -> None:
        """Maximise ``loglik`` and set ``params_``, ``log_likelihood_``, ``standard_errors_``.

        ``loglik(params)`` returns the total log-likelihood and its gradient with respect to
        the (natural) parameters, for a float array in the order of ``_param_names``. ``warm``,
        the same for an evenly spread subsample of the data (and its number of customers), is
        fitted first from the default start, roughly, to start the full fit near the optimum:
        on large data that saves most of the expensive full evaluations.
        """
        self._check_hyper_parameters()
        with _one_blas_thread():
            self._fit_on_one_thread(loglik, n_customers, warm)

    def _fit_on_one_thread(
        self,
        loglik: LogLikelihood,
        n_customers: float,
        warm: Sequence[tuple[LogLikelihood, float]],
    ) -> None:
        x0 = np.log(np.asarray(self._start, dtype=float))
        warmed = None
        for warm_loglik, warm_n in warm:
            first = self._minimize(warm_loglik, warm_n, x0, gtol=max(float(self.tol), 1e-7))
            if first.success and np.all(np.abs(first.x) < _LOG_BOUND - 1):
                x0, warmed = first.x, (warm_loglik, warm_n)
        res = None
        if warmed is not None:
            res = self._minimize_preconditioned(loglik, n_customers, x0, *warmed)
        if res is None:
            res = self._minimize(loglik, n_customers, x0, gtol=float(self.tol))
        message = res.message if isinstance(res.message, str) else str(res.message)
        grad_norm = float(np.max(np.abs(res.jac))) if res.jac is not None else math.inf
        # L-BFGS-B reports a failed line search when it can no longer improve the objective in
        # floating point; at a point whose gradient is already tiny that is convergence.
        stalled_at_optimum = "ABNORMAL" in message.upper() and grad_norm < 1e-5 and res.nit > 0
        if not (res.success or stalled_at_optimum) or not np.isfinite(res.fun) or res.fun >= 1e300:
            raise ConvergenceError(
                f"{type(self).__name__} did not converge: the optimizer (L-BFGS-B) stopped after "
                f"{res.nit} iterations with the message {message!r}. Raise 'maxiter' (now "
                f"{self.maxiter}), add a small 'penalizer', or check the data.",
                optimizer_message=message,
            )
        params = np.exp(res.x)
        ll, grad = loglik(params)
        self.params_ = {k: float(v) for k, v in zip(self._param_names, params, strict=True)}
        self.log_likelihood_ = float(ll)
        self.n_iterations_ = int(res.nit)
        pen_total = float(self.penalizer) * float(n_customers)
        self.standard_errors_ = self._standard_errors(loglik, params, grad, pen_total)

    def _minimize(self, loglik: LogLikelihood, n_customers: float, x0: np.ndarray, *, gtol: float):
        return minimize(
            self._objective(loglik, n_customers),
            x0,
            jac=True,
            method="L-BFGS-B",
            bounds=[(-_LOG_BOUND, _LOG_BOUND)] * len(x0),
            options={"maxiter": int(self.maxiter), "gtol": gtol, "ftol": 1e-14},
        )

    def _objective(self, loglik: LogLikelihood, n_customers: float):
        """The objective in log-parameters and its gradient (see the module docstring)."""
        pen = float(self.penalizer)
        scale = 1.0 / float(n_customers)

        def objective(log_params: np.ndarray) -> tuple[float, np.ndarray]:
            params = np.exp(log_params)
            ll, grad = loglik(params)
            f = -ll * scale + pen * float(params @ params)
            g = (-grad * scale + 2.0 * pen * params) * params
            if not (np.isfinite(f) and np.all(np.isfinite(g))):
                # steer the line search away from a point where the terms no longer hold
                return 1e300, np.zeros_like(log_params)
            return f, g

        return objective

    def _minimize_preconditioned(self, loglik: LogLikelihood, n_customers: float, x0: np.ndarray,
                                 warm_loglik: LogLikelihood, warm_n: float):
        """The full fit from the warm start ``x0`` in coordinates where the warm objective's
        curvature is the identity: y = L^T (x - x0), with H = L L^T the Hessian (in
        log-parameters, by forward differences of the analytic gradient) of the subsample's
        objective at its optimum ``x0``. The objective is a mean per customer, so the
        subsample's curvature is close to the full data's, and L-BFGS-B, which otherwise spends
        most of its iterations learning that curvature, needs a few full evaluations instead of
        15 or so (on 1M customers: 6 instead of 16). Stops on the same gradient tolerance,
        measured in x. None (the caller then fits as before) when that Hessian is not positive
        definite or the search does not converge inside the bounds."""
        warm_objective = self._objective(warm_loglik, warm_n)
        k = len(x0)
        g0 = warm_objective(x0)[1]
        hess = np.empty((k, k))
        for j in range(k):
            step = x0.copy()
            step[j] += 1e-5
            hess[:, j] = (warm_objective(step)[1] - g0) / 1e-5
        try:
            chol = np.linalg.cholesky(0.5 * (hess + hess.T))
        except np.linalg.LinAlgError:
            return None
        to_x = np.linalg.inv(chol).T  # x = x0 + to_x @ y
        if not np.all(np.isfinite(to_x)):
            return None
        objective = self._objective(loglik, n_customers)

        def in_y(y: np.ndarray) -> tuple[float, np.ndarray]:
            x = x0 + to_x @ y
            if np.any(np.abs(x) > _LOG_BOUND):
                return 1e300, np.zeros_like(y)
            f, g = objective(x)
            return f, to_x.T @ g

        res = minimize(in_y, np.zeros(k), jac=True, method="L-BFGS-B",
                       options={"maxiter": int(self.maxiter), "gtol": float(self.tol), "ftol": 1e-14})
        x = x0 + to_x @ res.x
        f, g = objective(x)
        if not (res.success and f < 1e300 and np.all(np.abs(x) < _LOG_BOUND - 1)):
            return None
        res.x, res.fun, res.jac = x, f, g
        return res

    def _standard_errors(
        self, loglik: LogLikelihood, params: np.ndarray, grad: np.ndarray, pen_total: float
    ) -> dict[str, float]:
        """sqrt(diag(H^-1)), H = Hessian of -LL + pen_total * sum(params^2), by forward
        differences of the analytic gradient (relative step 1e-6)."""
        k = len(params)
        g0 = -grad + 2.0 * pen_total * params
        hess = np.empty((k, k))
        for j in range(k):
            h = 1e-6 * params[j]
            up = params.copy()
            up[j] += h
            hess[:, j] = ((-loglik(up)[1] + 2.0 * pen_total * up) - g0) / h
        hess = 0.5 * (hess + hess.T)
        se = np.full(k, np.nan)
        if np.all(np.isfinite(hess)):
            try:
                cov = np.linalg.inv(hess)
            except np.linalg.LinAlgError:
                cov = None
            if cov is not None:
                diag = np.diag(cov)
                ok = diag > 0
                se[ok] = np.sqrt(diag[ok])
        return {name: float(v) for name, v in zip(self._param_names, se, strict=True)}


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Run BLAS (and OpenMP) on one thread for the duration of a fit.

    The fit's products are small (a few milliseconds) and L-BFGS-B calls BLAS on 4-vectors;
    OpenBLAS's threads on a machine whose cores are busy wait on each other: on 2 shared cores
    the Pareto/NBD fit of 100,000 customers took 0.64-0.83 s with OpenBLAS's default threads
    and 0.42 s on one. threadpoolctl comes with scikit-learn; without it nothing is limited.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn requires threadpoolctl
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


# --- reading inputs ----------------------------------------------------------------------------


def _to_columnar(data: object) -> Callable[[str], np.ndarray | None]:
    """A getter ``name -> numpy array or None`` for a DataFrame, Ibis/Arrow table or mapping."""
    if hasattr(data, "to_pyarrow") and not hasattr(data, "column_names"):
        data = data.to_pyarrow()  # an Ibis table (or expression) is executed here
    if hasattr(data, "column_names") and hasattr(data, "column"):  # pyarrow.Table
        names = set(data.column_names)

        def get_arrow(name: str) -> np.ndarray | None:
            if name not in names:
                return None
            col = data.column(name)
            return np.asarray(col.to_numpy(zero_copy_only=False), dtype=object if col.null_count else None)

        return get_arrow
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):  # pandas DataFrame
        cols = set(map(str, data.columns))

        def get_frame(name: str) -> np.ndarray | None:
            return np.asarray(data[name]) if name in cols else None

        return get_frame
    if isinstance(data, Mapping):

        def get_mapping(name: str) -> np.ndarray | None:
            return np.atleast_1d(np.asarray(data[name])) if name in data else None

        return get_mapping
    raise UsageError(
        f"Expected a pandas DataFrame, an Ibis or Arrow table or a mapping of columns; got a "
        f"{type(data).__name__}. Build the summary with saleskpi.analyses.clv.rfm_summary."
    )


def read_columns(
    data: object,
    required: Sequence[str],
    optional: Sequence[str] = (),
    *,
    owner: str,
) -> dict[str, np.ndarray]:
    """The named columns of ``data`` as float arrays; refuses a missing, null or non-numeric one.

    Optional columns that are absent are left out of the result.
    """
    get = _to_columnar(data)
    out: dict[str, np.ndarray] = {}
    missing = []
    for name in list(required) + list(optional):
        raw = get(name)
        if raw is None:
            if name in required:
                missing.append(name)
            continue
        try:
            arr = np.asarray(raw, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise UsageError(
                f"{owner}: column {name!r} must be numeric; found values of type "
                f"{np.asarray(raw).dtype}. Convert it to numbers."
            ) from None
        bad = ~np.isfinite(arr)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise UsageError(
                f"{owner}: column {name!r} must be finite numbers; {int(bad.sum())} value(s) are "
                f"missing or infinite (the first at position {i}). Drop or fill those rows."
            )
        out[name] = arr
    if missing:
        raise UsageError(
            f"{owner}: the data has no column {', '.join(repr(m) for m in missing)}; expected the "
            f"columns {', '.join(repr(c) for c in required)}. Build them with "
            f"saleskpi.analyses.clv.rfm_summary."
        )
    lengths = {len(v) for v in out.values()}
    if len(lengths) > 1:
        raise UsageError(f"{owner}: the columns have different lengths {sorted(lengths)}.")
    return out


def refuse(owner: str, mask: np.ndarray, what: str, fix: str, values: Mapping[str, np.ndarray]) -> None:
    """Raise a UsageError naming how many rows break ``what`` and the first of them."""
    if not mask.any():
        return
    i = int(np.flatnonzero(mask)[0])
    shown = ", ".join(f"{k} {v[i]:g}" for k, v in values.items())
    raise UsageError(
        f"{owner}: {what}; {int(mask.sum())} row(s) are not (the first at position {i}: {shown}). {fix}"
    )


def check_rfm(owner: str, cols: Mapping[str, np.ndarray], *, time_name: str = "T") -> None:
    """The checks every frequency/recency/T summary must pass (and weights when given)."""
    x, tx, big_t = cols["frequency"], cols["recency"], cols[time_name]
    shown = {"frequency": x, "recency": tx, time_name: big_t}
    refuse(owner, (x < 0) | (x != np.floor(x)), "'frequency' must be a whole number >= 0",
           "Frequency counts repeat purchases.", shown)
    refuse(owner, tx < 0, "'recency' must be >= 0", "Recency is the age at the last purchase.", shown)
    refuse(owner, tx > big_t, f"'recency' must be <= '{time_name}'",
           "Recency cannot exceed the customer's age; check the observation end.", shown)
    refuse(owner, (x == 0) & (tx != 0), "'recency' must be 0 where 'frequency' is 0",
           "A customer without repeat purchases has recency 0.", shown)
    if "weights" in cols:
        w = cols["weights"]
        refuse(owner, w < 0, "'weights' must be >= 0", "Weights count identical customers.",
               {"weights": w})
        if not w.sum() > 0:
            raise UsageError(f"{owner}: the weights add up to 0; there is nothing to fit.")
    if len(x) == 0:
        raise UsageError(f"{owner}: the data has no rows; there is nothing to fit.")


def _factorize(col: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``col`` (sorted) and each element's index among them."""
    n = len(col)
    if n and col.min() >= 0 and col.max() < 4 * n + 1_000_000:
        as_int = col.astype(np.int64)
        if np.array_equal(as_int, col):  # whole numbers in a small range: no sort needed
            present = np.bincount(as_int) > 0
            position = np.cumsum(present) - 1
            return np.flatnonzero(present).astype(float), position[as_int]
    if n > 200_000:
        # rfm_summary's weeks and months are whole days / 7 and / (365.25/12): find the days
        for unit in (7.0, 365.25 / 12.0):
            days = np.rint(col * unit)
            if np.array_equal(days / unit, col):
                values, codes = _factorize(days)
                return values / unit, codes
        # Usually few distinct values (ages in days): find most of them on an evenly spread
        # subsample, add the ones it missed, and look every value up (cheaper than a full sort).
        values = np.unique(col[:: max(1, n // 65_536)])
        codes = np.minimum(np.searchsorted(values, col), len(values) - 1)
        missed = values[codes] != col
        n_missed = int(np.count_nonzero(missed))
        if n_missed == 0:
            return values, codes
        if n_missed < n // 8:
            values = np.union1d(values, col[missed])
            return values, np.searchsorted(values, col)
    return np.unique(col, return_inverse=True)


class Encoded:
    """Rows collapsed to distinct ones, with their weights and per-column value codes.

    ``values[j]`` holds the distinct values of column j (sorted) and ``codes[j]`` the index of
    each aggregated row's value among them, so that a term depending on one column only is
    computed once per distinct value and gathered.
    """

    def __init__(self, columns: Sequence[np.ndarray], weights: np.ndarray | None = None) -> None:
        n = len(columns[0])
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        factors = [_factorize(np.asarray(c, dtype=float)) for c in columns]
        sizes = [len(u) for u, _ in factors]
        self.values = [u for u, _ in factors]
        if float(np.prod(np.array(sizes, dtype=float))) < 2.0**62:
            key = np.zeros(n, dtype=np.int64)
            for size, (_, code) in zip(sizes, factors, strict=True):
                key = key * size + code
            if weights is None:
                # Unweighted (the usual case): sorting the keys themselves is several times
                # cheaper than ordering the rows by them (argsort, then gathers at random
                # positions), and each column's code is a digit of the key in the mixed radix
                # of the sizes. Same rows, order and weights as the general path below.
                sorted_key = np.sort(key)
                change = np.ones(n, dtype=bool)
                change[1:] = sorted_key[1:] != sorted_key[:-1]
                starts = np.flatnonzero(change)
                self.weights = np.diff(np.append(starts, n)).astype(float)
                distinct = sorted_key[starts]
                codes = []
                for size in reversed(sizes):
                    distinct, digit = np.divmod(distinct, size)
                    codes.append(digit)
                self.codes = codes[::-1]
                self.columns = [u[c] for u, c in zip(self.values, self.codes, strict=True)]
                return
            order = np.argsort(key)  # rows with one key are identical: any order within it
            sorted_key = key[order]
            change = np.ones(n, dtype=bool)
            change[1:] = sorted_key[1:] != sorted_key[:-1]
        else:  # too many distinct combinations for one integer key
            order = np.lexsort([code for _, code in factors][::-1])
            change = np.ones(n, dtype=bool)
            change[1:] = False
            for _, code in factors:
                cs = code[order]
                change[1:] |= cs[1:] != cs[:-1]
        starts = np.flatnonzero(change)
        agg_w = np.add.reduceat(w[order], starts) if n else np.zeros(0)
        rows = order[starts][agg_w > 0]
        self.weights = agg_w[agg_w > 0]
        self.codes = [code[rows] for _, code in factors]
        self.columns = [u[c] for u, c in zip(self.values, self.codes, strict=True)]

    def __len__(self) -> int:
        return len(self.weights)

    def warm_start_subsamples(self) -> list[np.ndarray]:
        """Row indices of the evenly spread, deterministic subsamples to fit first, smallest first.

        None for small data; about WARM_START_ROWS rows, and on large data also an eighth of
        the rows, so that each stage starts close to its optimum.
        """
        n = len(self)
        sizes = [WARM_START_ROWS] if n > 2 * WARM_START_ROWS else []
        if n > 8 * 4 * WARM_START_ROWS:
            sizes.append(n // 8)
        return [np.arange(0, n, max(1, n // size)) for size in sizes]


def aggregate(*columns: np.ndarray, weights: np.ndarray | None = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Collapse identical rows into one with their summed weight; returns columns and weights."""
    enc = Encoded(columns, weights)
    return enc.columns, enc.weights
