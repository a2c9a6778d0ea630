"""Cohort scores, trend alerts, causal features and anomaly detectors on real patients."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.anomaly import build_detector
from vitalkit.vitals.cohort import Cohort
from vitalkit.vitals.features import history_features, vital_window_features
from vitalkit.vitals.scores import early_warning_scores, missing_parameter_report, patient_missing_table
from vitalkit.vitals.stage import alarm_agreement, fit_anomaly
from vitalkit.vitals.trends import onset_trajectories, rising_trend
from vitalkit.vitals.windows import trailing_window


@pytest.fixture(scope="module")
def scores(small_cohort: Cohort) -> pd.DataFrame:
    return early_warning_scores(small_cohort.filled, small_cohort.frame)


def test_scores_and_missing_report(small_cohort: Cohort, scores: pd.DataFrame) -> None:
    assert len(scores) == len(small_cohort.frame) and scores["news2"].notna().all()
    assert (scores["news2_missing"] >= 1).all()  # consciousness is never recorded
    report = missing_parameter_report(scores, small_cohort.frame)
    assert report.loc["news2 / ACVPU", "hours_missing_%"] == 100.0
    assert report.loc["news2 / HR", "hours_missing_%"] < 10
    assert report.loc["news2 / ACVPU", "treated_as"].startswith("Alert")
    per_patient = patient_missing_table(scores, small_cohort.frame)
    assert len(per_patient) == 240 and (per_patient["ACVPU"] == 100).all()
    assert per_patient["hours"].sum() == len(small_cohort.frame)
    # NEWS2 is higher in the 6 h before onset than in non-septic patients' hours
    f = small_cohort.frame
    before = scores["news2"][f["ahead"] == 1].mean()
    other = scores["news2"][~f["septic"]].mean()
    assert before > other + 0.5


def test_rising_trend_stays_within_a_patient() -> None:
    score = np.array([0, 4.0, 0, 0, 3])
    r = rising_trend(score, np.array([0, 1, 0, 1, 2.0]), np.array([1, 1, 2, 2, 2]), window_h=6, min_rise=2)
    assert r["trend_alert"].tolist() == [False, True, False, False, True]
    r2 = rising_trend(np.array([5.0, np.nan, 7]), np.arange(3.0), np.zeros(3), 6, 2)
    assert r2["trend_alert"].tolist() == [False, False, True]


def test_trajectories_use_test_patients_only(small_cohort: Cohort, scores: pd.DataFrame) -> None:
    t = onset_trajectories(small_cohort.frame, scores, ["news2"], 12, 2)
    septic = t[t["group"] == "septic"]
    assert septic["relative_hour"].between(-12, 2).all()
    n_test_septic = small_cohort.patients().query("split == 'test' and septic and not censored").shape[0]
    assert septic["patients"].max() <= n_test_septic


def test_features_are_causal(small_cohort: Cohort, scores: pd.DataFrame) -> None:
    """Changing a patient's future hours must not change any feature of earlier hours."""
    f, filled = small_cohort.frame, small_cohort.filled
    patient = f.loc[f["septic"] & ~f["censored"], "patient"].iloc[0]
    rows = np.flatnonzero(f["patient"].to_numpy() == patient)
    cut = rows[len(rows) // 2]
    before = history_features(f, filled, scores)
    f2, filled2 = f.copy(), filled.copy()
    later = rows[rows > cut]
    f2.loc[later, ["HR", "SBP", "Lactate"]] = 999.0
    filled2.loc[later, ["HR", "SBP", "Lactate"]] = 999.0
    after = history_features(f2, filled2, scores)
    earlier = rows[rows <= cut]
    pd.testing.assert_frame_equal(before.loc[earlier], after.loc[earlier])
    assert not before.loc[later].equals(after.loc[later])


def test_window_features_do_not_cross_patients() -> None:
    w = trailing_window(np.arange(6.0), np.array([0, 1, 2, 0, 1, 2.0]), np.array(["a"] * 3 + ["b"] * 3), 5)
    assert np.isnan(w[3, :-1]).all() and w[3, -1] == 3.0
    with pytest.raises(ValueError, match="grouped by patient"):
        trailing_window(np.arange(3.0), np.array([0, 2, 1.0]), np.zeros(3), 2)


def test_detectors_fit_on_training_patients_only(small_cohort: Cohort, scores: pd.DataFrame) -> None:
    anomaly = fit_anomaly(small_cohort, 6.0, "non_septic", seed=0)
    X = vital_window_features(small_cohort.frame, small_cohort.filled).to_numpy()
    train = small_cohort.mask("train") & ~small_cohort.frame["septic"].to_numpy()
    again = build_detector("robust_z").fit(X[train])
    np.testing.assert_allclose(again.score(X), anomaly.scores["robust z-score"].to_numpy())
    table = alarm_agreement(anomaly, scores, small_cohort.frame)
    assert (table["note"].str.startswith("circular")).all()
    assert (table.filter(like="AUROC").to_numpy() > 0.7).all()  # they notice abnormal vital signs
    assert anomaly.scores.notna().all().all()
    with pytest.raises(Exception, match="anomaly_reference"):
        fit_anomaly(small_cohort, 6.0, "everyone")
