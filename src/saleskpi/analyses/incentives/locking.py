"""Locked periods: a statement of a closed period never changes silently (docs/incentives.md).

``[incentives] closed_through = "2025"`` (a period label of the workspace's [sales] period) closes
that period and every earlier one. When the period a run computes is closed, each rep's
statement is compared with the newest version the previous run stored for that plan, period and
rep (``ctx.previous_result``): unchanged, the stored rows are kept as they are; changed (a late
invoice, a corrected target), the stored versions are kept and the recomputation is added beside
them as the next version, its note saying what changed. A statement first computed after its
period closed is version 1 and says so. Rows of an open period are version 1.
"""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

from saleskpi.definitions import config_error

__all__ = ["check_closed_through", "is_closed", "lock", "lock_team_totals"]

_LABEL = {"year": (r"\d{4}", "2025"), "quarter": (r"\d{4}-Q[1-4]", "2025-Q2"),
          "month": (r"\d{4}-(0[1-9]|1[0-2])", "2025-06")}


def check_closed_through(value: str | None, granularity: str, source: str) -> str | None:
    """``closed_through`` checked against the period's label form (ConfigError naming the
    settings file and the key)."""
    if value is None:
        return None
    pattern, example = _LABEL[granularity]
    if not re.fullmatch(pattern, value):
        raise config_error(source, "setting", [
            f"incentives.closed_through: '{value}' is not a {granularity} as the periods are labelled ([sales] "
            f"period = \"{granularity}\"); write it like \"{example}\""])
    return value


def is_closed(label: str, closed_through: str | None) -> bool:
    """Whether the period ``label`` is closed (labels of one granularity sort in time order)."""
    return closed_through is not None and label <= closed_through


def _signature(rows: list[dict]) -> list[tuple]:
    return sorted((r["step"], r["component"] or "", r.get("actual"), r.get("target"), r.get("pay")) for r in rows)


def lock(previous: tuple[list[dict], list[dict]] | None, rows: list[dict], totals: list[dict], *, label: str,
         closed_through: str | None, warn=lambda message: None) -> tuple[list[dict], list[dict]]:
    """``rows`` and ``totals`` (statements and totals of the period ``label``) with their
    ``version``, the locked rows of ``previous`` (the previous run's statement and total rows)
    kept beside them when the period is closed; ``warn`` is told of every new version."""
    if not is_closed(label, closed_through):
        return [r | {"version": 1} for r in rows], [t | {"version": 1} for t in totals]
    old_rows, old_totals = previous or ([], [])
    old_rows = [r | {"version": r.get("version") or 1} for r in old_rows if r["period"] == label]
    old_totals = [t | {"version": t.get("version") or 1} for t in old_totals if t["period"] == label]
    by_rep: dict[tuple, list[dict]] = defaultdict(list)
    for r in old_rows:
        by_rep[(r["plan"], r["rep_id"])].append(r)
    total_of = {(t["plan"], t["rep_id"], t["version"]): t for t in old_totals}
    new_rows: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        new_rows[(r["plan"], r["rep_id"])].append(r)
    out_rows, out_totals = list(old_rows), list(old_totals)
    closed = f"{label} is closed ([incentives] closed_through = \"{closed_through}\")"
    changed = []
    for t in totals:
        key = (t["plan"], t["rep_id"])
        mine = new_rows.get(key, [])
        stored = by_rep.get(key)
        if not stored:
            note = f"version 1: first computed after {closed}"
            out_rows += [r | {"version": 1, "note": _join(r.get("note"), note)} for r in mine]
            out_totals.append(t | {"version": 1, "note": _join(t.get("note"), note)})
            continue
        last = max(r["version"] for r in stored)
        newest = [r for r in stored if r["version"] == last]
        before = total_of.get((*key, last), {})
        if _signature(newest) == _signature(mine) and before.get("total_pay") == t["total_pay"]:
            continue  # unchanged: the stored version stands
        note = (f"version {last + 1}: recomputed after {closed}; differs from version {last}: total_pay "
                f"{_shown(before.get('total_pay'))} -> {_shown(t['total_pay'])}")
        out_rows += [r | {"version": last + 1, "note": _join(r.get("note"), note)} for r in mine]
        out_totals.append(t | {"version": last + 1, "note": _join(t.get("note"), note)})
        changed.append(f"{t['rep_id']} ({t['plan']}) version {last + 1}")
    if changed:
        warn(f"{len(changed)} statement(s) of the closed period {label} changed when recomputed and are stored as a "
             f"new version beside the kept one: {', '.join(changed[:5])}{'...' if len(changed) > 5 else ''}; "
             "incentive-totals.note says what changed.")
    return out_rows, out_totals


#: What a team's total row is compared on: a recomputation that changes any of these is a new version.
_TEAM_FIGURES = ("reps_paid", "target_pay", "components_pay", "pools_pay", "adjustments_value", "total_pay")


def lock_team_totals(previous: list[dict] | None, rows: list[dict], *, label: str, closed_through: str | None,
                     warn=lambda message: None) -> list[dict]:
    """The team total ``rows`` of the period ``label`` with their ``version``, as :func:`lock` does
    for the reps' statements: in a closed period the previous run's team rows (``previous``) are kept
    as stored, and a team whose recomputed sums differ from its newest stored version gets the
    recomputation beside it as the next version, its note saying what changed."""
    if not is_closed(label, closed_through):
        return [r | {"version": 1} for r in rows]
    kept = [r | {"version": r.get("version") or 1} for r in previous or [] if r["period"] == label]
    newest: dict[tuple, dict] = {}
    for r in kept:
        key = (r["plan"], r["team_id"])
        if key not in newest or r["version"] > newest[key]["version"]:
            newest[key] = r
    closed = f"{label} is closed ([incentives] closed_through = \"{closed_through}\")"
    out, changed = list(kept), []
    for r in rows:
        stored = newest.get((r["plan"], r["team_id"]))
        if stored is None:
            out.append(r | {"version": 1, "note": _join(r.get("note"), f"version 1: first computed after {closed}")})
        elif any(stored.get(c) != r.get(c) for c in _TEAM_FIGURES):
            last = stored["version"]
            out.append(r | {"version": last + 1, "note": _join(r.get("note"), (
                f"version {last + 1}: recomputed after {closed}; differs from version {last}: total_pay "
                f"{_shown(stored.get('total_pay'))} -> {_shown(r.get('total_pay'))}"))})
            changed.append(f"{r['team_id'] or '(no team)'} ({r['plan']}) version {last + 1}")
    if changed:
        warn(f"{len(changed)} team total(s) of the closed period {label} changed when recomputed and are stored as a "
             f"new version beside the kept one: {', '.join(changed[:5])}{'...' if len(changed) > 5 else ''}; "
             "incentive-team-totals.note says what changed.")
    return out


def _shown(x) -> str:
    return "empty" if x is None else str(x)


def _join(a: str | None, b: str) -> str:
    return b if not a else f"{a}; {b}"


def previous_rows(ctx, names: tuple[str, ...], columns: tuple[dict, ...]) -> tuple[list, ...] | None:
    """The previous run's rows of each result of ``names`` (only its declared ``columns``), or
    None when one of them was not stored."""
    tables = [ctx.previous_result(name) for name in names]
    if any(t is None for t in tables):
        return None
    return tuple(t.select(*[c for c in types if c in t.columns]).to_pyarrow().to_pylist()
                 for t, types in zip(tables, columns))


def settings_file(ctx) -> str:
    return str(Path(ctx.ws.path) / "settings.toml")
