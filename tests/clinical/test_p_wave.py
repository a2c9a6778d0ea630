"""P-wave delineation and the PR interval: synthetic beats, real QTDB records, bad input."""

import numpy as np
import pandas as pd
import pytest

from vitalkit.cli import main
from vitalkit.clinical import qt_validation as qv
from vitalkit.clinical.delineate import P_POSITIONS, ecg_delineate, ecg_delineate_leads
from vitalkit.clinical.qt import qt_intervals


@pytest.mark.parametrize("fs", [100.0, 250.0, 360.0])
def test_synthetic_p_wave_is_found(synthetic_ecg, fs):
    ecg = synthetic_ecg(sampling_rate=fs, noise_mv=0.01)
    waves = ecg_delineate(ecg.signal, fs, ecg.r)
    ms = 1000.0 / fs
    assert waves["P_peak"].notna().mean() > 0.95
    # measured: onset -2 to -10 ms, peak 0, offset -10 to -15 ms (the cosine ends flat)
    assert abs(np.nanmedian(waves["P_on"] - ecg.p_on) * ms) <= 12
    assert abs(np.nanmedian(waves["P_peak"] - ecg.p_peak) * ms) <= 5
    assert abs(np.nanmedian(waves["P_off"] - ecg.p_off) * ms) <= 20


def test_pr_interval_of_synthetic_beats(synthetic_ecg):
    ecg = synthetic_ecg(noise_mv=0.01)
    waves = ecg_delineate(ecg.signal, 250.0, ecg.r)
    intervals = qt_intervals(waves, 250.0)
    np.testing.assert_allclose(intervals["pr_ms"], (waves["QRS_on"] - waves["P_on"]) * 4.0)
    # true PR 190 ms (P onset -230, QRS onset -40 ms); measured 208: the Q trough stops the onset
    assert np.nanmedian(intervals["pr_ms"]) == pytest.approx(190.0, abs=25)


def test_no_p_wave_and_flat_lead_give_nan(synthetic_ecg):
    ecg = synthetic_ecg(p_mv=0.0, noise_mv=0.01)  # junctional rhythm: no P wave at all
    waves = ecg_delineate(ecg.signal, 250.0, ecg.r)
    assert waves[list(P_POSITIONS)].isna().all().all()
    assert waves["T_end"].notna().all()  # the rest of the beat is still measured
    assert qt_intervals(waves, 250.0)["pr_ms"].isna().all()
    flat = ecg_delineate(np.zeros(2500), 250.0, rpeaks=np.array([500, 1000, 1500]))
    assert flat[list(P_POSITIONS)].isna().all().all()


def test_combined_leads_take_the_earliest_p_onset(synthetic_ecg):
    ecg = synthetic_ecg(noise_mv=0.01)
    waves = ecg_delineate_leads(np.c_[ecg.signal, 0.5 * ecg.signal], 250.0, ecg.r)
    one = ecg_delineate(ecg.signal, 250.0, ecg.r)
    np.testing.assert_array_equal(waves["P_on"], one["P_on"])
    no_p = synthetic_ecg(p_mv=0.0, noise_mv=0.01).signal
    mixed = ecg_delineate_leads(np.c_[no_p, ecg.signal], 250.0, ecg.r)
    np.testing.assert_array_equal(mixed["P_peak"], one["P_peak"])  # the lead that has a P wave


def test_real_qtdb_p_waves(data_dir):
    """Two clean sinus records: every P wave found, onset within 20 ms on lead 0."""
    errors = pd.concat([qv.record_p_errors(r, "template", data_dir) for r in ("sel100", "sel16265")])
    summary = qv.p_wave_summary(errors)
    lead0 = summary.loc[("template", "lead0")]
    # measured: lead0 onset -2.2 ± 10.0, peak 2.5 ± 8.7, offset 7.1 ± 32.8 ms; Se 100 %, +P 100 %
    assert lead0["p_se_pct"] > 95 and lead0["p_ppv_pct"] > 95
    assert abs(lead0["p_on_mean_ms"]) < 20 and lead0["p_on_sd_ms"] < 20
    assert abs(lead0["p_peak_mean_ms"]) < 15


def test_record_without_p_waves_has_no_errors(data_dir):
    errors = qv.record_p_errors("sel221", "template", data_dir)  # AF: no .q1c P marks
    assert not errors["ref_p"].any()
    assert errors[[f"err_{q}_ms" for q in qv.P_QUANTITIES]].isna().all().all()


def test_pr_interval_in_the_qtc_table(data_dir):
    table = qv.qtc_table(["sel100"], "template", data_dir)
    assert table.loc["sel100", "pr_ref_ms"] == pytest.approx(176.0)
    assert table.loc["sel100", "pr_det_ms"] == pytest.approx(176.0, abs=20)


def test_methods_without_p_waves_are_refused(data_dir):
    with pytest.raises(ValueError, match="places no P waves"):
        qv.record_p_errors("sel100", "neurokit-prominence", data_dir)


def test_benchmark_prints_our_p_row_beside_ecgpuwave(capsys, data_dir):
    assert main(["benchmark", "qt", "--records", "sel100,sel102", "--methods", "template,ecgpuwave"]) == 0
    out = capsys.readouterr().out
    block = out[out.index("P wave vs .q1c") :]
    assert "template" in block and "ecgpuwave" in block
    assert "P wave, held-out records only" in out  # sel102 is held out
