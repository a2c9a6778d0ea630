"""Baseline-wander removal on synthetic signals with known answers and on a real record."""

import numpy as np
import pytest

from vitalkit.signal.baseline import BASELINE_METHODS, ecg_baseline, ecg_baseline_remove

FS = 360.0


def _spiky_ecg(seconds: float = 30.0) -> np.ndarray:
    """1 Hz train of 60 ms wide unit QRS-like bumps."""
    t = np.arange(round(seconds * FS)) / FS
    phase = (t % 1.0) - 0.5
    return np.exp(-0.5 * (phase / 0.012) ** 2)


@pytest.mark.parametrize("method", sorted(BASELINE_METHODS))
def test_removes_a_0_2_hz_drift(method: str) -> None:
    ecg = _spiky_ecg()
    t = np.arange(ecg.size) / FS
    drift = 1.5 * np.sin(2 * np.pi * 0.2 * t) + 0.5
    out = ecg_baseline_remove(ecg + drift, FS, method)
    inner = slice(round(3 * FS), -round(3 * FS))
    expected = ecg - np.median(ecg)  # each method also takes the spikes' own level away
    residual = out[inner] - expected[inner]
    assert np.std(residual - residual.mean()) < 0.1 * np.std(drift)  # drift down by > 20 dB


def test_median_method_keeps_qrs_amplitude() -> None:
    ecg = _spiky_ecg()
    out = ecg_baseline_remove(ecg + 2.0, FS, "median")
    assert out.max() == pytest.approx(1.0, abs=0.02)


@pytest.mark.parametrize("method", sorted(BASELINE_METHODS))
def test_real_record_baseline_is_slow(method: str, data_dir) -> None:
    from vitalkit.beats.noise_stress import load_segment

    x, fs = load_segment("105", 240.0, 20.0)
    base = ecg_baseline(x, fs, method)
    spectrum = np.abs(np.fft.rfft(base - base.mean())) ** 2
    freqs = np.fft.rfftfreq(base.size, 1 / fs)
    assert spectrum[freqs > 5].sum() < 0.02 * spectrum.sum()  # no QRS energy in the baseline


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown baseline method"):
        ecg_baseline(np.zeros(3600), FS, "magic")
    with pytest.raises(ValueError, match="too short"):
        ecg_baseline(np.zeros(100), FS)
    with pytest.raises(ValueError, match="too low"):
        ecg_baseline(np.zeros(100), 10.0)
    with pytest.raises(ValueError, match="cutoff must be positive"):
        ecg_baseline(np.zeros(3600), FS, cutoff=0)
