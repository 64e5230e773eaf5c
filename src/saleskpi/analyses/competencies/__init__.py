"""Staff competencies (capability 10; docs/competencies.md): gaps against the role's model and
their association with KPI attainment.

The model is ``DIR/competencies.toml`` (:mod:`.model`); the scores are the latest assessment per
rep and competency (competency_assessments), rescaled to the model's scale. A rep misses a KPI
when its status at the rep is red or amber (the ``kpis`` result); the development focus is the
rep's largest gaps on the competencies linked to the KPIs missed. The association across reps
is Spearman's ρ with the Fisher-z interval of SE √(1.06/(n − 3)) (Fieller, Hartley & Pearson,
Biometrika 44, 1957) and Pearson's r with SE 1/√(n − 3) (Fisher 1921); with fewer than
[competencies] min_reps reps nothing is concluded. Reps are few, so this runs in memory.
"""

from __future__ import annotations

import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from saleskpi.analyses import Analysis, Context
from saleskpi.analyses.competencies.model import EXAMPLE_MODEL, MODEL_FILE, CompetencyModel, check_kpis, load_model
from saleskpi.analyses.competencies.results import COMPETENCIES, LINKS, RESULTS

__all__ = ["ANALYSIS", "EXAMPLE_MODEL", "MODEL_FILE", "CompetencyModel", "association", "gaps", "load_model"]

_GAP_TYPES = {"level": "string", "key": "string", "rep_id": "string", "team_id": "string", "role": "string",
              "competency": "string", "required_level": "float64", "score": "float64", "assessed_on": "date",
              "gap": "float64", "reps_assessed": "int64", "reps_below_required": "int64", "linked_kpis": "string",
              "kpis_missed": "string", "focus_rank": "int64", "development_focus": "boolean", "note": "string"}
_LINK_TYPES = {"competency": "string", "kpi": "string", "linked": "boolean", "kpi_figure": "string", "reps": "int64",
               "spearman_rho": "float64", "spearman_ci_low": "float64", "spearman_ci_high": "float64",
               "pearson_r": "float64", "pearson_ci_low": "float64", "pearson_ci_high": "float64", "spearman_pvalue": "float64",
               "conclusion": "string", "note": "string"}


def latest_scores(assessments: pd.DataFrame, scale_max: float) -> pd.DataFrame:
    """The latest assessment per rep and competency, score rescaled to ``scale_max``."""
    a = assessments.sort_values(["rep_id", "competency", "date"]).groupby(["rep_id", "competency"]).tail(1)
    top = a["scale_max"].fillna(5.0).astype(float)
    return a.assign(score=a["score"].astype(float) * scale_max / top).rename(columns={"date": "assessed_on"})[
        ["rep_id", "competency", "score", "assessed_on"]]


def gaps(model: CompetencyModel, reps: pd.DataFrame, scores: pd.DataFrame, missed: dict[str, set[str]],
         focus_count: int) -> pd.DataFrame:
    """The ``competencies`` rows: per rep of a modelled role each competency, then per team.

    ``missed``: rep_id -> the KPIs red or amber at the rep."""
    by = scores.set_index(["rep_id", "competency"])
    rows = []
    for rep in reps.sort_values("rep_id").itertuples():
        role = model.role.get(rep.role) if isinstance(rep.role, str) else None
        if role is None:
            continue
        own = []
        for name, q in sorted(role.competency.items()):
            found = by.loc[(rep.rep_id, name)] if (rep.rep_id, name) in by.index else None
            score = None if found is None else float(found["score"])
            gap = None if score is None else max(0.0, q.required - score)
            hit = sorted(set(q.kpis) & missed.get(rep.rep_id, set()))
            own.append({"level": "rep", "key": rep.rep_id, "rep_id": rep.rep_id, "team_id": rep.team_id,
                        "role": rep.role, "competency": name, "required_level": q.required, "score": score,
                        "assessed_on": None if found is None else found["assessed_on"], "gap": gap,
                        "reps_assessed": int(score is not None),
                        "reps_below_required": None if score is None else int(score < q.required),
                        "linked_kpis": ", ".join(q.kpis), "kpis_missed": ", ".join(hit) or None,
                        "note": None if score is not None else f"not assessed: no {name} score for {rep.rep_id} in "
                                                               "competency_assessments"})
        ranked = sorted((r for r in own if r["gap"] and r["kpis_missed"]), key=lambda r: (-r["gap"], r["competency"]))
        for i, r in enumerate(ranked, start=1):
            r["focus_rank"] = i
        for r in own:
            r["development_focus"] = r.get("focus_rank") is not None and r["focus_rank"] <= focus_count
        rows += own
    out = pd.DataFrame(rows, columns=list(_GAP_TYPES))
    if out.empty:
        return out
    team = out[out.team_id.notna()].groupby(["team_id", "role", "competency"], as_index=False).agg(
        required_level=("required_level", "first"), score=("score", "mean"), gap=("gap", "mean"),
        reps_assessed=("reps_assessed", "sum"), reps_below_required=("reps_below_required", "sum"))
    team = team.assign(level="team", key=team.team_id, rep_id=None)
    return pd.concat([out, team.reindex(columns=list(_GAP_TYPES))], ignore_index=True)


def _fisher(r: float, n: int, se_factor: float, z: float) -> tuple[float, float]:
    """The interval tanh(atanh r ± z · SE), SE = √(se_factor / (n − 3))."""
    centre, se = math.atanh(max(min(r, 0.999999), -0.999999)), math.sqrt(se_factor / (n - 3))
    return math.tanh(centre - z * se), math.tanh(centre + z * se)


def association(x, y, *, level: float = 0.95, min_reps: int = 10) -> dict:
    """Spearman's ρ and Pearson's r of ``x`` and ``y`` (paired, missing pairs dropped) with
    their Fisher-z intervals, the p-value of ρ and the conclusion."""
    from scipy import stats  # scipy.stats takes a second to import: only when used
    x, y = np.asarray(x, float), np.asarray(y, float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = int(len(x))
    out = {"reps": n, "spearman_rho": None, "spearman_ci_low": None, "spearman_ci_high": None, "pearson_r": None,
           "pearson_ci_low": None, "pearson_ci_high": None, "spearman_pvalue": None}
    if n < max(min_reps, 4) or np.ptp(x) == 0 or np.ptp(y) == 0:
        reason = (f"too few reps: {n} have both a score and the figure, fewer than {min_reps} ([competencies] "
                  "min_reps); assess more reps or wait for more results" if n < max(min_reps, 4)
                  else "no variation: every rep has the same score or the same figure")
        return out | {"conclusion": "too few reps" if n < max(min_reps, 4) else "unclear", "note": reason}
    z = stats.norm.ppf(0.5 + level / 2)
    rho, p = stats.spearmanr(x, y)
    r = float(np.corrcoef(x, y)[0, 1])
    lo, hi = _fisher(float(rho), n, 1.06, z)
    rlo, rhi = _fisher(r, n, 1.0, z)
    conclusion = "positive" if lo > 0 else ("negative" if hi < 0 else "unclear")
    return out | {"spearman_rho": float(rho), "spearman_ci_low": lo, "spearman_ci_high": hi, "pearson_r": r,
                  "pearson_ci_low": rlo, "pearson_ci_high": rhi, "spearman_pvalue": float(p), "conclusion": conclusion,
                  "note": None}


def links(model: CompetencyModel, scores: pd.DataFrame, rep_kpis: pd.DataFrame, *, level: float,
          min_reps: int) -> pd.DataFrame:
    """The ``competency-links`` rows: each competency of the model with each KPI the model links to any
    competency (``linked``: whether it links this one), so that a competency is also seen against the
    KPIs it is not meant to drive."""
    linked = {(c, k) for role in model.role.values() for c, q in role.competency.items() for k in q.kpis}
    kpis = sorted({k for _, k in linked})
    pairs = [(c, k) for c in model.competencies() for k in kpis]
    rows = []
    for competency, kpi in pairs:
        figures = rep_kpis[rep_kpis.kpi == kpi].set_index("rep_id")
        on = "attainment" if figures["attainment"].notna().sum() >= min_reps else "value"
        s = scores[scores.competency == competency].set_index("rep_id")["score"]
        joined = pd.concat([s, figures[on]], axis=1, join="inner")
        found = association(joined.iloc[:, 0], joined.iloc[:, 1], level=level, min_reps=min_reps)
        rows.append({"competency": competency, "kpi": kpi, "linked": (competency, kpi) in linked, "kpi_figure": on,
                     **found})
    return pd.DataFrame(rows, columns=list(_LINK_TYPES))


def _table(frame: pd.DataFrame, types: dict[str, str]) -> ibis.Table:
    """``frame`` as a table of the stated types (through Arrow rows: an empty or all-empty date
    column keeps its type)."""
    schema = ibis.schema(types)
    records = frame.reindex(columns=list(types)).astype(object).where(frame.reindex(columns=list(types)).notna(), None)
    rows = records.to_dict("records")
    return ibis.memtable(pa.Table.from_pylist(rows, schema=schema.to_pyarrow()), schema=schema)


def run(ctx: Context) -> dict[str, ibis.Table]:
    path = Path(ctx.ws.path) / MODEL_FILE
    if not path.is_file():
        ctx.warn("competencies", f"no competency model ({path}), so no gaps are computed; copy the example model "
                                 "there (docs/competencies.md).")
        return {COMPETENCIES.name: _table(pd.DataFrame(), _GAP_TYPES), LINKS.name: _table(pd.DataFrame(), _LINK_TYPES)}
    model = load_model(path)
    k = ctx.result("kpis")
    # the KPIs of the catalogue, as this run's kpis result holds them (a capability reads another's
    # results, never its code)
    check_kpis(model, str(path), set(k.select("kpi").distinct().to_pyarrow().column(0).to_pylist()))
    s = ctx.settings.competencies
    a = ctx.table("competency_assessments").select("rep_id", "competency", "date", "score", "scale_max")
    scores = latest_scores(a.to_pyarrow().to_pandas(), model.scale_max)
    if scores.empty:
        ctx.warn("competencies", "no competency assessments, so no scores or gaps; import competency_assessments.")
    reps = ctx.table("reps").select("rep_id", "team_id", "role").to_pyarrow().to_pandas()
    rep_kpis = k.filter(k.level == "rep").select("rep_id", "kpi", "status", value="kpi_actual",
                                                  attainment="kpi_attainment").to_pyarrow().to_pandas()
    missed: dict[str, set[str]] = {}
    for row in rep_kpis[rep_kpis.status.isin(["red", "amber"])].itertuples():
        missed.setdefault(row.rep_id, set()).add(row.kpi)
    found = links(model, scores, rep_kpis, level=s.level, min_reps=s.min_reps)
    if not found.empty and (found.conclusion == "too few reps").all():
        ctx.warn("competencies", f"fewer than {s.min_reps} reps have both a score and a KPI, so competency-links "
                                 "concludes nothing; assess more reps ([competencies] min_reps).")
    return {COMPETENCIES.name: _table(gaps(model, reps, scores, missed, s.focus_count), _GAP_TYPES),
            LINKS.name: _table(found, _LINK_TYPES)}


ANALYSIS = Analysis(name="competencies", title="Staff competencies", results=RESULTS, run=run, depends_on=("kpis",))
