"""HRV: synthetic RR series with known SDNN/RMSSD, ectopic cleaning, real MIT-BIH records."""

import neurokit2 as nk
import numpy as np
import pandas as pd
import pytest

from vitalkit.clinical.hrv import hrv_compute, record_hrv, rr_clean


def _peaks(rr_ms: np.ndarray, fs: float = 1000.0) -> np.ndarray:
    return np.round(np.cumsum(np.r_[1000.0, rr_ms]) * fs / 1000.0).astype(int)


def test_sdnn_and_rmssd_of_an_alternating_series():
    rr = np.tile([800.0, 1000.0], 100)  # mean 900, every successive difference 200
    hrv = hrv_compute(rr_clean(_peaks(rr), 1000.0, method="none"), domains=("time",))
    assert hrv["HRV_MeanNN"] == pytest.approx(900.0)
    assert hrv["HRV_SDNN"] == pytest.approx(np.std(rr, ddof=1))  # 100.25 ms
    assert hrv["HRV_RMSSD"] == pytest.approx(200.0)
    assert hrv["HRV_pNN50"] == pytest.approx(100.0 * 199 / 200)  # neurokit2 divides by the intervals


def test_an_ectopic_beat_is_removed_by_labels_and_by_the_20_percent_rule():
    rng = np.random.default_rng(0)
    rr = 850.0 + rng.normal(0, 15, 300)
    clean = hrv_compute(rr_clean(_peaks(rr), 1000.0, method="none"), domains=("time",))
    ectopic = rr.copy()
    ectopic[150], ectopic[151] = 500.0, rr[150] + rr[151] - 500.0  # premature beat + compensatory pause
    peaks = _peaks(ectopic)
    symbols = np.array(["N"] * peaks.size, dtype=object)
    symbols[151] = "V"
    raw = hrv_compute(rr_clean(peaks, 1000.0, method="none"), domains=("time",))
    assert raw["HRV_RMSSD"] > 1.5 * clean["HRV_RMSSD"]  # one ectopic beat inflates RMSSD
    for method, sym in (("annotation", symbols), ("malik", None)):
        table = rr_clean(peaks, 1000.0, sym, method)
        assert (~table["nn"]).sum() == 2  # the short and the long interval
        cleaned = hrv_compute(table, domains=("time",))
        assert cleaned["HRV_RMSSD"] == pytest.approx(clean["HRV_RMSSD"], rel=0.05)
        assert cleaned["HRV_SDNN"] == pytest.approx(clean["HRV_SDNN"], rel=0.02)


def test_kubios_correction_runs_and_keeps_every_interval():
    rng = np.random.default_rng(1)
    rr = 800.0 + rng.normal(0, 10, 200)
    rr[100] -= 250.0
    table = rr_clean(_peaks(rr), 1000.0, method="kubios")
    assert table["nn"].all() and table["rr_ms"].min() > 650


def test_fast_nonlinear_matches_neurokit():
    rng = np.random.default_rng(2)
    rr = 900.0 + np.cumsum(rng.normal(0, 5, 400)) * 0.1 + rng.normal(0, 20, 400)
    table = rr_clean(_peaks(rr), 1000.0, method="none")
    ours = hrv_compute(table, domains=("nonlinear",))
    theirs = nk.hrv_nonlinear({"RRI": table["rr_ms"].to_numpy(), "RRI_Time": table["time_s"].to_numpy()})
    for key in ("HRV_SD1", "HRV_SD2", "HRV_SampEn", "HRV_DFA_alpha1", "HRV_DFA_alpha2"):
        assert ours[key] == pytest.approx(float(theirs[key].iloc[0]), rel=1e-9), key


def test_frequency_domain_of_a_breathing_modulation():
    t = np.arange(600) * 1.0
    rr = 1000.0 + 50.0 * np.sin(2 * np.pi * 0.25 * t)  # 0.25 Hz: the HF band
    hrv = hrv_compute(rr_clean(_peaks(rr), 1000.0, method="none"), domains=("time", "frequency"))
    assert hrv["HRV_HF"] > 10 * hrv["HRV_LF"]
    # powers in ms²: a 50 ms sine holds 50²/2 = 1250 ms² (Parseval), all of it in HF
    assert hrv["HRV_SDNN"] ** 2 == pytest.approx(1250, rel=0.01)
    assert hrv["HRV_HF"] == pytest.approx(1250, rel=0.1)


def test_too_few_intervals_give_nan_with_a_reason():
    table = rr_clean(_peaks(np.full(10, 800.0)), 1000.0, method="none")
    hrv = hrv_compute(table)
    assert "only 10 NN intervals" in hrv["note"]
    assert "HRV_SDNN" not in hrv or pd.isna(hrv.get("HRV_SDNN"))
    short = hrv_compute(rr_clean(_peaks(np.full(60, 800.0)), 1000.0, method="none"))
    assert "frequency domain needs" in short["note"] and not pd.isna(short["HRV_SDNN"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"peaks": np.array([5])}, "at least 2 beats"),
        ({"peaks": np.array([5, 5, 9])}, "strictly increasing"),
        ({"peaks": np.array([1, 2, 3]), "method": "annotation"}, "needs the beat symbols"),
        ({"peaks": np.array([1, 2, 3]), "method": "lomb"}, "unknown RR cleaning method"),
        ({"peaks": np.array([1, 2, 3]), "symbols": ["N"]}, "1 symbols for 3 beats"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, message):
    kwargs.setdefault("method", "none")
    with pytest.raises(ValueError, match=message):
        rr_clean(sampling_rate=360.0, **kwargs)


def test_real_records_sinus_and_atrial_fibrillation(data_dir):
    sinus = record_hrv("100")
    assert sinus["hrv_meaningful"] and sinus["nn_share"] > 0.95
    assert 30 < sinus["HRV_SDNN"] < 45 and 20 < sinus["HRV_RMSSD"] < 35  # 35.96 / 27.48 ms
    af = record_hrv("203")  # atrial fibrillation / flutter throughout
    assert not af["hrv_meaningful"] and "non-sinus" in af["note"]
