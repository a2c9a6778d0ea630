"""The time-series type and the limited forward fill."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.missing import forward_fill_limited, group_starts, hours_since_observed
from vitalkit.vitals.series import VitalSeries


def test_fill_respects_limit_irregular_time_and_keeps_mask() -> None:
    s = VitalSeries(
        "p",
        pd.DataFrame(
            {"HR": [60, np.nan, np.nan, np.nan], "RR": [np.nan, 12, np.nan, np.nan]},
            index=[0.0, 0.5, 2.0, 3.5],
        ),
    )
    f = s.fill({"HR": 2.0, "RR": 3.0})
    assert f.values["HR"].tolist()[:3] == [60, 60, 60] and np.isnan(f.values["HR"].iloc[3])  # 3.5 h > 2 h
    assert np.isnan(f.values["RR"].iloc[0]) and f.values["RR"].tolist()[1:] == [12, 12, 12]
    assert f.observed["HR"].tolist() == [True, False, False, False]  # filled cells are not measurements
    assert s.fill(0).values.equals(s.values)
    assert s.hours_since_observed()["HR"].tolist() == [0.0, 0.5, 2.0, 3.5]


def test_fill_never_crosses_patients() -> None:
    x = np.array([[1.0], [np.nan], [np.nan], [5.0]])
    out = forward_fill_limited(x, np.array([0, 1, 0, 1.0]), np.inf, groups=np.array([1, 1, 2, 2]))
    assert out.ravel()[1] == 1.0 and np.isnan(out.ravel()[2]) and out.ravel()[3] == 5.0
    since = hours_since_observed(x, np.array([0, 1, 0, 1.0]), groups=np.array([1, 1, 2, 2]))
    assert np.isnan(since.ravel()[2]) and since.ravel()[1] == 1.0
    assert group_starts(np.array([7, 7, 3, 7])).tolist() == [0, 0, 2, 3]


def test_non_monotonic_time_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"time not strictly increasing at row 2 \(5 h then 4 h\)"):
        VitalSeries("p", pd.DataFrame({"HR": [1.0, 2.0, 3.0]}, index=[1.0, 5.0, 4.0]))
    with pytest.raises(ValueError, match="max_hours must be >= 0"):
        forward_fill_limited(np.zeros((2, 1)), np.arange(2.0), -1)
