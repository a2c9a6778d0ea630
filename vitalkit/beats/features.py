"""Per-beat features that transfer between patients: normalised RR context and relative morphology.

Every feature is measured in seconds, milliseconds, millivolts or is dimensionless, so the
table does not depend on the sampling rate. What separates beat classes across patients is
how a beat differs from *the same patient's* usual rhythm and usual beat, so most features are
ratios to the patient's own averages (de Chazal 2004; Mondéjar-Guerra 2019; Saenz-Cogollo
2020; Farag 2023):

* RR context: previous and next RR divided by causal running averages (10-beat mean, 32-beat
  median, 80-beat mean) and by the record's median RR; the previous/next ratio (prematurity
  against compensatory pause); the local irregularity.
* Morphology per lead against the patient's *dominant-beat template*: the median of the
  record's beats whose RR is regular (an unsupervised, label-free per-patient adaptation).
  QRS width and amplitude ratios, correlations and residual energies of the P, QRS and T
  regions, and the beat-minus-template waveform sampled at a few points.

Look-ahead (named here, in :data:`LOOK_AHEAD`, and in every model card): ``rr_post`` needs
the next beat; the record's median RR and the dominant-beat template use the whole record,
as an offline Holter analysis does. A streaming deployment would replace them by causal
running values.

Examples
--------
>>> import numpy as np
>>> fs = 250.0
>>> t = np.arange(int(60 * fs)) / fs
>>> peaks = np.arange(int(0.5 * fs), t.size - int(fs), int(0.8 * fs))
>>> ecg = np.zeros_like(t)
>>> for p in peaks:
...     ecg += np.exp(-0.5 * ((t - p / fs) / 0.012) ** 2)
>>> table = beat_feature_table(ecg[None, :], peaks, fs)
>>> table.shape == (peaks.size, len(feature_names(1)))
True
>>> float(np.median(table[:, feature_names(1).index("rr_pre_local")]))
1.0
"""

from __future__ import annotations

import itertools

import numpy as np

LOOK_AHEAD: dict[str, str] = {
    "rr_post": "the next RR interval (one beat of look-ahead)",
    "rr_*_centred, rr_fraction_irregular": "RR over the 16 beats on either side (16 beats of look-ahead)",
    "lead*_local_*": "the local average beat, median of the 8 beats on either side (8 beats of look-ahead)",
    "rr_*_record, rr_*_record_mean": "the record's median and mean RR (whole record)",
    "template (lead*_ ratios, corr, resid)": "median of the record's regular beats (whole record)",
    "lead*_p_corr_next": "the next beat's P-wave region (one beat of look-ahead)",
}
"""What the feature table looks ahead at, by feature family (for model cards and metadata)."""

RR_COLUMNS: tuple[str, ...] = (
    "rr_pre",
    "rr_post",
    "rr_local",
    "rr_record",
    "rr_pre_local",
    "rr_post_local",
    "rr_pre_median32",
    "rr_post_median32",
    "rr_pre_mean80",
    "rr_pre_record",
    "rr_post_record",
    "rr_local_record",
    "rr_pre_record_mean",
    "rr_post_record_mean",
    "rr_local_record_mean",
    "rr_pre_post",
    "rr_pre_change",
    "rr_irregularity",
    "rr_irregularity_median",
    "rr_irregularity_centred",
    "rr_fraction_irregular",
    "rr_cv_centred",
)
"""RR features: the first four in seconds (previous, next, causal 10-beat mean, record mean);
the rest dimensionless ratios to the patient's own rhythm."""

_REGIONS_MS: dict[str, tuple[float, float]] = {
    "p": (-250.0, -70.0),
    "qrs": (-70.0, 80.0),
    "t": (120.0, 450.0),
}
_WINDOW_MS = (-250.0, 450.0)
_QRS_POINTS = 8
_WAVE_POINTS = 12

_LEAD_COLUMNS: tuple[str, ...] = (
    "qrs_width_ms",
    "qrs_width_ratio",
    "qrs_max_mv",
    "qrs_min_mv",
    "qrs_ptp_ratio",
    "qrs_area_ratio",
    "corr_full",
    "corr_p",
    "corr_qrs",
    "corr_t",
    "resid_p",
    "resid_qrs",
    "resid_t",
    "lag_ms",
    "local_p_ratio",
    "local_corr_p",
    "p_rel",
    "p_signed",
    "p_pos_ms",
    "p_energy",
    "p_corr_prev",
    "p_corr_next",
    *(f"qrs_diff_{i}" for i in range(_QRS_POINTS)),
    *(f"wave_{i}" for i in range(_WAVE_POINTS)),
)


def feature_names(n_leads: int) -> list[str]:
    """Column names of :func:`beat_feature_table` for ``n_leads`` leads.

    Examples
    --------
    >>> feature_names(2)[:2], feature_names(2)[-1]
    (['rr_pre', 'rr_post'], 'lead1_wave_11')
    """
    return [*RR_COLUMNS, *(f"lead{k}_{c}" for k in range(n_leads) for c in _LEAD_COLUMNS)]


def _causal_mean(x: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``x[max(0, i-n+1) : i+1]`` for every ``i``."""
    csum = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(x.size)
    lo = np.maximum(idx + 1 - n, 0)
    return (csum[idx + 1] - csum[lo]) / (idx + 1 - lo)


def _window_medians(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, full: int) -> np.ndarray:
    """Median of ``x[lo[i]:hi[i]]`` (at most ``full`` values, at least one) for every ``i``.

    The windows are sorted side by side, padded with infinity; a window's median is the mean of
    its two middle values (one value counted twice when its length is odd): the values
    :func:`numpy.median` gives window by window, and :func:`numpy.nanmedian` over NaN-padded
    windows, without a Python loop or nanmedian's slow masked-array path.
    """
    padded = np.append(x, np.inf)
    index = lo[:, None] + np.arange(full)[None, :]
    ordered = np.sort(padded[np.where(index < hi[:, None], index, x.size)], axis=1)
    count, rows = hi - lo, np.arange(x.size)
    return (ordered[rows, (count - 1) // 2] + ordered[rows, count // 2]) / 2.0


def _causal_median(x: np.ndarray, n: int) -> np.ndarray:
    """Median of the ``n`` values before each position (the first value for position 0).

    >>> _causal_median(np.array([4.0, 1.0, 3.0, 2.0]), 2).tolist()
    [4.0, 4.0, 2.5, 2.0]
    """
    idx = np.arange(x.size)
    return _window_medians(x, np.maximum(idx - n, 0), np.maximum(idx, 1), n)


def _centred_median(x: np.ndarray, half: int) -> np.ndarray:
    """Median of ``x[i-half : i+half+1]`` (shorter at the ends).

    >>> _centred_median(np.array([4.0, 1.0, 3.0, 2.0]), 1).tolist()
    [2.5, 3.0, 2.0, 2.5]
    """
    idx = np.arange(x.size)
    return _window_medians(x, np.maximum(idx - half, 0), np.minimum(idx + half + 1, x.size), 2 * half + 1)


def _centred_mean(x: np.ndarray, half: int) -> np.ndarray:
    """Mean of ``x[i-half : i+half+1]`` (shorter at the ends)."""
    csum = np.concatenate([[0.0], np.cumsum(x)])
    idx = np.arange(x.size)
    lo = np.maximum(idx - half, 0)
    hi = np.minimum(idx + half + 1, x.size)
    return (csum[hi] - csum[lo]) / (hi - lo)


def rr_feature_table(peaks: np.ndarray, sampling_rate: float, max_rr_s: float = 3.0) -> np.ndarray:
    """RR features of every beat (columns: :data:`RR_COLUMNS`).

    Parameters
    ----------
    peaks : np.ndarray
        Sorted R-peak sample indices of *all* beats of a record (any class).
    sampling_rate : float
        Samples per second.
    max_rr_s : float
        Intervals are clipped here: longer gaps are stretches without annotated beats
        (ventricular flutter, noise), not RR intervals.

    Returns
    -------
    np.ndarray
        ``(n_beats, len(RR_COLUMNS))`` float64.

    Examples
    --------
    >>> t = rr_feature_table(np.array([0, 300, 600, 800, 1200, 1500]), 300.0)
    >>> round(float(t[3, RR_COLUMNS.index("rr_pre_median32")]), 3)   # the premature beat
    0.667
    """
    peaks = np.asarray(peaks, dtype=np.float64)
    if peaks.size < 2:
        raise ValueError(f"need at least 2 beats for RR features, got {peaks.size}")
    if np.any(np.diff(peaks) <= 0):
        raise ValueError("R-peak positions must be strictly increasing")
    rr = np.clip(np.diff(peaks) / sampling_rate, 0.05, max_rr_s)
    pre = np.concatenate([[rr[0]], rr])
    post = np.concatenate([rr, [rr[-1]]])
    local = _causal_mean(pre, 10)
    mean80 = _causal_mean(pre, 80)
    median32 = _causal_median(pre, 32)
    record_mean = np.full(pre.size, rr.mean())
    record_median = float(np.median(rr))
    prev_pre = np.concatenate([[pre[0]], pre[:-1]])
    change = (pre - prev_pre) / median32
    absdiff = np.abs(np.diff(pre, prepend=pre[0]))
    irregularity = _causal_mean(absdiff, 10) / local
    # The median successive difference ignores isolated pauses and ectopic beats: high in
    # atrial fibrillation, low in a regular rhythm with occasional premature beats.
    irregularity_median = _causal_median(absdiff, 16) / median32
    # The same over 16 beats on either side (look-ahead), and the share of successive
    # differences above 50 ms there (pNN50, an AF marker).
    irregularity_centred = _centred_median(absdiff, 16) / median32
    fraction_irregular = _centred_mean((absdiff > 0.05).astype(np.float64), 16)
    spread = np.sqrt(np.maximum(_centred_mean(pre**2, 16) - _centred_mean(pre, 16) ** 2, 0.0))
    cv_centred = spread / _centred_mean(pre, 16)
    columns = [
        pre,
        post,
        local,
        record_mean,
        pre / local,
        post / local,
        pre / median32,
        post / median32,
        pre / mean80,
        pre / record_median,
        post / record_median,
        local / record_median,
        pre / record_mean,
        post / record_mean,
        local / record_mean,
        pre / post,
        change,
        irregularity,
        irregularity_median,
        irregularity_centred,
        fraction_irregular,
        cv_centred,
    ]
    return np.stack(columns, axis=1)


def _region(ms: tuple[float, float], fs: float, before: int) -> slice:
    return slice(before + round(ms[0] * fs / 1000.0), before + round(ms[1] * fs / 1000.0))


def _corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of every row of ``a`` (last axis) with the vector ``b``."""
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean()
    denom = np.sqrt((a**2).sum(axis=-1) * (b**2).sum()) + 1e-12
    return (a @ b) / denom


def _qrs_bounds(beats: np.ndarray, fs: float, before: int) -> tuple[np.ndarray, np.ndarray]:
    """QRS onset and offset (sample offsets in the window) from the slope envelope.

    The absolute slope is smoothed over 10 ms. Its steepest points before and after the R
    peak (within 80 ms) mark the QRS's up- and downstroke; the onset is where the envelope
    last falls below 15 % of its maximum before the upstroke (searching up to 150 ms before
    R), the offset where it first falls below it after the downstroke (up to 200 ms after R).
    """
    slope = np.abs(np.diff(beats, axis=1, prepend=beats[:, :1])) * fs
    k = max(1, round(0.010 * fs))
    kernel = np.ones(k) / k
    env = np.apply_along_axis(lambda s: np.convolve(s, kernel, mode="same"), 1, slope)
    reach = round(0.08 * fs)
    _n, length = beats.shape
    lo_lim = max(0, before - round(0.15 * fs))
    hi_lim = min(length - 1, before + round(0.20 * fs))
    left = env[:, before - reach : before + 1]
    right = env[:, before : before + reach + 1]
    up = before - reach + left.argmax(axis=1)
    down = before + right.argmax(axis=1)
    level = 0.15 * np.maximum(left.max(axis=1), right.max(axis=1))[:, None]
    below = env < level
    idx = np.arange(length)[None, :]
    pre_mask = below & (idx < up[:, None]) & (idx >= lo_lim)
    onset = np.where(pre_mask.any(axis=1), length - 1 - np.argmax(pre_mask[:, ::-1], axis=1), lo_lim)
    post_mask = below & (idx > down[:, None]) & (idx <= hi_lim)
    offset = np.where(post_mask.any(axis=1), np.argmax(post_mask, axis=1), hi_lim)
    return onset, offset


def _windows(signal: np.ndarray, peaks: np.ndarray, before: int, after: int) -> np.ndarray:
    """Windows around every peak; samples outside the signal repeat its edge values."""
    index = np.clip(peaks[:, None] + np.arange(-before, after)[None, :], 0, signal.size - 1)
    return signal[index]


def dominant_template(beats: np.ndarray, regular: np.ndarray, min_beats: int = 8) -> np.ndarray:
    """The patient's usual beat: the sample-wise median of the regular beats (all if too few).

    Examples
    --------
    >>> b = np.vstack([np.zeros((10, 3)), np.ones((2, 3))])
    >>> dominant_template(b, np.arange(12) < 10).tolist()
    [0.0, 0.0, 0.0]
    """
    chosen = beats[regular] if int(regular.sum()) >= min_beats else beats
    return np.median(chosen, axis=0)


def lead_feature_table(
    signal: np.ndarray, peaks: np.ndarray, sampling_rate: float, regular: np.ndarray
) -> np.ndarray:
    """Morphology features of every beat of one lead against the patient's template.

    Parameters
    ----------
    signal : np.ndarray
        1-D band-passed ECG of one lead, in mV.
    peaks : np.ndarray
        R-peak sample indices of all beats.
    sampling_rate : float
        Samples per second.
    regular : np.ndarray
        Boolean mask of beats with regular RR, whose median is the template.

    Returns
    -------
    np.ndarray
        ``(n_beats, len(_LEAD_COLUMNS))`` float64.
    """
    fs = float(sampling_rate)
    before = round(-_WINDOW_MS[0] * fs / 1000.0)
    after = round(_WINDOW_MS[1] * fs / 1000.0)
    beats = _windows(np.nan_to_num(np.asarray(signal, dtype=np.float64)), peaks, before, after)
    beats = beats - np.median(beats, axis=1, keepdims=True)
    template = dominant_template(beats, regular)
    regions = {name: _region(ms, fs, before) for name, ms in _REGIONS_MS.items()}
    qrs = regions["qrs"]
    onset, offset = _qrs_bounds(beats, fs, before)
    t_on, t_off = _qrs_bounds(template[None, :], fs, before)
    width = (offset - onset) * 1000.0 / fs
    template_width = max(float(t_off[0] - t_on[0]) * 1000.0 / fs, 1.0)
    t_ptp = max(float(np.ptp(template[qrs])), 1e-3)
    t_area = max(float(np.abs(template[qrs]).sum()), 1e-6)
    residual = (beats - template[None, :]) / t_ptp
    rms = {name: np.sqrt((residual[:, sl] ** 2).mean(axis=1)) for name, sl in regions.items()}
    corr = {name: _corr(beats[:, sl], template[sl]) for name, sl in regions.items()}
    # The lag that best aligns the QRS with the template's (±40 ms): morphology shift or jitter.
    max_lag = max(1, round(0.04 * fs))
    lags = np.arange(-max_lag, max_lag + 1)
    seg = template[qrs]
    shifted = np.lib.stride_tricks.sliding_window_view(
        beats[:, qrs.start - max_lag : qrs.stop + max_lag], qrs.stop - qrs.start, axis=1
    )  # (beats, lags, samples): one view instead of a copy per lag
    scores = _corr(shifted.transpose(1, 0, 2), seg).T
    lag_ms = lags[np.argmax(scores, axis=1)] * 1000.0 / fs
    # The local average beat (median of the 8 beats on either side, look-ahead): a P wave that
    # is locked to the QRS survives the median, fibrillatory waves (AF) do not.
    local = _centred_window_median(beats, 8)
    p_region = regions["p"]
    local_p_ratio = np.ptp(local[:, p_region], axis=1) / t_ptp
    local_corr_p = _corr(local[:, p_region], template[p_region])
    p_wave = _p_wave_columns(beats[:, p_region], np.ptp(beats[:, qrs], axis=1), fs)
    qrs_diff = _bin(residual[:, qrs], _QRS_POINTS)
    wave = _bin(beats / t_ptp, _WAVE_POINTS)
    columns = [
        width,
        width / template_width,
        beats[:, qrs].max(axis=1),
        beats[:, qrs].min(axis=1),
        np.ptp(beats[:, qrs], axis=1) / t_ptp,
        np.abs(beats[:, qrs]).sum(axis=1) / t_area,
        _corr(beats, template),
        corr["p"],
        corr["qrs"],
        corr["t"],
        rms["p"],
        rms["qrs"],
        rms["t"],
        lag_ms,
        local_p_ratio,
        local_corr_p,
        *p_wave,
    ]
    return np.concatenate([np.stack(columns, axis=1), qrs_diff, wave], axis=1)


def _row_corr(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``a`` with the same row of ``b`` (rows centred)."""
    return (a * b).sum(axis=1) / np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1) + 1e-12)


def _p_wave_columns(p_region: np.ndarray, qrs_ptp: np.ndarray, fs: float) -> list[np.ndarray]:
    """The beat's own P wave, against its QRS and its neighbours' (the columns ``p_*``).

    ``p_rel``: the largest deflection of the P region (250-70 ms before R) from its first
    14 ms, over the QRS's peak-to-peak amplitude; ``p_signed``: that deflection with its sign;
    ``p_pos_ms``: how long before the region's end (70 ms before R) it sits; ``p_energy``: the
    region's RMS about its mean over the QRS amplitude; ``p_corr_prev`` / ``p_corr_next``: the
    correlation of the region with the previous / next beat's (1 at the record's ends). A
    premature atrial beat has a P wave shaped and timed unlike its neighbours', or one hidden
    in the previous T wave.
    """
    n, length = p_region.shape
    scale = qrs_ptp + 1e-6
    base = p_region[:, : max(1, round(0.014 * fs))].mean(axis=1)
    deviation = p_region - base[:, None]
    at = np.argmax(np.abs(deviation), axis=1)
    centred = p_region - p_region.mean(axis=1, keepdims=True)
    prev = _row_corr(centred, np.vstack([centred[:1], centred[:-1]]))
    nxt = _row_corr(centred, np.vstack([centred[1:], centred[-1:]]))
    if n:
        prev[0], nxt[-1] = 1.0, 1.0
    return [
        np.abs(deviation).max(axis=1, initial=0.0) / scale,
        deviation[np.arange(n), at] / scale,
        (length - at) * 1000.0 / fs,
        np.sqrt((centred**2).mean(axis=1)) / scale,
        prev,
        nxt,
    ]


def _centred_window_median(beats: np.ndarray, half: int, chunk: int = 512) -> np.ndarray:
    """Sample-wise median of the beats ``i-half .. i+half`` for every beat (the first or last beat
    repeated at the ends)."""
    n = len(beats)
    out = np.empty_like(beats)
    offsets = np.arange(-half, half + 1)
    for start in range(0, n, chunk):
        idx = np.clip(np.arange(start, min(start + chunk, n))[:, None] + offsets[None, :], 0, n - 1)
        group = beats[idx]  # a copy: (beats, 2 * half + 1, samples), an odd count
        group.partition(half, axis=1)  # its middle element is the median, 4x faster than np.median
        out[start : start + idx.shape[0]] = group[:, half, :]
    return out


def _bin(x: np.ndarray, points: int) -> np.ndarray:
    """Average ``x`` along its last axis into ``points`` equal bins (rate-independent)."""
    edges = np.linspace(0, x.shape[1], points + 1).round().astype(int)
    return np.stack([x[:, a:b].mean(axis=1) for a, b in itertools.pairwise(edges)], axis=1)


def beat_feature_table(
    signals: np.ndarray, peaks: np.ndarray, sampling_rate: float, regular_tolerance: float = 0.15
) -> np.ndarray:
    """The feature table of every beat of a record (columns: :func:`feature_names`).

    Parameters
    ----------
    signals : np.ndarray
        ``(n_leads, n_samples)`` band-passed ECG in mV; lead 0 is the primary lead.
    peaks : np.ndarray
        Sorted R-peak sample indices of all beats of the record (any class).
    sampling_rate : float
        Samples per second (any rate: features are in physical units or ratios).
    regular_tolerance : float
        A beat is *regular* (and shapes the template) when its previous and next RR are
        within this fraction of the running 32-beat median RR.

    Returns
    -------
    np.ndarray
        ``(n_beats, len(feature_names(n_leads)))`` float32, finite.
    """
    signals = np.atleast_2d(np.asarray(signals, dtype=np.float64))
    peaks = np.asarray(peaks, dtype=np.int64)
    rr = rr_feature_table(peaks, sampling_rate)
    pre = rr[:, RR_COLUMNS.index("rr_pre_median32")]
    post = rr[:, RR_COLUMNS.index("rr_post_median32")]
    regular = (np.abs(pre - 1.0) < regular_tolerance) & (np.abs(post - 1.0) < regular_tolerance)
    parts = [rr]
    for i, lead in enumerate(signals):
        # A recording with fewer leads than the model repeats its lead: measured once.
        same = next((j for j in range(i) if np.array_equal(signals[j], lead)), None)
        if same is None:
            parts.append(lead_feature_table(lead, peaks, sampling_rate, regular))
        else:
            parts.append(parts[same + 1])
    table = np.concatenate(parts, axis=1)
    return np.nan_to_num(table, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32)
