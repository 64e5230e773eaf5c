"""The payout curve: tiered pay on a value, in exact decimal money.

``tiered_pay(value, tiers, *, mode, threshold, cap)`` implements the formulas of
../shared/METHODS.md (incentive pay). ``tiers`` is a sequence of ``(lower_bound, rate)``
pairs in strictly ascending order of bound; tier t runs from its lower bound l_t to the next
bound u_t (the last one without end).

- marginal: pay = Σ_t rate_t · max(0, min(S, u_t) − l_t) — each rate on the part of the value
  inside its tier (a tax-bracket schedule);
- retroactive: pay = rate_T · S, where T is the highest tier whose lower bound S reaches — the
  reached tier's rate on the whole value (nothing below the first bound);
- nothing is paid when S < ``threshold``; the pay never exceeds ``cap``.

Accelerators and decelerators are tiers on a value in money: variable pay P at target on an
attainment a is the value a · P with tiers ``[(0, 1), (P, 1.5)]`` (1.5x above target) or
``[(0, 0.5), (P / 2, 1)]`` (0.5x below 50 %).

Arithmetic is exact (:class:`decimal.Decimal`, 28 significant digits; floats are read
through their shortest decimal form, so 0.05 is 0.05) and the pay is rounded once, at the
end, to the cent, half away from zero (``ROUND_HALF_UP`` in Python's decimal module, which
rounds halves away from zero for negative amounts too) — the rule of Council Regulation (EC)
No 1103/97, art. 5, for amounts in euro: "rounded up or down to the nearest cent ... if the
application of the conversion rate gives a result which is exactly half-way, the sum shall be
rounded up".
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Literal

from saleskpi.errors import UsageError

__all__ = ["CENT", "Tier", "check_tiers", "raw_pay", "reached_tier", "tiered_pay", "to_decimal"]

CENT = Decimal("0.01")
Mode = Literal["marginal", "retroactive"]
Tier = tuple[Decimal, Decimal]


def to_decimal(x, what: str) -> Decimal:
    """``x`` (int, float, str or Decimal) as an exact Decimal; a float through its shortest
    repr (0.05 -> Decimal('0.05'), not the binary expansion). UsageError when it is not a
    finite number."""
    if isinstance(x, bool):
        raise UsageError(f"{what} must be a number, got {x!r}.")
    try:
        d = x if isinstance(x, Decimal) else Decimal(repr(x) if isinstance(x, float) else str(x))
    except (InvalidOperation, ValueError, TypeError):
        raise UsageError(f"{what} must be a number, got {x!r}.") from None
    if not d.is_finite():
        raise UsageError(f"{what} must be a finite number, got {x!r}.")
    return d


def check_tiers(tiers: Sequence[Sequence], *, allow_negative: bool = False) -> list[Tier]:
    """``tiers`` validated into ``[(Decimal lower_bound, Decimal rate), ...]``.

    Refused (UsageError, the message names the tier and the fix): no tier, a tier that is not a
    (lower_bound, rate) pair, bounds not strictly ascending, a negative rate (a clawback is a
    manual adjustment, not a rate; ``allow_negative`` lifts this for a curve that may deduct)."""
    # a plan's tiers are checked once per rep and period: the same tiers answer from the cache
    if isinstance(tiers, (list, tuple)) and all(isinstance(t, (list, tuple)) and len(t) == 2 for t in tiers):
        key = tuple((type(a), a, type(b), b) for a, b in tiers)
        try:
            hash(key)
        except TypeError:
            return _check_tiers(tiers, allow_negative)
        return list(_checked_tiers(key, allow_negative))
    return _check_tiers(tiers, allow_negative)


@functools.lru_cache(maxsize=256)
def _checked_tiers(key: tuple, allow_negative: bool) -> tuple[Tier, ...]:
    return tuple(_check_tiers([(a, b) for _, a, _, b in key], allow_negative))


def _check_tiers(tiers: Sequence[Sequence], allow_negative: bool) -> list[Tier]:
    if isinstance(tiers, (str, bytes)) or not isinstance(tiers, Iterable):
        raise UsageError(f"tiers must be a list of (lower_bound, rate) pairs, such as [(0, 0.05), "
                         f"(100000, 0.06)]; got {tiers!r}.")
    out: list[Tier] = []
    for i, tier in enumerate(tiers, start=1):
        if isinstance(tier, (str, bytes)) or not isinstance(tier, Sequence) or len(tier) != 2:
            raise UsageError(f"tier #{i} must be a (lower_bound, rate) pair, such as (100000, 0.06); got {tier!r}.")
        bound, rate = to_decimal(tier[0], f"tier #{i} lower bound"), to_decimal(tier[1], f"tier #{i} rate")
        if out and bound <= out[-1][0]:
            raise UsageError(f"tier #{i} starts at {bound}, not above tier #{i - 1}'s {out[-1][0]}: give the "
                             "tiers in strictly ascending order of lower bound, each bound once.")
        if rate < 0 and not allow_negative:
            raise UsageError(f"tier #{i} has the negative rate {rate}: give a rate >= 0 (book a clawback "
                             "as an adjustment with its reason).")
        out.append((bound, rate))
    if not out:
        raise UsageError("tiers is empty: give at least one (lower_bound, rate) pair, such as [(0, 0.05)].")
    return out


def raw_pay(value: Decimal, tiers: list[Tier], mode: Mode) -> Decimal:
    """The curve's pay on ``value`` before threshold, cap and rounding (exact)."""
    if mode == "marginal":
        pay = Decimal(0)
        for t, (low, rate) in enumerate(tiers):
            high = tiers[t + 1][0] if t + 1 < len(tiers) else None
            top = value if high is None else min(value, high)
            if top > low:
                pay += rate * (top - low)
        return pay
    reached = [rate for low, rate in tiers if value >= low]
    return reached[-1] * value if reached else Decimal(0)


def reached_tier(value: Decimal, tiers: list[Tier]) -> Tier | None:
    """The highest tier whose lower bound ``value`` reaches (None below the first)."""
    reached = [t for t in tiers if value >= t[0]]
    return reached[-1] if reached else None


def _pay_one(value: Decimal, tiers: list[Tier], mode: Mode, threshold: Decimal | None,
             cap: Decimal | None) -> Decimal:
    if threshold is not None and value < threshold:
        return Decimal(0).quantize(CENT)
    pay = raw_pay(value, tiers, mode)
    if cap is not None and pay > cap:
        pay = cap
    return pay.quantize(CENT, rounding=ROUND_HALF_UP)


def _is_missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or (isinstance(x, Decimal) and x.is_nan())


def tiered_pay(value, tiers: Sequence[Sequence], *, mode: Mode = "marginal", threshold=None, cap=None):
    """The pay on ``value`` by the curve ``tiers`` (see the module for the formulas).

    ``value`` is one number (-> one Decimal, rounded to the cent) or many (a list, a numpy
    array or a pandas Series: the tiers are checked once and the answer is a list of Decimals,
    a Series with the same index for a Series); a missing value (None, NaN) gives None —
    unknown, never 0. ``threshold`` is in the units of ``value``, ``cap`` in the units of the
    pay. Refused with UsageError: an unknown mode, bad tiers (:func:`check_tiers`), a negative
    cap.

    >>> tiered_pay(150_000, [(0, 0.05), (100_000, 0.06), (125_000, 0.07)])
    Decimal('8250.00')
    """
    if mode not in ("marginal", "retroactive"):
        raise UsageError(f"mode must be 'marginal' or 'retroactive', got {mode!r}.")
    checked = check_tiers(tiers)
    floor = None if threshold is None else to_decimal(threshold, "threshold")
    ceiling = None if cap is None else to_decimal(cap, "cap")
    if ceiling is not None and ceiling < 0:
        raise UsageError(f"cap must be >= 0 (the most the curve pays), got {ceiling}.")

    def one(v):
        return None if _is_missing(v) else _pay_one(to_decimal(v, "value"), checked, mode, floor, ceiling)

    if isinstance(value, (str, bytes, int, float, Decimal)) or value is None:
        return one(value)
    try:
        import pandas as pd

        if isinstance(value, pd.Series):
            return pd.Series([one(v) for v in value.tolist()], index=value.index, dtype=object, name=value.name)
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    if hasattr(value, "tolist"):  # a numpy array
        value = value.tolist()
    if isinstance(value, Iterable):
        return [one(v) for v in value]
    return one(value)
