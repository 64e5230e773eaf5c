"""Competencies on the demo company (2,000 customers, 5 years, seed 7; 40 assessed reps) against
its hidden truth (truth_competency_effect: the share-of-wallet logit of a rep's customers rises
by 0.12 per point of negotiation, 0.10 of product knowledge, 0.08 customer focus, 0.04 planning,
0.02 communication and 0 for CRM discipline).

Measured when the test was written: Spearman ρ with the reps' share of wallet 0.44
(negotiation), 0.42 (product knowledge), 0.35 (CRM discipline), 0.25 (planning), 0.23
(communication), 0.14 (customer focus). CRM discipline has no effect, yet correlates through
the halo (abler reps score higher on everything: ability loads 0.55 on each competency), with an
interval above 0 too; the two strongest true drivers come out ahead of it. With 40 reps the
order among the weaker effects is noise (customer focus comes out last).
"""

import pandas as pd
import pytest

from saleskpi import results
from saleskpi.access import Scope
from saleskpi.compute import compute

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from saleskpi.demo import build_demo

    ws = build_demo(tmp_path_factory.mktemp("competency-demo") / "ws")
    compute(ws)
    yield ws
    ws.close()


def frame(ws, name, scope=None) -> pd.DataFrame:
    return results.read(ws.con, name, scope=scope).to_pyarrow().to_pandas()


def test_true_drivers_come_out_ahead_of_a_competency_without_effect(demo):
    truth = demo.table("truth_competency_effect").to_pyarrow().to_pandas().set_index("competency")
    links = frame(demo, "competency-links")
    share = links[links.kpi == "share_of_wallet"].set_index("competency")
    assert (share.reps == 40).all() and (share.kpi_figure == "value").all()
    none = truth.index[truth.effect_on_share_logit == 0]
    strongest = truth.effect_on_share_logit.nlargest(2).index
    assert list(none) == ["crm_discipline"] and set(strongest) == {"negotiation", "product_knowledge"}
    for c in strongest:
        assert share.loc[c].spearman_rho > share.loc["crm_discipline"].spearman_rho, c
        assert share.loc[c].conclusion == "positive" and share.loc[c].spearman_ci_low > 0
    # ... but an association is no proof of effect: CRM discipline's interval is above 0 too, and
    # customer focus (a true effect of 0.08) comes out last; the result's note says so
    assert share.loc["crm_discipline"].spearman_ci_low > 0
    assert share.spearman_rho.idxmin() == "customer_focus"
    assert share.loc["negotiation"].linked and not share.loc["crm_discipline"].linked


def test_gaps_recomputed_from_the_assessments(demo):
    from saleskpi.analyses.competencies import load_model

    model = load_model(demo.path / "competencies.toml")
    a = demo.table("competency_assessments").to_pyarrow().to_pandas()
    latest = a.sort_values("date").groupby(["rep_id", "competency"]).tail(1).set_index(["rep_id", "competency"])
    reps = demo.table("reps").to_pyarrow().to_pandas().set_index("rep_id")
    g = frame(demo, "competencies")
    rep_rows = g[g.level == "rep"]
    modelled = reps[reps.role.isin(list(model.role))]
    assert len(rep_rows) == sum(len(model.role[r].competency) for r in modelled.role)
    for row in rep_rows.itertuples():
        required = model.role[row.role].competency[row.competency].required
        score = latest.loc[(row.rep_id, row.competency)].score * 5 / latest.loc[(row.rep_id, row.competency)].scale_max
        assert row.score == pytest.approx(score) and row.gap == pytest.approx(max(0.0, required - score))
    # the focus: the largest gaps among the competencies linked to a KPI the rep misses (red/amber)
    k = frame(demo, "kpis")
    missed = k[(k.level == "rep") & k.status.isin(["red", "amber"])].groupby("rep_id").kpi.agg(set)
    assert len(missed) >= 10
    for rid, rows in rep_rows.groupby("rep_id"):
        role = model.role[rows.role.iloc[0]]
        hit = rows[rows.competency.map(lambda c: bool(set(role.competency[c].kpis) & missed.get(rid, set())))
                   & (rows.gap > 0)]
        expected = list(hit.sort_values(["gap", "competency"], ascending=[False, True]).competency[:2])
        assert sorted(rows[rows.development_focus].competency) == sorted(expected), rid
    assert rep_rows[rep_rows.development_focus].rep_id.nunique() >= 10
    team = g[g.level == "team"]
    for (tid, comp), rows in rep_rows.groupby(["team_id", "competency"]):
        for role, by_role in rows.groupby("role"):
            found = team[(team.team_id == tid) & (team.competency == comp) & (team.role == role)].iloc[0]
            assert found.gap == pytest.approx(by_role.gap.mean())


def test_competencies_are_scoped_as_personnel_data(demo):
    g = frame(demo, "competencies")
    reps = demo.table("reps").to_pyarrow().to_pandas()
    rid = g[g.level == "rep"].rep_id.iloc[0]
    mine = frame(demo, "competencies", scope=Scope("rep", rep_id=rid))
    assert len(mine) and (mine.rep_id == rid).all()
    team = reps.set_index("rep_id").team_id[rid]
    managed = frame(demo, "competencies", scope=Scope("manager", team_ids={team}))
    assert set(managed.rep_id) == set(g[(g.level == "rep") & (g.team_id == team)].rep_id)
    territory = demo.table("territories").to_pyarrow().to_pandas().territory_id.iloc[0]
    assert frame(demo, "competencies", scope=Scope("manager", territory_ids={territory})).empty
    assert frame(demo, "competency-links", scope=Scope("manager", team_ids={team})).empty
    assert len(frame(demo, "competencies", scope=Scope("compensation"))) == len(g)
