"""Delineation: synthetic beats with known boundaries, real QTDB records, bad input."""

import neurokit2 as nk
import numpy as np
import pandas as pd
import pytest
import wfdb

from vitalkit.clinical.delineate import (
    COLUMNS,
    DELINEATORS,
    TemplateParams,
    _t_wave,
    _template,
    _to_beats,
    combine_leads,
    ecg_delineate,
    ecg_delineate_leads,
    same_shape_neighbours,
)
from vitalkit.clinical.qt_validation import qt_error_table, record_errors
from vitalkit.data import qtdb


@pytest.mark.parametrize("fs", [100.0, 250.0, 360.0])
def test_synthetic_boundaries_are_found(synthetic_ecg, fs):
    ecg = synthetic_ecg(sampling_rate=fs)
    waves = ecg_delineate(ecg.signal, fs, ecg.r)
    ms = 1000.0 / fs
    assert len(waves) == len(ecg.r)
    assert abs(np.median(waves["QRS_on"] - ecg.qrs_on) * ms) <= 15  # a Q trough may stop it early
    assert abs(np.median(waves["J"] - ecg.j) * ms) <= 25
    assert abs(np.median(waves["T_end"] - ecg.t_end) * ms) <= 12
    assert np.median(waves["T_amp"]) == pytest.approx(0.3, abs=0.05)


def test_detects_its_own_r_peaks(synthetic_ecg):
    ecg = synthetic_ecg()
    waves = ecg_delineate(ecg.signal, ecg.sampling_rate)
    assert list(waves.columns) == list(COLUMNS)
    assert abs(len(waves) - len(ecg.r)) <= 1


def test_combined_leads_take_the_earliest_onset_and_the_clearest_t(synthetic_ecg):
    ecg = synthetic_ecg()
    flat_t = ecg.signal.copy()
    waves = ecg_delineate_leads(np.c_[0.3 * flat_t, ecg.signal], ecg.sampling_rate, ecg.r)
    assert (waves["T_lead"] == 1).all()  # the lead with the larger T wave


def _bump(t: np.ndarray, at: float, height: float, sd: float) -> np.ndarray:
    return height * np.exp(-0.5 * ((t - at) / sd) ** 2)


def test_the_t_peak_weight_keeps_the_t_wave_of_a_fast_beat():
    """RR 0.65 s: the T wave peaks 200 ms after R, the next beat's taller P wave 450 ms after
    R. With the T-peak weight the T wave is taken; without it the gap between the two
    (scored as a wide negative wave) was."""
    fs, r0, rr = 250.0, 100, 0.65
    t = (np.arange(400) - r0) / fs
    y = _bump(t, 0.20, 0.20, 0.04) + _bump(t, 0.45, 0.30, 0.06)
    peak, end, _ = _t_wave(y, r0 + 0.06 * fs, r0, rr, fs, TemplateParams())
    assert abs((peak - r0) / fs - 0.20) < 0.01 and 0.25 < (end - r0) / fs < 0.33
    flat_prior = TemplateParams(t_peak_spread=1e9)
    assert abs((_t_wave(y, r0 + 0.06 * fs, r0, rr, fs, flat_prior)[0] - r0) / fs - 0.30) < 0.01


def test_t_end_is_the_prominence_weighted_mean_of_the_leads():
    lead = {"R": [0.0, 100.0], "QRS_on": [-5.0, 95.0], "J": [10.0, 110.0]}
    a = pd.DataFrame({**lead, "T_end": [40.0, np.nan], "T_prom": [0.1, 0.1]})
    b = pd.DataFrame({**lead, "T_end": [48.0, 150.0], "T_prom": [0.3, 0.3]})
    flat = pd.DataFrame({**lead, "T_end": [90.0, 190.0], "T_prom": [0.0, 0.0]})
    waves = combine_leads([a, b, flat])
    assert waves["T_end"].tolist() == pytest.approx([46.0, 150.0])  # flat lead: no say
    assert (waves["T_lead"] == 1).all()


def test_real_qtdb_tachycardia_t_end(data_dir):
    """sel43 (RR 0.63 s, a tall P wave 380 ms after R): its T end was the next P wave's
    (+141 ms on average before the T-peak weight); now within 60 ms."""
    errors = record_errors("sel43", use_cache=False)
    auto = errors[errors["protocol"] == "auto"]
    assert abs(auto["err_t_end_ms"].mean()) < 60


def _ventricular_onset_error_ms(record: str) -> float:
    """Mean automatic-lead QRS-onset error over the beats the record's ``.atr`` labels V."""
    base = qtdb.record_path(record)
    errors = record_errors(record, use_cache=False)
    auto = errors[errors["protocol"] == "auto"]
    peaks = qtdb.read_wave_marks(base)["peak"].to_numpy()[auto["beat"].to_numpy()]
    ann = wfdb.rdann(str(base), "atr")
    nearest = np.abs(ann.sample[None, :] - peaks[:, None]).argmin(axis=1)
    ventricular = np.asarray(ann.symbol)[nearest] == "V"
    assert ventricular.sum() >= 10
    return float(auto["err_qrs_on_ms"].to_numpy()[ventricular].mean())


def test_ectopic_beats_are_measured_on_their_own_shape(data_dir, monkeypatch):
    """sel213 (MIT-BIH 213): its ventricular beats sat among normal ones in the 5-beat median
    template, so their QRS onset was the normal beats' (+74 ms late on average); with only
    same-shape neighbours in the template it is within 30 ms."""
    assert abs(_ventricular_onset_error_ms("sel213")) < 30
    every_neighbour = TemplateParams(template_corr=2.0)
    monkeypatch.setitem(
        DELINEATORS, "template", lambda x, fs, peaks: _template(x, fs, peaks, every_neighbour)
    )
    assert _ventricular_onset_error_ms("sel213") > 50


def test_same_shape_neighbours_keep_a_bigeminy_apart():
    x = np.zeros(1100)
    normal, ectopic = [50, 250, 450, 650, 850, 1050], [150, 350, 550, 750, 950]
    x[normal] = 1.0
    for r in ectopic:
        x[r - 1 : r + 2] = [-1.0, 1.0, -1.0]
    peaks = np.sort(np.r_[normal, ectopic])
    members = same_shape_neighbours(x, peaks, 5, 5, 5, 0.7)
    assert members[3].tolist() == [True, False, True, False, True]  # an ectopic beat: itself and +-2
    assert members[0].tolist() == [False, False, True, False, True]


def test_real_qtdb_errors_are_small(data_dir):
    """Two clean records: T end and QT within the CSE tolerance, QRS onset within 15 ms."""
    errors = record_errors("sel16265", use_cache=False)
    errors = errors._append(record_errors("sel100", use_cache=False))
    table = qt_error_table(errors, "auto")
    overall = table.loc["overall"]
    assert overall["t_end_n"] == 60 and overall["t_end_found_pct"] == 100.0
    assert abs(overall["qrs_on_mean_ms"]) < 15 and overall["qrs_on_sd_ms"] < 15
    assert abs(overall["t_end_mean_ms"]) < 15 and overall["t_end_sd_ms"] < 30.6
    assert overall["qt_sd_ms"] < 30.6


@pytest.mark.parametrize(
    ("signal", "fs", "message"),
    [
        (np.zeros(100), 250.0, "too short"),
        (np.r_[np.zeros(500), np.full(100, np.nan), np.zeros(500)], 250.0, "100 non-finite samples"),
        (np.zeros(2000), 50.0, "too low to delineate"),
        (np.zeros((2000, 2)), 250.0, "1-D"),
    ],
)
def test_bad_input_is_a_clear_error(signal, fs, message):
    with pytest.raises(ValueError, match=message):
        ecg_delineate(signal, fs)


def test_unknown_method_is_a_clear_error(synthetic_ecg):
    with pytest.raises(ValueError, match="unknown delineation method 'wavelet'"):
        ecg_delineate(synthetic_ecg().signal, 250.0, method="wavelet")


def test_flat_line_and_too_few_beats_give_nan_rows():
    flat = ecg_delineate(np.zeros(2500), 250.0)
    assert len(flat) == 0  # no R peaks at all
    waves = ecg_delineate(np.zeros(2500), 250.0, rpeaks=np.array([500, 1000, 1500]))
    assert len(waves) == 3 and waves["T_end"].isna().all()
    one = ecg_delineate(np.random.default_rng(0).standard_normal(2500), 250.0, rpeaks=np.array([500]))
    assert len(one) == 0


def test_neurokit_delineator_runs(synthetic_ecg):
    ecg = synthetic_ecg(n_beats=15)
    waves = ecg_delineate(ecg.signal, 250.0, ecg.r, method="neurokit-prominence")
    assert waves["T_end"].notna().mean() > 0.8


def test_neurokit_positions_are_placed_on_their_beats():
    # cwt can return fewer positions than R peaks: a missing onset must not shift the rest
    rpeaks = np.array([100, 300, 500, 700])
    onsets = np.array([280.0, 480.0, np.nan])  # the first beat's onset is missing
    ends = np.array([150.0, 350.0, 750.0])  # the third beat's T end is missing
    assert np.allclose(_to_beats(onsets, rpeaks, before_r=True), [np.nan, 280, 480, np.nan], equal_nan=True)
    assert np.allclose(_to_beats(ends, rpeaks, before_r=False), [150, 350, np.nan, 750], equal_nan=True)


def test_a_crash_inside_neurokit_becomes_a_clear_error(synthetic_ecg, monkeypatch):
    def broken(*args, **kwargs):
        raise IndexError("index 7 is out of bounds")

    monkeypatch.setattr(nk, "ecg_delineate", broken)
    ecg = synthetic_ecg(n_beats=10)
    with pytest.raises(ValueError, match=r"neurokit2 ecg_delineate\('dwt'\) failed: IndexError"):
        ecg_delineate(ecg.signal, 250.0, ecg.r, method="neurokit-dwt")
