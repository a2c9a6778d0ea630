"""Patient-normalised beat features: rate independence, look-ahead, real records."""

import numpy as np
import pytest

from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.beats.features import RR_COLUMNS, beat_feature_table, feature_names, rr_feature_table
from vitalkit.signal.filters import signal_resample


def _synthetic(fs: float, premature: int = 20) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian 'QRS' every 0.8 s; beat ``premature`` comes 0.3 s early with a wide QRS."""
    t = np.arange(int(40 * fs)) / fs
    times = np.arange(0.5, 39.0, 0.8)
    times[premature] -= 0.3
    ecg = np.zeros_like(t)
    for i, when in enumerate(times):
        width = 0.045 if i == premature else 0.018
        ecg += np.exp(-0.5 * ((t - when) / width) ** 2)
    return ecg, np.round(times * fs).astype(int), times


def test_rr_ratios_mark_the_premature_beat() -> None:
    _, peaks, _ = _synthetic(360.0)
    table = rr_feature_table(peaks, 360.0)
    col = {n: i for i, n in enumerate(RR_COLUMNS)}
    assert table[20, col["rr_pre_median32"]] == pytest.approx(0.5 / 0.8, abs=0.01)
    assert table[20, col["rr_pre_post"]] == pytest.approx(0.5 / 1.1, abs=0.01)
    assert table[10, col["rr_pre_local"]] == pytest.approx(1.0, abs=1e-6)
    # the rhythm is regular: the median successive difference stays near zero throughout
    assert np.median(table[:, col["rr_irregularity_median"]]) < 0.01


def test_features_do_not_depend_on_the_sampling_rate() -> None:
    names = feature_names(1)
    tables = {}
    for fs in (360.0, 128.0, 257.0):
        ecg, peaks, _ = _synthetic(fs)
        tables[fs] = beat_feature_table(ecg[None, :], peaks, fs)
    width = names.index("lead0_qrs_width_ratio")
    for fs in (128.0, 257.0):
        assert tables[fs].shape == tables[360.0].shape
        # the wide beat stays wide, the others stay at the template's width, at any rate
        assert tables[fs][20, width] > 1.8 and abs(np.median(tables[fs][:, width]) - 1.0) < 0.15
        rr = [names.index(n) for n in RR_COLUMNS]
        np.testing.assert_allclose(tables[fs][:, rr], tables[360.0][:, rr], atol=0.02)


def test_resampled_record_keeps_its_features(ecg_segment) -> None:
    # a real record resampled from 360 to 250 Hz: RR ratios and template correlations agree
    from vitalkit.beats.detect import ecg_rpeaks

    signal, fs = ecg_segment
    peaks = ecg_rpeaks(signal, fs)
    at_250 = signal_resample(signal, fs, 250.0)
    a = beat_feature_table(signal[None, :], peaks, fs)
    b = beat_feature_table(at_250[None, :], np.round(peaks * 250.0 / fs).astype(int), 250.0)
    names = feature_names(1)
    for name in ("rr_pre_record_mean", "lead0_corr_qrs"):
        j = names.index(name)
        assert np.median(np.abs(a[:, j] - b[:, j])) < 0.02, name


def test_bad_peaks_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 2 beats"):
        rr_feature_table(np.array([5]), 360.0)
    with pytest.raises(ValueError, match="strictly increasing"):
        rr_feature_table(np.array([5, 5, 9]), 360.0)


def test_transfer_table_on_real_records_separates_classes() -> None:
    # records 209 (S) and 119 (V bigeminy), both leads: S beats are premature against the
    # record's mean RR; V beats are wide and unlike the patient's template
    sets, _ = build_beat_dataset({"x": ["209", "119"]}, features="transfer", progress=False)
    beats = sets["x"]
    names = beats.feature_names
    assert names == feature_names(2) and beats.rr.shape == (len(beats), len(names))
    assert np.isfinite(beats.rr).all()
    x = beats.rr
    n, s, v = (beats.labels == i for i in range(3))
    pre = names.index("rr_pre_record_mean")
    assert np.median(x[s, pre]) < 0.8 < np.median(x[n, pre])
    corr = names.index("lead0_corr_qrs")
    assert np.median(x[v, corr]) < 0.8 < np.median(x[n, corr])
    width = names.index("lead0_qrs_width_ratio")
    assert np.median(x[v, width]) > 1.3 * np.median(x[n, width])


def test_own_p_wave_marks_a_premature_beat_without_one() -> None:
    # a P wave 160 ms before every QRS but the premature (wide) beat's, at two rates
    for fs in (360.0, 250.0):
        ecg, peaks, times = _synthetic(fs)
        t = np.arange(ecg.size) / fs
        for i, when in enumerate(times):
            if i != 20:
                ecg += 0.15 * np.exp(-0.5 * ((t - (when - 0.16)) / 0.02) ** 2)
        table = beat_feature_table(ecg[None, :], peaks, fs)
        col = {n: i for i, n in enumerate(feature_names(1))}
        p_rel, pos = table[:, col["lead0_p_rel"]], table[:, col["lead0_p_pos_ms"]]
        assert np.median(p_rel) == pytest.approx(0.15, abs=0.03)  # P amplitude / QRS amplitude
        assert np.median(table[:, col["lead0_p_signed"]]) > 0.1  # upright
        assert np.median(pos) == pytest.approx(160 - 70, abs=8)  # the region ends 70 ms before R
        prev, nxt = table[:, col["lead0_p_corr_prev"]], table[:, col["lead0_p_corr_next"]]
        assert np.median(prev) > 0.95 and prev[20] < 0.5 and prev[21] < 0.5 and nxt[19] < 0.5
        assert prev[0] == 1.0 and nxt[-1] == 1.0  # no neighbour at the record's ends


def _nanmedian_windows(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, full: int) -> np.ndarray:
    """The reference the fast window medians replace: NaN-padded windows into np.nanmedian."""
    padded = np.full((x.size, full), np.nan)
    for i in range(x.size):
        padded[i, : hi[i] - lo[i]] = x[lo[i] : hi[i]]
    return np.nanmedian(padded, axis=1)


@pytest.mark.parametrize("size", [2, 5, 17, 33, 40, 300])
def test_running_medians_equal_nanmedian_bit_for_bit(size: int) -> None:
    from vitalkit.beats.features import _causal_median, _centred_median, _centred_window_median

    rng = np.random.default_rng(size)
    x = np.round(rng.gamma(4.0, 0.2, size), 3)  # RR-like, with ties
    idx = np.arange(size)
    causal = _nanmedian_windows(x, np.maximum(idx - 32, 0), np.maximum(idx, 1), 32)
    centred = _nanmedian_windows(x, np.maximum(idx - 16, 0), np.minimum(idx + 17, size), 33)
    assert np.array_equal(_causal_median(x, 32), causal)
    assert np.array_equal(_centred_median(x, 16), centred)
    beats = rng.normal(size=(size, 50))
    clipped = np.clip(idx[:, None] + np.arange(-8, 9)[None, :], 0, size - 1)
    assert np.array_equal(_centred_window_median(beats, 8, chunk=7), np.median(beats[clipped], axis=1))


def test_a_repeated_lead_is_measured_once_with_the_same_columns() -> None:
    fs = 360.0
    signal, peaks, _ = _synthetic(fs)
    one = beat_feature_table(signal[None, :], peaks, fs)
    two = beat_feature_table(np.stack([signal, signal]), peaks, fs)
    other = beat_feature_table(np.stack([signal, -signal]), peaks, fs)
    k = one.shape[1]
    assert np.array_equal(two[:, :k], one) and np.array_equal(two[:, k:], one[:, len(RR_COLUMNS) :])
    assert not np.array_equal(other[:, k:], one[:, len(RR_COLUMNS) :])
