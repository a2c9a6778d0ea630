"""nst's SNR definitions and synthetic powerline hum (NSTDB noise: tests/data/test_nstdb.py)."""

import numpy as np
import pytest

from vitalkit.data.nstdb import nstdb_noise
from vitalkit.signal.noise import (
    noise_gain,
    nst_noise_power,
    nst_signal_power,
    snr_db,
    synthetic_powerline,
)

FS = 360.0


def test_signal_power_is_qrs_amplitude_squared_over_8() -> None:
    x = np.zeros(36000)
    beats = np.arange(360, 35000, 360)
    x[beats] = 1.0
    x[beats[::25]] = 5.0  # 4 outliers in 97 beats: trimmed (5 % each side) away
    assert nst_signal_power(x, FS, beats) == pytest.approx(1.0 / 8, rel=0.01)


def test_noise_power_ignores_per_second_offsets() -> None:
    rng = np.random.default_rng(0)
    steps = np.repeat(rng.normal(0, 5, 60), 360)  # a different offset every second
    assert nst_noise_power(steps + rng.normal(0, 0.2, steps.size), FS) == pytest.approx(0.04, rel=0.05)


def test_gain_gives_the_requested_snr() -> None:
    noise = nstdb_noise("ma")[0][: round(60 * FS)]
    for target in (24.0, 6.0, 0.0):
        a = noise_gain(0.5, noise, FS, target)
        assert snr_db(np.zeros(noise.size), a * noise, FS, 0.5) == pytest.approx(target, abs=1e-9)


def test_synthetic_powerline_is_seeded() -> None:
    assert np.array_equal(synthetic_powerline(3600, FS, seed=3), synthetic_powerline(3600, FS, seed=3))
    assert not np.array_equal(synthetic_powerline(3600, FS, seed=3), synthetic_powerline(3600, FS, seed=4))


def test_snr_errors() -> None:
    with pytest.raises(ValueError, match="flat"):
        nst_signal_power(np.zeros(3600), FS, np.array([400, 800, 1200]))
    with pytest.raises(ValueError, match="at least 3 are needed"):
        nst_signal_power(np.zeros(3600), FS, np.array([1]))
    with pytest.raises(ValueError, match="differ in length"):
        snr_db(np.zeros(3600), np.zeros(3000), FS, 1.0)
    with pytest.raises(ValueError, match="flat"):
        noise_gain(1.0, np.zeros(3600), FS, 10.0)
