"""Band-pass and notch filters, and the input checks every signal function shares."""

import numpy as np
import pytest

from vitalkit.signal.filters import check_rate, check_signal, ecg_bandpass, signal_notch

FS = 360.0
T = np.arange(round(20 * FS)) / FS


def _db(ratio: float) -> float:
    return 20 * np.log10(ratio)


@pytest.mark.parametrize("mains", [50.0, 60.0])
def test_notch_removes_mains_by_more_than_30_db_and_keeps_the_ecg_band(mains: float) -> None:
    hum = np.sin(2 * np.pi * mains * T)
    ecg_like = np.sin(2 * np.pi * 10 * T)
    out = signal_notch(hum + ecg_like, FS, frequency=mains)
    inner = slice(round(2 * FS), -round(2 * FS))  # away from the filtfilt edges
    residual_hum = out[inner] - ecg_like[inner]
    assert _db(np.std(hum[inner]) / np.std(residual_hum)) > 30
    assert np.std(out[inner]) == pytest.approx(np.std(ecg_like[inner]), rel=0.01)


def test_notch_harmonics() -> None:
    x = np.sin(2 * np.pi * 60 * T) + np.sin(2 * np.pi * 120 * T)
    one = signal_notch(x, FS, 60.0, harmonics=1)
    two = signal_notch(x, FS, 60.0, harmonics=2)
    assert np.std(one[720:-720]) > 0.6  # 120 Hz left
    assert np.std(two[720:-720]) < 0.02


def test_bandpass_removes_drift_and_high_frequency() -> None:
    drift = np.sin(2 * np.pi * 0.1 * T)
    high = np.sin(2 * np.pi * 100 * T)
    mid = np.sin(2 * np.pi * 10 * T)
    out = ecg_bandpass(drift + high + mid, FS)
    inner = slice(720, -720)
    assert np.std(out[inner] - mid[inner]) < 0.05


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: signal_notch(np.ones(360), 100.0, 60.0), "too low for a 60 Hz notch"),
        (lambda: signal_notch(np.ones(100), FS), "too short"),
        (lambda: ecg_bandpass(np.r_[np.ones(100), np.nan, np.ones(100)], FS), "1 non-finite samples"),
        (lambda: ecg_bandpass(np.ones(50), 1.0), "too low"),
        (lambda: check_signal(np.ones((3, 3)), FS), "1-D"),
        (lambda: check_signal(np.ones(10), 0.0), "invalid sampling rate"),
        (lambda: check_rate(50, 120, "x"), "needs more than 120 Hz"),
    ],
)
def test_clear_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_nan_run_position_is_reported() -> None:
    x = np.ones(3600)
    x[1800:1900] = np.nan
    with pytest.raises(ValueError, match=r"100 non-finite samples \(first at 5.00 s\)"):
        signal_notch(x, FS)


def test_flat_line_passes_through() -> None:
    assert np.allclose(signal_notch(np.full(3600, 1.5), FS), 1.5)


@pytest.mark.parametrize("fs", [100.0, 128.0, 250.0, 257.0, 360.0, 500.0])
def test_bandpass_equals_neurokit2_butterworth(fs: float) -> None:
    """ecg_bandpass designs its filter once per setting; the output stays neurokit2's, bit for bit."""
    import neurokit2 as nk

    x = np.random.default_rng(int(fs)).normal(size=int(12 * fs))
    for low, high, order in ((0.5, 40.0, 3), (1.0, 100.0, 2)):
        ref = nk.signal_filter(x, sampling_rate=fs, lowcut=low, highcut=min(high, 0.45 * fs), order=order)
        assert np.array_equal(ecg_bandpass(x, fs, low, high, order), ref)
        assert np.array_equal(ecg_bandpass(x, fs, low, high, order), ref)  # from the cached design
