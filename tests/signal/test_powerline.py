"""Adaptive powerline cancellation: convergence, tracking, what it leaves alone."""

import numpy as np
import pytest

from vitalkit.signal.powerline import powerline_cancel

FS = 360.0
T = np.arange(round(30 * FS)) / FS


@pytest.mark.parametrize("method", ["lms", "rls"])
def test_converges_on_pure_hum(method: str) -> None:
    hum = 0.4 * np.sin(2 * np.pi * 60 * T + 0.7)
    out = powerline_cancel(hum, FS, 60.0, method=method)
    assert np.std(out[-round(5 * FS) :]) < 0.01 * np.std(hum)  # > 40 dB after convergence
    assert np.std(out[: round(0.05 * FS)]) > 0.1 * np.std(hum)  # it had to learn first


def test_lms_converges_in_about_one_over_mu_samples() -> None:
    hum = np.sin(2 * np.pi * 60 * T)
    err = np.abs(powerline_cancel(hum, FS, 60.0, method="lms", mu=0.01))
    envelope = np.array([err[i : i + 6].max() for i in range(0, 1800, 6)])  # per 60 Hz cycle
    below = np.flatnonzero(envelope < np.exp(-3))[0] * 6  # three time constants
    assert 150 < below < 600  # 3 / mu = 300 samples


@pytest.mark.parametrize("method", ["lms", "rls"])
def test_tracks_drifting_amplitude_and_keeps_the_ecg(method: str) -> None:
    amp = 0.3 * (1 + 0.5 * np.sin(2 * np.pi * 0.05 * T))
    hum = amp * np.sin(2 * np.pi * 60 * T)
    ecg = np.sin(2 * np.pi * 1.2 * T) + 0.3 * np.sin(2 * np.pi * 15 * T)
    out = powerline_cancel(ecg + hum, FS, 60.0, method=method)
    tail = slice(round(5 * FS), None)
    improvement = 20 * np.log10(np.std(hum[tail]) / np.std(out[tail] - ecg[tail]))
    assert improvement > 25


def test_harmonics_and_return_estimate() -> None:
    hum = np.sin(2 * np.pi * 50 * T) + 0.5 * np.sin(2 * np.pi * 100 * T)
    est = powerline_cancel(hum, FS, 50.0, harmonics=2, return_estimate=True)
    assert np.std((hum - est)[-720:]) < 0.02


def test_errors() -> None:
    with pytest.raises(ValueError, match="unknown powerline method"):
        powerline_cancel(np.zeros(3600), FS, method="kalman")
    with pytest.raises(ValueError, match="too low for 60 Hz"):
        powerline_cancel(np.zeros(3600), 100.0)
    with pytest.raises(ValueError, match="mu"):
        powerline_cancel(np.zeros(3600), FS, mu=2.0)
    with pytest.raises(ValueError, match="non-finite"):
        powerline_cancel(np.full(3600, np.nan), FS)
