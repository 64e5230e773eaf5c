"""The real NPS survey of a French garden-centre chain (../shared/data/botanic_nps, latin-1):
13,954 rows, 342 without an nps answer; of the 13,612 answers 8,465 are 9-10 and 1,194 are 0-6,
so NPS = 100 × (8,465 − 1,194) / 13,612 = +53.416 (the data's README: about +53.4)."""

import math

import pandas as pd
import pytest

from saleskpi.analyses.satisfaction import nps


def test_botanic_nps_by_hand_and_by_the_api(shared_data):
    frame = pd.read_csv(shared_data / "botanic_nps" / "nps.csv", encoding="latin-1")
    scores = frame["nps"].dropna()
    promoters, detractors = int((scores >= 9).sum()), int((scores <= 6).sum())
    assert (len(frame), len(scores), promoters, detractors) == (13954, 13612, 8465, 1194)
    e = nps(frame["nps"])  # missing answers are left out
    assert e.n == 13612
    assert e.value == pytest.approx(100 * (8465 - 1194) / 13612, abs=1e-12)
    assert round(e.value, 3) == 53.416
    p, d = 8465 / 13612, 1194 / 13612
    assert e.se == pytest.approx(100 * math.sqrt((p + d - (p - d) ** 2) / 13612))
    assert (round(e.ci_low, 2), round(e.ci_high, 2)) == (52.32, 54.51)
    adjusted = nps(frame["nps"], method="adjusted-wald")
    assert (round(adjusted.ci_low, 2), round(adjusted.ci_high, 2)) == (52.31, 54.50)


def test_botanic_through_the_importer_nps_and_drivers(shared_data, tmp_path):
    """The shipped mapping (examples/botanic_nps/mapping.toml: latin-1, NA for no answer,
    satisfaction and intention as attribute scores) loads all 13,954 answers; from the stored
    surveys table the NPS is +53.42 and the drivers of the recommendation are intention, then
    satisfaction (of R² 0.704: 0.443 and 0.261). Two predictors: LMG has the closed form φ₁ = (r₁² + R² − r₂²) / 2, and R² is
    the least-squares fit's, computed here independently."""
    from pathlib import Path

    import numpy as np

    from saleskpi.analyses.satisfaction import importance
    from saleskpi.data.importer import import_file
    from saleskpi.workspace import Workspace

    mapping = Path(__file__).parents[3] / "examples" / "botanic_nps" / "mapping.toml"
    ws = Workspace.init(tmp_path / "ws")
    try:
        report = import_file(ws, "surveys", shared_data / "botanic_nps" / "nps.csv", mapping=mapping,
                             create_missing=True)
        assert report.rows_loaded == 13954 and report.created == {"customers": 13954}
        s = ws.table("surveys").to_pyarrow().to_pandas()
    finally:
        ws.close()
    assert s["nps"].notna().sum() == 13612 and s["score_satisfaction"].notna().sum() == 13893
    assert s["score_intention"].notna().sum() == 13772
    e = nps(s["nps"], method="adjusted-wald")
    assert round(e.value, 2) == 53.42 and (round(e.ci_low, 2), round(e.ci_high, 2)) == (52.31, 54.50)
    predictors = ["score_satisfaction", "score_intention"]
    rw = importance(s, target="nps", predictors=predictors)
    lmg = importance(s, target="nps", predictors=predictors, method="lmg")
    d = s[["nps", *predictors]].astype(float).dropna()
    x = np.column_stack([np.ones(len(d)), d[predictors].to_numpy()])
    resid = d["nps"].to_numpy() - x @ np.linalg.lstsq(x, d["nps"].to_numpy(), rcond=None)[0]
    r2 = 1 - (resid ** 2).sum() / ((d["nps"] - d["nps"].mean()) ** 2).sum()
    assert rw.attrs["n"] == len(d) == 13521
    assert rw.attrs["r_squared"] == pytest.approx(r2) and rw.sum() == pytest.approx(r2)
    r = d.corr()["nps"]
    assert lmg["score_intention"] == pytest.approx((r["score_intention"] ** 2 + r2 - r["score_satisfaction"] ** 2) / 2)
    assert lmg["score_intention"] > lmg["score_satisfaction"] and rw["score_intention"] > rw["score_satisfaction"]
    # the figures docs/satisfaction.md quotes
    assert round(r2, 3) == 0.704
    assert [round(v, 3) for v in rw] == [0.261, 0.443]
    # with two predictors Johnson's weights and LMG coincide (both split the shared part equally)
    assert rw.to_numpy() == pytest.approx(lmg.to_numpy())
