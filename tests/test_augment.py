"""Augmentations do what they say (spectral content, amplitude, timing) and are seeded."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.augment import (
    AUGMENTATIONS,
    Augmenter,
    amplitude_scale,
    augmentation_figure,
    baseline_wander,
    muscle_noise,
    powerline,
    time_scale,
)
from vitalkit.errors import ParamsError

FS = 360.0


def _power_fraction(x: np.ndarray, low: float, high: float, fs: float = FS) -> float:
    spectrum = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(x.shape[-1], 1 / fs)
    band = (freqs >= low) & (freqs <= high)
    return float(spectrum[..., band].sum() / spectrum.sum())


def test_baseline_wander_is_slow_and_bounded() -> None:
    rng = np.random.default_rng(0)
    added = baseline_wander(np.zeros((200, 3600)), FS, rng, amplitude_mv=0.3)
    assert np.abs(added).max() <= 0.3
    assert np.abs(added).max(axis=1).max() > 0.25  # amplitudes are drawn up to the limit
    assert _power_fraction(added, 0, 0.7) > 0.97  # 10 s windows: all below 0.5 Hz (+ leakage)


def test_powerline_is_a_50_or_60_hz_tone() -> None:
    rng = np.random.default_rng(1)
    for f in (50.0, 60.0):
        added = powerline(np.zeros((20, 3600)), FS, rng, amplitude_mv=0.1, frequency_hz=f)
        assert np.abs(added).max() <= 0.1
        assert _power_fraction(added, f - 0.5, f + 0.5) > 0.95


def test_muscle_noise_sits_in_the_emg_band_with_the_given_rms() -> None:
    rng = np.random.default_rng(2)
    added = muscle_noise(np.zeros((300, 720)), FS, rng, amplitude_mv=0.05)
    rms = np.sqrt((added**2).mean(axis=1))
    assert rms.max() <= 0.05 + 1e-12 and 0.02 < rms.mean() < 0.03  # uniform in [0, 0.05]
    assert _power_fraction(added, 18, 162) > 0.9


def test_amplitude_scale_multiplies_every_channel_of_a_window_alike() -> None:
    rng = np.random.default_rng(3)
    x = np.random.default_rng(9).normal(size=(100, 3, 256))
    out = amplitude_scale(x, FS, rng, range=(0.8, 1.2))
    ratio = out / x
    assert np.allclose(ratio, ratio[:, :1, :1])  # one factor per window
    assert 0.8 <= ratio.min() and ratio.max() <= 1.2 and ratio.max() - ratio.min() > 0.3


def test_time_scale_stretches_about_the_centre() -> None:
    t = np.arange(361)
    beat = np.exp(-0.5 * ((t - 180) / 10.0) ** 2)  # centred "R peak", sigma 10 samples
    rng = np.random.default_rng(4)
    out = time_scale(np.repeat(beat[None], 50, axis=0), FS, rng, range=(0.8, 1.25))
    assert (out.argmax(axis=1) == 180).all()
    widths = (out > 0.5).sum(axis=1) / (beat > 0.5).sum()
    assert 0.75 < widths.min() < 0.9 and 1.15 < widths.max() < 1.3


SPEC = {
    "baseline_wander": {"p": 0.5, "amplitude_mv": 0.3},
    "powerline": {"p": 0.5},
    "muscle_noise": {"p": 0.5, "amplitude_mv": 0.05},
    "amplitude_scale": {"p": 0.5, "range": [0.8, 1.2]},
    "time_scale": {"p": 0.5, "range": [0.9, 1.1]},
}


def test_augmenter_is_seeded_and_keeps_shape_and_dtype() -> None:
    windows = np.random.default_rng(0).normal(size=(64, 2, 256)).astype(np.float32)
    before = windows.copy()
    a = Augmenter(SPEC, FS, seed=7)
    out = a(windows, np.random.default_rng(11))
    assert out.shape == windows.shape and out.dtype == np.float32
    np.testing.assert_array_equal(windows, before)  # input untouched
    np.testing.assert_array_equal(out, Augmenter(SPEC, FS, seed=7)(windows, np.random.default_rng(11)))
    assert not np.array_equal(out, a(windows, np.random.default_rng(12)))
    # without a generator the augmenter's own, seeded one is used
    np.testing.assert_array_equal(Augmenter(SPEC, FS, seed=3)(windows), Augmenter(SPEC, FS, seed=3)(windows))
    assert Augmenter(SPEC, FS, seed=3)(windows[:, 0]).shape == (64, 256)  # (n, L) too


@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_each_augmentation_hits_a_fraction_p_of_windows(p: float) -> None:
    windows = np.ones((2000, 64))
    out = Augmenter({"amplitude_scale": {"p": p, "range": [1.5, 2.0]}}, FS, seed=0)(windows)
    changed = (out != 1).any(axis=1).mean()
    assert abs(changed - p) < 0.04


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"rotation": {}}, r"unknown augmentation 'rotation'"),
        ({"powerline": {"amp": 1}}, r"powerline: unknown parameter\(s\) \['amp'\]"),
        ({"powerline": {"p": 1.5}}, r"powerline.p must be a probability"),
        ({"amplitude_scale": {"range": [1.2, 0.8]}}, r"amplitude_scale.range must be \[low, high\]"),
        ({"time_scale": {"range": "0.9-1.1"}}, r"time_scale.range must be"),
        (
            {"powerline": {"frequency_hz": 60}},
            r"frequency_hz=60 is not below the Nyquist frequency \(50 Hz\)",
        ),
        ({"muscle_noise": {"band_hz": [50, 80]}}, r"band_hz starts at 50 Hz, above 0.45"),
        ({"baseline_wander": {"amplitude_mv": -1}}, r"amplitude_mv must be a number >= 0"),
        ({"baseline_wander": "yes"}, r"parameters must be a mapping"),
    ],
)
def test_bad_specs_are_params_errors(spec: dict, message: str) -> None:
    with pytest.raises(ParamsError, match=message):
        Augmenter(spec, sampling_rate=100.0, seed=0)


def test_every_problem_is_listed() -> None:
    with pytest.raises(ParamsError) as info:
        Augmenter({"rotation": {}, "powerline": {"p": 2}}, 360, 0)
    assert len(info.value.problems) == 2


def test_figure_shows_each_augmentation_on_a_real_beat(ecg_segment: tuple) -> None:
    signal, fs = ecg_segment
    beat = signal[int(0.57 * fs) : int(1.27 * fs)]  # the first beat of record 100
    fig = augmentation_figure(beat, fs, SPEC, n_draws=3, seed=0)
    titles = [a.text for a in fig.layout.annotations]
    assert titles == list(SPEC) and len(fig.data) == 4 * len(SPEC)
    assert set(AUGMENTATIONS) == set(SPEC)
    assert len(fig.to_json()) < 200_000
