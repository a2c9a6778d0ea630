"""NSTDB noise, nst's SNR definitions and the noise stress test on real records."""

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.signal.noise import (
    noise_gain,
    nst_noise_power,
    nst_signal_power,
    nstdb_noise,
    snr_db,
    synthetic_powerline,
)
from vitalkit.signal.noise_stress import (
    improvement_summary,
    noise_stress_table,
    noisy_detection_table,
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


def test_nstdb_noise_records() -> None:
    (bw,) = nstdb_noise("bw")
    (ma,) = nstdb_noise("ma")
    em = nstdb_noise("em")  # recovered from 118e00 - 118
    assert bw.size == ma.size == 650_000
    assert len(em) == 7 and [s.size for s in em[:6]] == [43_200] * 6

    def share(x: np.ndarray, lo: float, hi: float) -> float:  # of the power in the first 100 s
        p = np.abs(np.fft.rfft(x[:36_000])) ** 2
        f = np.fft.rfftfreq(36_000, 1 / FS)
        return float(p[(f >= lo) & (f < hi)].sum() / p.sum())

    # as the NSTDB describes them: bw is baseline wander, ma reaches high frequencies
    assert share(bw, 0, 1) > 0.95
    assert share(ma, 10, 180) > 0.15 > 0.01 > share(bw, 10, 180)


def test_em_recovery_is_exact_outside_the_noisy_periods(data_dir) -> None:
    from vitalkit.data.wfdb_io import read_wfdb

    diff = (
        read_wfdb(data_dir / "nstdb" / "118e00").signal[:, 0]
        - read_wfdb(data_dir / "mitdb" / "118").signal[:, 0]
    )
    clean_part = diff[: round(299 * FS)]  # the first 5 minutes are noise-free
    assert np.ptp(clean_part) < 1e-9


def test_missing_noise_record_is_a_data_error(tmp_path) -> None:
    with pytest.raises(DataError, match="not found"):
        nstdb_noise("bw", data_dir=tmp_path)
    with pytest.raises(DataError, match="em"):
        nstdb_noise("em", data_dir=tmp_path)
    with pytest.raises(DataError, match="unknown NSTDB noise"):
        nstdb_noise("xx")


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


def test_noise_stress_on_real_records_matches_known_filter_behaviour() -> None:
    table = noise_stress_table(
        ["100"],
        ["bw", "ma", "pl"],
        [6.0],
        ["median baseline", "wavelet denoise", "notch 60 Hz"],
        duration_s=20.0,
    )
    gain = improvement_summary(table)
    assert gain.loc["median baseline", ("bw", 6.0)] > 6  # baseline removal helps against wander
    assert gain.loc["wavelet denoise", ("ma", 6.0)] > 1  # denoising helps against EMG
    assert gain.loc["notch 60 Hz", ("pl", 6.0)] > 20  # the notch removes hum
    assert abs(gain.loc["notch 60 Hz", ("bw", 6.0)]) < 0.5  # and does nothing to wander


def test_detection_degrades_with_noise() -> None:
    table = noisy_detection_table(["100"], ["ma"], [24.0, 0.0], detector="neurokit", duration_s=30.0)
    assert table.loc[("ma", 24.0), "beats"] == 38
    assert table.loc[("ma", 24.0), "F1 %"] > 97
    assert table.loc[("ma", 0.0), "F1 %"] < 80
