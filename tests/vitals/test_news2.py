"""NEWS2 (RCP 2017) at every band boundary of the published chart, bands and missing values.

Expected points are typed from the chart, not derived from the implementation's tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.bands import BandTable
from vitalkit.vitals.news2 import news2_response, news2_score

RR = [(4, 3), (8, 3), (9, 1), (11, 1), (12, 0), (20, 0), (21, 2), (24, 2), (25, 3), (40, 3)]
SPO2_SCALE1 = [(80, 3), (91, 3), (92, 2), (93, 2), (94, 1), (95, 1), (96, 0), (100, 0)]
SPO2_SCALE2_AIR = [(83, 3), (84, 2), (85, 2), (86, 1), (87, 1), (88, 0), (92, 0), (93, 0), (97, 0), (100, 0)]
SPO2_SCALE2_O2 = [
    (83, 3),
    (84, 2),
    (85, 2),
    (86, 1),
    (87, 1),
    (88, 0),
    (92, 0),
    (93, 1),
    (94, 1),
    (95, 2),
    (96, 2),
    (97, 3),
    (100, 3),
]
SBP = [(60, 3), (90, 3), (91, 2), (100, 2), (101, 1), (110, 1), (111, 0), (219, 0), (220, 3), (260, 3)]
PULSE = [
    (30, 3),
    (40, 3),
    (41, 1),
    (50, 1),
    (51, 0),
    (90, 0),
    (91, 1),
    (110, 1),
    (111, 2),
    (130, 2),
    (131, 3),
    (180, 3),
]
TEMP = [
    (34.0, 3),
    (35.0, 3),
    (35.1, 1),
    (36.0, 1),
    (36.1, 0),
    (38.0, 0),
    (38.1, 1),
    (39.0, 1),
    (39.1, 2),
    (41.0, 2),
]


def _one(**values: float) -> pd.Series:
    return news2_score(pd.DataFrame({k: [v] for k, v in values.items()})).iloc[0]


@pytest.mark.parametrize(("value", "points"), RR)
def test_respiration_rate(value: float, points: int) -> None:
    assert _one(RR=value)["news2_RR"] == points


@pytest.mark.parametrize(("value", "points"), SPO2_SCALE1)
@pytest.mark.parametrize("oxygen", [0, 1])
def test_spo2_scale_1_ignores_oxygen(value: float, points: int, oxygen: int) -> None:
    assert _one(SpO2=value, O2=oxygen)["news2_SpO2"] == points


@pytest.mark.parametrize(("value", "points"), SPO2_SCALE2_AIR)
def test_spo2_scale_2_on_air(value: float, points: int) -> None:
    row = news2_score(pd.DataFrame({"SpO2": [value], "O2": [0]}), spo2_scale=2).iloc[0]
    assert row["news2_SpO2"] == points


@pytest.mark.parametrize(("value", "points"), SPO2_SCALE2_O2)
def test_spo2_scale_2_on_oxygen(value: float, points: int) -> None:
    row = news2_score(pd.DataFrame({"SpO2": [value], "O2": [1]}), spo2_scale=2).iloc[0]
    assert row["news2_SpO2"] == points


def test_spo2_scale_per_row_and_invalid_scale() -> None:
    s = news2_score(pd.DataFrame({"SpO2": [90, 90], "O2": [0, 0]}), spo2_scale=np.array([1, 2]))
    assert s["news2_SpO2"].tolist() == [3, 0]
    with pytest.raises(ValueError, match="scale must be 1 or 2"):
        news2_score(pd.DataFrame({"SpO2": [90]}), spo2_scale=3)


@pytest.mark.parametrize(("oxygen", "points"), [(0, 0), (1, 2)])
def test_air_or_oxygen(oxygen: int, points: int) -> None:
    assert _one(O2=oxygen)["news2_O2"] == points


@pytest.mark.parametrize(("value", "points"), SBP)
def test_systolic_bp(value: float, points: int) -> None:
    assert _one(SBP=value)["news2_SBP"] == points


@pytest.mark.parametrize(("value", "points"), PULSE)
def test_pulse(value: float, points: int) -> None:
    assert _one(HR=value)["news2_HR"] == points


@pytest.mark.parametrize(("code", "points"), [(0, 0), (1, 3), (2, 3), (3, 3), (4, 3)], ids=list("ACVPU"))
def test_consciousness(code: int, points: int) -> None:
    assert _one(ACVPU=code)["news2_ACVPU"] == points


@pytest.mark.parametrize(("value", "points"), TEMP)
def test_temperature(value: float, points: int) -> None:
    assert _one(Temp=value)["news2_Temp"] == points


@pytest.mark.parametrize(
    ("column", "value", "points"),
    [
        ("HR", 90.4, 0),
        ("HR", 90.5, 1),
        ("RR", 11.5, 0),
        ("RR", 11.49, 1),
        ("Temp", 38.04, 0),
        ("Temp", 38.05, 1),
        ("Temp", 35.05, 1),
        ("SpO2", 95.5, 0),
    ],
)
def test_values_between_printed_bands_round_half_up(column: str, value: float, points: int) -> None:
    assert _one(**{column: value})[f"news2_{column}"] == points


NORMAL = {"RR": 16, "SpO2": 97, "O2": 0, "SBP": 125, "HR": 70, "ACVPU": 0, "Temp": 37.0}


@pytest.mark.parametrize(
    ("changes", "aggregate", "band"),
    [
        ({}, 0, "low"),
        ({"HR": 95, "Temp": 38.5, "SBP": 105, "SpO2": 95}, 4, "low"),  # 1+1+1+1, no single 3
        ({"RR": 25}, 3, "low-medium"),  # single-parameter-3 rule
        ({"ACVPU": 2, "HR": 95}, 4, "low-medium"),  # a 3 with an aggregate below 5
        ({"RR": 21, "SBP": 100, "HR": 95}, 5, "medium"),
        ({"RR": 25, "SBP": 100}, 5, "medium"),  # aggregate 5 outranks the red parameter
        ({"RR": 21, "SBP": 100, "SpO2": 93}, 6, "medium"),
        ({"RR": 25, "SBP": 100, "HR": 95, "Temp": 38.5}, 7, "high"),
        ({"RR": 26, "SpO2": 90, "O2": 1, "SBP": 88, "HR": 135, "ACVPU": 3, "Temp": 39.5}, 19, "high"),
    ],
)
def test_aggregate_and_clinical_response(changes: dict, aggregate: int, band: str) -> None:
    row = _one(**{**NORMAL, **changes})
    assert row["news2"] == aggregate and row["news2_band"] == band and row["news2_missing"] == 0


def test_response_band_edges() -> None:
    agg = np.array([0, 1, 4, 4, 5, 6, 7, 20])
    red = np.array([0, 0, 0, 1, 0, 1, 0, 1])
    assert news2_response(agg, red).tolist() == [
        "low",
        "low",
        "low",
        "low-medium",
        "medium",
        "medium",
        "high",
        "high",
    ]


def test_missing_parameters_are_counted_and_policy_applies() -> None:
    vitals = pd.DataFrame({"HR": [135.0, np.nan], "RR": [np.nan, np.nan]})
    default = news2_score(vitals)
    assert default["news2"].tolist() == [3.0, 0.0]  # missing parameters score 0 ...
    assert default["news2_missing"].tolist() == [6, 7]  # ... and are counted
    assert default["news2_RR"].isna().all()  # the sub-score itself stays missing
    strict = news2_score(vitals, missing="strict")
    assert strict["news2"].isna().all() and strict["news2_band"].isna().all()
    with pytest.raises(ValueError, match="missing must be one of"):
        news2_score(vitals, missing="zero")


def test_band_table_validation() -> None:
    with pytest.raises(ValueError, match="points for"):
        BandTable("x", (1, 2), (0, 1))
    with pytest.raises(ValueError, match="must increase"):
        BandTable("x", (2, 1), (0, 1, 2))
