"""Welch spectra, STFT and band powers."""

import numpy as np
import pytest

from vitalkit.signal.spectra import band_power_table, signal_stft, signal_welch

FS = 360.0


def test_welch_power_integrates_to_variance() -> None:
    x = np.random.default_rng(0).normal(0, 0.5, round(60 * FS))
    psd = signal_welch(x, FS)
    df = psd["frequency_hz"].iloc[1]
    assert psd["power"].sum() * df == pytest.approx(0.25, rel=0.05)
    assert df == pytest.approx(0.25)  # 4 s windows


def test_stft_localises_a_frequency_change() -> None:
    t = np.arange(round(10 * FS)) / FS
    x = np.where(t < 5, np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 40 * t))
    tf = signal_stft(x, FS, window_s=1.0)
    peak = tf.frequencies[tf.power.argmax(axis=0)]
    assert set(np.round(peak[tf.times < 4])) == {10.0}
    assert set(np.round(peak[tf.times > 6])) == {40.0}


def test_band_power_of_real_ecg(data_dir) -> None:
    from vitalkit.beats.noise_stress import load_segment

    x, fs = load_segment("100", 0.0, 60.0)
    table = band_power_table({"ecg": x}, fs)
    assert table.loc["ecg", "5-15 Hz"] > table.loc["ecg", "40-70 Hz"] * 10  # QRS band dominates noise


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: signal_welch(np.zeros(4), FS), "too short"),
        (lambda: signal_welch(np.zeros(3600), FS, overlap=1.0), "overlap"),
        (lambda: signal_stft(np.zeros(3600), 10.0, window_s=0.5), "at least 8"),
        (lambda: signal_welch(np.r_[np.zeros(100), np.inf], FS), "non-finite"),
    ],
)
def test_clear_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
