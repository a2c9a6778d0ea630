"""Wavelet denoising, multi-resolution decomposition and the continuous transform."""

import numpy as np
import pytest

from vitalkit.signal.wavelets import signal_cwt, signal_dwt_decompose, signal_wavelet_denoise

FS = 360.0


def test_denoising_real_ecg_with_white_noise_gains_snr(data_dir) -> None:
    from vitalkit.beats.noise_stress import load_segment

    clean, fs = load_segment("100", 300.0, 20.0)
    noise = np.random.default_rng(0).normal(0, 0.1, clean.size)
    out = signal_wavelet_denoise(clean + noise, fs)
    gain = 20 * np.log10(np.std(noise) / np.std(out - clean))
    assert gain > 2  # measured 2.7 dB
    assert np.ptp(out) > 0.8 * np.ptp(clean)  # QRS complexes survive (84 %: soft shrinkage)
    hard = signal_wavelet_denoise(clean + noise, fs, mode="hard")
    assert 20 * np.log10(np.std(noise) / np.std(hard - clean)) > gain + 2  # measured 6.1 dB


def test_hard_and_minimax_thresholds_are_milder_than_soft_universal() -> None:
    x = np.random.default_rng(1).normal(size=3600)
    soft = signal_wavelet_denoise(x, FS)
    minimax = signal_wavelet_denoise(x, FS, threshold="minimax")
    assert np.std(soft) < np.std(minimax) < np.std(x)


def test_dwt_components_sum_to_signal_and_bands_halve() -> None:
    x = np.random.default_rng(2).normal(size=4096)
    dec = signal_dwt_decompose(x, FS, level=5)
    assert np.allclose(dec.components.sum(axis=0), x)
    assert dec.names == ["A5", "D5", "D4", "D3", "D2", "D1"]
    assert dec.bands_hz[-1] == (90.0, 180.0) and dec.bands_hz[0] == (0.0, 5.625)


def test_dwt_puts_a_sine_in_its_band() -> None:
    t = np.arange(4096) / FS
    dec = signal_dwt_decompose(np.sin(2 * np.pi * 30 * t), FS, level=5)  # D3 is 22.5-45 Hz
    assert dec.table()["energy %"].idxmax() == "D3"


def test_cwt_finds_frequency_and_time() -> None:
    t = np.arange(round(4 * FS)) / FS
    x = np.where(t < 2, np.sin(2 * np.pi * 8 * t), np.sin(2 * np.pi * 30 * t))
    tf = signal_cwt(x, FS, frequencies=np.array([8.0, 30.0]))
    early, late = tf.power[:, : round(1.5 * FS)].mean(axis=1), tf.power[:, round(2.5 * FS) :].mean(axis=1)
    assert early.argmax() == 0 and late.argmax() == 1


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: signal_wavelet_denoise(np.zeros(3600), FS, wavelet="nope"), "unknown discrete wavelet"),
        (lambda: signal_wavelet_denoise(np.zeros(32), FS), "too short"),
        (lambda: signal_wavelet_denoise(np.zeros(3600), 40.0), "too low"),
        (lambda: signal_wavelet_denoise(np.zeros(3600), FS, threshold="x"), "unknown threshold"),
        (lambda: signal_dwt_decompose(np.zeros(100), FS, level=8), "level 8 impossible"),
        (lambda: signal_cwt(np.zeros(100), FS, frequencies=np.array([200.0])), "frequencies must lie"),
        (lambda: signal_cwt(np.zeros(100), FS, wavelet="nope"), "unknown continuous wavelet"),
        (lambda: signal_cwt(np.r_[0.0, np.nan], FS), "non-finite"),
    ],
)
def test_clear_errors(call, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()


def test_flat_line_stays_flat() -> None:
    assert np.allclose(signal_wavelet_denoise(np.full(3600, 0.7), FS), 0.7)
