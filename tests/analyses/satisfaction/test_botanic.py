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
