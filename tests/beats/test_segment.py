"""Beat windows and RR features."""

import numpy as np
import pytest

from vitalkit.beats.segment import beat_windows, rr_features


def test_windows_are_centred_on_peaks_and_edges_dropped() -> None:
    x = np.arange(1000, dtype=float)
    w, keep = beat_windows(x, np.array([10, 100, 990]), 100.0, before_s=0.2, after_s=0.3)
    assert keep.tolist() == [False, True, False]
    assert w.shape == (1, 50)
    assert w[0, 0] == 80 and w[0, 20] == 100  # the peak sits `before` samples in
    assert w.dtype == np.float32


def test_rr_features_values() -> None:
    peaks = np.array([0, 360, 720, 1260, 1440])  # RR 1.0, 1.0, 1.5, 0.5 s
    rr = rr_features(peaks, 360.0, local_beats=2)
    np.testing.assert_allclose(rr[:, 0], [1.0, 1.0, 1.0, 1.5, 0.5])  # previous (first = next)
    np.testing.assert_allclose(rr[:, 1], [1.0, 1.0, 1.5, 0.5, 0.5])  # next (last = previous)
    np.testing.assert_allclose(rr[:, 2], [1.0, 1.0, 1.0, 1.25, 1.0])  # mean of last 2 previous
    np.testing.assert_allclose(rr[:, 3], 1.0)  # record mean of the 4 intervals


def test_rr_features_clip_long_gaps() -> None:
    rr = rr_features(np.array([0, 360, 36_360]), 360.0)  # a 100 s gap without beats
    assert rr[:, 0].max() == pytest.approx(3.0)


def test_rr_features_need_two_beats() -> None:
    with pytest.raises(ValueError, match="at least 2 beats"):
        rr_features(np.array([5]), 360.0)


def test_running_template_is_causal_median() -> None:
    from vitalkit.beats.segment import running_template

    rng = np.random.default_rng(0)
    w = rng.normal(0, 1, (100, 10)).astype(np.float32)
    t = running_template(w, history=8, chunk=7)
    np.testing.assert_allclose(t[50], np.median(w[42:50], axis=0), rtol=1e-6)
    np.testing.assert_allclose(t[3], np.median(w[:8], axis=0), rtol=1e-6)  # the first beats
    w[60] += 100  # a beat never influences its own template
    assert np.allclose(running_template(w, history=8)[60], t[60])
