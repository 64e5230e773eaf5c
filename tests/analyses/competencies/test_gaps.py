"""Competency gaps, development focus and the association across reps, on hand-worked cases."""

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from saleskpi.analyses.competencies import association, gaps, latest_scores
from saleskpi.analyses.competencies.model import CompetencyModel, check_kpis, load_model
from saleskpi.definitions import parse_definitions
from saleskpi.errors import ConfigError

MODEL = parse_definitions({"scale_max": 5, "role": {"rep": {"competency": {
    "negotiation": {"required": 4, "kpis": ["turnover", "margin_rate"]},
    "planning": {"required": 3.5, "kpis": ["class_a_served"]},
    "product_knowledge": {"required": 4, "kpis": ["target_products_share", "turnover"]}}}}},
    CompetencyModel, source="competencies.toml")


def test_latest_score_rescaled_to_the_model():
    a = pd.DataFrame({"rep_id": ["R1", "R1", "R2"], "competency": ["negotiation"] * 3,
                      "date": [dt.date(2024, 12, 1), dt.date(2025, 12, 1), dt.date(2025, 12, 1)],
                      "score": [2.0, 3.0, 8.0], "scale_max": [5.0, 5.0, 10.0]})
    s = latest_scores(a, 5).set_index("rep_id")
    assert s.loc["R1"].score == 3.0 and s.loc["R1"].assessed_on == dt.date(2025, 12, 1)
    assert s.loc["R2"].score == 4.0  # 8 of 10 is 4 of 5


def test_gaps_and_the_development_focus():
    # R1: negotiation 2.5 (gap 1.5), planning 2 (gap 1.5), product_knowledge 3.5 (gap 0.5); misses
    # turnover and class_a_served -> focus 1 negotiation (1.5, by name before planning), 2 planning,
    # 3 product_knowledge (linked to turnover too); R2 misses nothing -> no focus
    scores = pd.DataFrame({"rep_id": ["R1", "R1", "R1", "R2"],
                           "competency": ["negotiation", "planning", "product_knowledge", "negotiation"],
                           "score": [2.5, 2.0, 3.5, 3.0], "assessed_on": [dt.date(2025, 12, 1)] * 4})
    reps = pd.DataFrame({"rep_id": ["R1", "R2", "R3"], "team_id": ["M1", "M1", "M1"], "role": ["rep", "rep", "director"]})
    g = gaps(MODEL, reps, scores, {"R1": {"turnover", "class_a_served"}}, focus_count=2)
    r1 = g[g.rep_id == "R1"].set_index("competency")
    assert r1.gap.to_dict() == {"negotiation": 1.5, "planning": 1.5, "product_knowledge": 0.5}
    assert r1.focus_rank.to_dict() == {"negotiation": 1, "planning": 2, "product_knowledge": 3}
    assert r1.development_focus.to_dict() == {"negotiation": True, "planning": True, "product_knowledge": False}
    assert r1.loc["negotiation"].kpis_missed == "turnover" and r1.loc["planning"].kpis_missed == "class_a_served"
    r2 = g[g.rep_id == "R2"].set_index("competency")
    assert r2.loc["negotiation"].gap == 1.0 and pd.isna(r2.loc["negotiation"].focus_rank)
    assert pd.isna(r2.loc["planning"].score) and r2.loc["planning"].note.startswith("not assessed")
    assert "R3" not in set(g.rep_id)  # a role the model has no requirements for
    team = g[g.level == "team"].set_index("competency")
    assert team.loc["negotiation"].score == pytest.approx(2.75) and team.loc["negotiation"].gap == pytest.approx(1.25)
    assert (team.loc["negotiation"].reps_assessed, team.loc["negotiation"].reps_below_required) == (2, 2)
    assert team.loc["planning"].reps_assessed == 1


def test_association_with_its_intervals():
    # ranks of y against x = 1..10 with two neighbouring pairs swapped: Σd² = 4,
    # ρ = 1 − 6·4 / (10·99) = 0.975758 (Spearman's formula, no ties)
    x = np.arange(1, 11, dtype=float)
    y = np.array([2, 1, 3, 4, 5, 6, 7, 8, 10, 9], dtype=float)
    a = association(x, y, level=0.95, min_reps=10)
    assert a["spearman_rho"] == pytest.approx(1 - 6 * 4 / (10 * 99))
    z = stats.norm.ppf(0.975)
    se = math.sqrt(1.06 / 7)
    assert a["spearman_ci_low"] == pytest.approx(math.tanh(math.atanh(a["spearman_rho"]) - z * se))
    assert a["spearman_ci_high"] == pytest.approx(math.tanh(math.atanh(a["spearman_rho"]) + z * se))
    assert a["pearson_r"] == pytest.approx(np.corrcoef(x, y)[0, 1])
    assert a["pearson_ci_low"] == pytest.approx(math.tanh(math.atanh(a["pearson_r"]) - z / math.sqrt(7)))
    assert a["conclusion"] == "positive" and a["reps"] == 10


def test_too_few_reps_concludes_nothing():
    a = association([1, 2, 3, np.nan, 5], [2, 1, 4, 3, np.nan], min_reps=10)
    assert a["reps"] == 3 and a["conclusion"] == "too few reps" and a["spearman_rho"] is None
    assert "fewer than 10" in a["note"]
    unclear = association(np.arange(12), [3, 1, 2, 5, 4, 1, 6, 2, 5, 3, 4, 2], min_reps=10)
    assert unclear["conclusion"] == "unclear" and unclear["spearman_ci_low"] < 0 < unclear["spearman_ci_high"]


def test_bad_models_are_refused_with_the_file_and_the_key(tmp_path):
    path = tmp_path / "competencies.toml"
    path.write_text('scale_max = 5\n[role.rep.competency.negotiation]\nrequired = 6\nkpis = ["turnover"]\n'
                    '[role.rep.competency.planning]\nrequired = -1\nkpis = []\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_model(path)
    assert str(err.value).splitlines() == [
        f"{path}: 2 invalid competency definition(s):",
        "  - [role.rep.competency.planning] required: must be a number > 0, such as 4; got -1",
        "  - [role.rep.competency.planning] kpis: must be a list of at least 1 item(s), got []"]
    path.write_text('[role.rep.competency.negotiation]\nrequired = 6\nkpis = ["turnover"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"required = 6.0: above scale_max = 5"):
        load_model(path)
    with pytest.raises(ConfigError) as err:
        check_kpis(MODEL.model_copy(update={}), "competencies.toml", {"turnover", "margin_rate"})
    assert "[role.rep.competency.planning] kpis: 'class_a_served' is not a KPI of the catalogue" in str(err.value)
