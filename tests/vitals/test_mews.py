"""MEWS (Subbe et al. 2001) at every band boundary of the published chart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.mews import mews_score

SBP = [(60, 3), (70, 3), (71, 2), (80, 2), (81, 1), (100, 1), (101, 0), (199, 0), (200, 2), (250, 2)]
HR = [
    (30, 2),
    (39, 2),
    (40, 2),
    (41, 1),
    (50, 1),
    (51, 0),
    (100, 0),
    (101, 1),
    (110, 1),
    (111, 2),
    (129, 2),
    (130, 3),
    (170, 3),
]
RR = [(5, 2), (8, 2), (9, 0), (14, 0), (15, 1), (20, 1), (21, 2), (29, 2), (30, 3), (45, 3)]
TEMP = [(33.0, 2), (34.9, 2), (35.0, 0), (38.4, 0), (38.5, 2), (40.0, 2)]


def _points(column: str, value: float) -> float:
    return mews_score(pd.DataFrame({column: [value]}))[f"mews_{column}"].iloc[0]


@pytest.mark.parametrize(("value", "points"), SBP)
def test_systolic_bp(value: float, points: int) -> None:
    assert _points("SBP", value) == points


@pytest.mark.parametrize(("value", "points"), HR)
def test_heart_rate(value: float, points: int) -> None:
    assert _points("HR", value) == points


@pytest.mark.parametrize(("value", "points"), RR)
def test_respiratory_rate(value: float, points: int) -> None:
    assert _points("RR", value) == points


@pytest.mark.parametrize(("value", "points"), TEMP)
def test_temperature(value: float, points: int) -> None:
    assert _points("Temp", value) == points


@pytest.mark.parametrize(("code", "points"), [(0, 0), (1, 1), (2, 1), (3, 2), (4, 3)], ids=list("ACVPU"))
def test_avpu(code: int, points: int) -> None:
    assert _points("ACVPU", code) == points


def test_aggregate_and_missing() -> None:
    v = pd.DataFrame(
        {"SBP": [75, np.nan], "HR": [131, 80], "RR": [31, np.nan], "Temp": [38.5, 36.0], "ACVPU": [2, 0]}
    )
    s = mews_score(v)
    assert s["mews"].tolist() == [2 + 3 + 3 + 2 + 1, 0.0]
    assert s["mews_missing"].tolist() == [0, 2]
    assert np.isnan(mews_score(v, missing="strict")["mews"].iloc[1])
