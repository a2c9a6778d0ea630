"""Challenge score, per-type tables and the batch window features, against hand-computed values."""

from __future__ import annotations

import neurokit2 as nk
import numpy as np
import pytest

from vitalkit.rhythm.metrics import challenge_scores, prevalence_adjusted_scores, type_table
from vitalkit.rhythm.window_features import shock_features, window_rr_features


def test_challenge_score_is_mean_f1_over_n_a_o():
    classes = ("N", "A", "O", "~")
    y = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3])
    p = np.array([0, 0, 2, 1, 1, 2, 3, 3, 0])
    s = challenge_scores(y, p, classes)
    # N: TP 2, FP 1, FN 1 -> 4/6; A: 1; O: TP 1, FP 1, FN 1 -> 2/4; ~ is not scored
    assert s["F1_N"] == pytest.approx(2 / 3) and s["F1_A"] == 1.0 and s["F1_O"] == 0.5
    assert s["challenge_score"] == pytest.approx((2 / 3 + 1 + 0.5) / 3)


def test_prevalence_adjustment_keeps_a_perfect_classifier_perfect():
    y = np.repeat([0, 1, 2, 3], 5)
    s = prevalence_adjusted_scores(y, y, ("N", "A", "O", "~"))
    assert s["challenge_score"] == 1.0


def test_type_table_marks_rare_types():
    t = type_table(["N"] * 30 + ["V"] * 12 + ["E"] * 2, ["N"] * 30 + ["V"] * 6 + ["N"] * 6 + ["E", "V"])
    assert t.loc["V", "Se"] == 50.0 and t.loc["V", "+P"] == pytest.approx(85.7)
    assert t.loc["E", "note"] == "too few examples" and t.loc["N", "note"] == ""


def test_vf_like_oscillation_and_sinus_rhythm_differ():
    fs = 125.0
    ecg = nk.ecg_simulate(duration=8, sampling_rate=125, heart_rate=70, random_state=0)
    t = np.arange(1000) / fs
    vf = np.sin(2 * np.pi * 4.5 * t + 0.3 * np.sin(2 * np.pi * 0.4 * t))
    f = shock_features(np.stack([ecg, vf]), fs)
    assert f["dominant_frequency"][1] == pytest.approx(4.5, abs=0.3)
    assert f["bcp"][1] > f["bcp"][0]  # VF: large slopes nearly everywhere
    assert f["kurtosis"][0] > f["kurtosis"][1]  # sinus: peaky QRS complexes
    assert f["vf_leak"][1] < f["vf_leak"][0]


def test_window_rr_features_of_bigeminy():
    fs = 250.0
    rr = np.tile([0.5, 1.1], 20) * fs  # short-long pairs
    peaks = np.cumsum(rr).astype(int)
    f = window_rr_features(peaks, np.array([0]), int(30 * fs), fs).iloc[0]
    assert f["rr_lag1_corr"] == pytest.approx(-1.0) and f["rr_lag2_corr"] == pytest.approx(1.0)
    assert f["premature_pause_fraction"] > 0.4
