"""ECG wave delineation: QRS onset, J point, T peak and T-wave end of every beat.

Delineators are registered by name in :data:`DELINEATORS`:

``"template"`` (default)
    VitalKit's own delineator. It is hand-written because neurokit2's four delineators
    miss the CSE tolerance on the QT Database by far (T-end error SD 50-110 ms, QRS-onset
    bias -64 to -90 ms with ``dwt``; ``vitalkit benchmark qt`` prints them side by side).
    Each beat is measured on the median of the ``n_template`` beats around it, aligned on
    their R peaks (interval programs measure on median beats: beat-to-beat noise drops,
    the QT interval hardly changes over a few beats), of those whose QRS correlates with its
    own at least ``template_corr`` (an ectopic beat is measured on its own shape). On that
    template:

    * QRS onset and J point by slope thresholds in the manner of Laguna et al. (1994): the
      first (last) slope peak of the QRS reaching ``qrs_slope`` of its largest slope, then
      the sample where the slope falls below ``edge_slope`` (``j_slope``) of that peak.
      A small Q wave whose slope stays under ``qrs_slope`` can stop the onset search at its
      trough (about 10-20 ms late); stepping over such Q waves made the QTDB errors worse
      (P-wave slopes were taken for Q waves), so it is not done;
    * the isoelectric level: the flattest 20 ms between 100 and 10 ms before QRS onset;
    * the T wave: of the local extrema of the 0.5-15 Hz signal (either polarity) between
      J + 60 ms and ``0.7 RR`` after R, the one with the largest prominence x width;
    * the T-wave end by the trapezium-area method of Zhang et al. (2006, IEEE TBME
      53:1251): after the steepest descent ``xm`` of the T wave, the point maximising the
      area of the trapezium it spans with ``xm`` and a reference point ``tend_reach_s``
      later. neurokit2 has no such T-end method;
    * the P wave on the 0.5-12 Hz template, in the manner of Martinez et al. (2004): the
      local extremum (either polarity) with the largest prominence x width between
      ``p_search_s`` before QRS onset (or the previous beat's T end, if later) and
      ``p_gap_s`` before it is the P peak, if its prominence reaches ``p_min_prom`` mV
      (else the beat has no P wave: AF, junctional rhythm, a flat lead); onset and offset
      are where the slope falls below ``p_on_slope`` / ``p_off_slope`` of the steepest
      slope within ``p_half_s`` before / after the peak.

    The settings were chosen on the QTDB development records
    (:data:`vitalkit.data.qtdb.DEVELOPMENT`); the benchmark reports the other records
    separately.

``"neurokit-dwt"``, ``"neurokit-cwt"``, ``"neurokit-prominence"``, ``"neurokit-peak"``
    neurokit2's ``ecg_delineate`` (all four run under NumPy 2.4), for comparison.

Examples
--------
>>> import neurokit2 as nk
>>> ecg = nk.ecg_simulate(duration=20, sampling_rate=250, heart_rate=60, random_state=2)
>>> waves = ecg_delineate(ecg, 250)
>>> list(waves.columns)  # doctest: +NORMALIZE_WHITESPACE
['R', 'QRS_on', 'J', 'T_peak', 'T_end', 'iso_at', 'iso', 'T_amp', 'T_prom',
 'P_on', 'P_peak', 'P_off', 'P_prom']
>>> qt_ms = (waves["T_end"] - waves["QRS_on"]).median() / 250 * 1000
>>> bool(400 < qt_ms < 520)  # ecgsyn draws a broad T wave
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

import neurokit2 as nk
import numpy as np
import pandas as pd
from scipy import signal as sps

from vitalkit.signal.filters import check_signal

POSITIONS = ("R", "QRS_on", "J", "T_peak", "T_end", "iso_at")
"""Output columns holding sample positions: R peak, QRS onset, J point (QRS end), T peak,
T end and the centre of the isoelectric (PR) window."""

P_POSITIONS = ("P_on", "P_peak", "P_off")
"""Output columns holding the P wave's positions (NaN for beats without a P wave)."""

COLUMNS = (*POSITIONS, "iso", "T_amp", "T_prom", *P_POSITIONS, "P_prom")
"""All output columns: :data:`POSITIONS`, then the isoelectric level (signal units, on the
0.5-40 Hz signal), the T amplitude relative to it, the T wave's prominence, the P wave's
:data:`P_POSITIONS` and its prominence (mV, on the 0.5-12 Hz signal; NaN where no P
wave was searched)."""

MIN_SAMPLING_RATE = 100.0
"""Below this the QRS boundaries cannot be placed within the CSE tolerances."""

Delineator = Callable[[np.ndarray, float, np.ndarray], pd.DataFrame]


@dataclass(frozen=True)
class TemplateParams:
    """Settings of the ``"template"`` delineator.

    Attributes
    ----------
    n_template : int
        Beats in the median template of each beat (1 measures every beat alone) ...
    template_corr : float
        ... of which only those whose QRS (80 ms before to 120 ms after R) correlates with the
        beat's own at least this much take part, so an ectopic beat is measured on its own
        shape, not on its normal neighbours' (above 1: every neighbour takes part).
    qrs_slope : float
        Share of the largest QRS slope a slope peak must reach to belong to the QRS.
    edge_slope : float
        QRS onset: where the slope falls below this share of the first QRS slope peak.
    j_slope : float
        J point: where the slope falls below this share of the last QRS slope peak ...
    j_qrs_slope : float
        ... the last slope peak reaching this share of the largest QRS slope (lower than
        ``qrs_slope``, so a slurred S wave's upstroke belongs to the QRS).
    t_lowpass_hz : float
        Low-pass corner of the signal the T wave is measured on.
    t_start_s : float
        The T wave is searched from this long after the J point ...
    t_window : float
        ... to this share of the RR interval after R (at most 0.6 s).
    tend_reach_s : float
        Distance of the trapezium's reference point after the steepest T descent.
    t_peak_ratio : float
        Expected delay of the T peak after R, in s per sqrt(s) of RR (Bazett-like; median
        0.28-0.29 in the QT Database's marks) ...
    t_peak_spread : float
        ... and the SD of a Gaussian weight around it: each T-peak candidate scores
        prominence x width x weight, so the next beat's P wave (tachycardia) or a U wave
        after a small T wave is not taken for the T wave.
    p_lowpass_hz : float
        Low-pass corner of the signal the P wave is measured on.
    p_search_s : float
        The P peak is searched from this long before QRS onset (at most from the previous
        beat's T end) ...
    p_gap_s : float
        ... to this long before QRS onset.
    p_min_prom : float
        Smallest P prominence (signal units, mV) that counts as a P wave.
    p_half_s : float
        The steepest P slopes are searched this far before and after the P peak.
    p_on_slope : float
        P onset: where the slope falls below this share of the steepest rise.
    p_off_slope : float
        P offset: where the slope falls below this share of the steepest descent.
    """

    n_template: int = 5
    template_corr: float = 0.7
    qrs_slope: float = 0.5
    edge_slope: float = 0.03
    j_slope: float = 0.1
    j_qrs_slope: float = 0.3
    t_lowpass_hz: float = 15.0
    t_start_s: float = 0.06
    t_window: float = 0.7
    tend_reach_s: float = 0.12
    t_peak_ratio: float = 0.29
    t_peak_spread: float = 0.08
    p_lowpass_hz: float = 12.0
    p_search_s: float = 0.25
    p_gap_s: float = 0.02
    p_min_prom: float = 0.03
    p_half_s: float = 0.06
    p_on_slope: float = 0.5
    p_off_slope: float = 0.9


@lru_cache(maxsize=64)
def _butter(sampling_rate: float, lowcut: float | None, highcut: float) -> np.ndarray:
    highcut = min(highcut, 0.45 * sampling_rate)
    if lowcut is None:
        return sps.butter(3, highcut, "lowpass", fs=sampling_rate, output="sos")
    return sps.butter(3, [lowcut, highcut], "bandpass", fs=sampling_rate, output="sos")


def signal_bandpass(
    signal: np.ndarray, sampling_rate: float, lowcut: float | None = 0.5, highcut: float = 40.0
) -> np.ndarray:
    """Zero-phase order-3 Butterworth band-pass (low-pass if ``lowcut`` is None).

    The same filter as :func:`vitalkit.signal.filters.ecg_bandpass` (neurokit2's
    ``signal_filter``) with its design cached: redesigning it for every lead took most of
    the time of a 12-lead record. Filters along the last axis; no input checks.

    Examples
    --------
    >>> import numpy as np
    >>> from vitalkit.signal.filters import ecg_bandpass
    >>> x = np.random.default_rng(0).standard_normal(2000)
    >>> bool(np.allclose(signal_bandpass(x, 250.0), ecg_bandpass(x, 250.0)))
    True
    """
    return sps.sosfiltfilt(_butter(float(sampling_rate), lowcut, float(highcut)), signal, axis=-1)


def beat_templates(
    signal: np.ndarray,
    rpeaks: np.ndarray,
    before: int,
    after: int,
    n_template: int,
    members: np.ndarray | None = None,
) -> np.ndarray:
    """Median of the ``n_template`` beats around each beat, aligned on R.

    Returns ``(n_beats, before + after)``; the signal is padded with its edge values so
    beats near the ends get full windows. ``members`` (``(n_beats, n_template)`` booleans,
    :func:`same_shape_neighbours`) says which of the beats around each one take part.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(100); x[[20, 50, 80]] = 1.0
    >>> beat_templates(x, np.array([20, 50, 80]), 2, 3, 3)[1].tolist()
    [0.0, 0.0, 1.0, 0.0, 0.0]
    """
    segments = _beat_windows(signal, rpeaks, before, after)
    if n_template <= 1 or len(segments) < 2:
        return segments
    half = n_template // 2
    stacked = np.pad(segments, ((half, half), (0, 0)), constant_values=np.nan)
    windows = np.lib.stride_tricks.sliding_window_view(stacked, n_template, axis=0)
    if members is not None:
        windows = np.where(members[:, None, :], windows, np.nan)
    return np.nanmedian(windows, axis=-1)


def _beat_windows(signal: np.ndarray, rpeaks: np.ndarray, before: int, after: int) -> np.ndarray:
    padded = np.pad(np.asarray(signal, dtype=np.float64), (before, after), mode="edge")
    index = np.asarray(rpeaks, dtype=np.int64)[:, None] + before + np.arange(-before, after)[None, :]
    return padded[index]


def same_shape_neighbours(
    signal: np.ndarray, rpeaks: np.ndarray, before: int, after: int, n_template: int, min_corr: float
) -> np.ndarray:
    """Which of the ``n_template`` beats around each beat share its shape (``(n_beats, n_template)``).

    A neighbour takes part when the Pearson correlation of its window ``[R - before, R + after)``
    with the beat's own is at least ``min_corr``; the beat itself always does. A premature
    ventricular beat among normal ones thus gets a template of itself (and of the other
    ventricular beats of a bigeminy), not the median of its normal neighbours.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros(500); x[[50, 150, 350, 450]] = 1.0; x[250:253] = [-1.0, 1.0, -1.0]
    >>> same_shape_neighbours(x, np.array([50, 150, 251, 350, 450]), 5, 5, 3, 0.9).astype(int).tolist()
    [[0, 1, 1], [1, 1, 0], [0, 1, 0], [0, 1, 1], [1, 1, 0]]
    """
    segments = _beat_windows(signal, rpeaks, before, after)
    centred = segments - segments.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(centred, axis=1, keepdims=True)
    unit = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
    half = n_template // 2
    n = len(segments)
    members = np.zeros((n, n_template), dtype=bool)
    for k in range(-half, n_template - half):
        lo, hi = max(0, -k), min(n, n - k)
        corr = np.einsum("ij,ij->i", unit[lo:hi], unit[lo + k : hi + k])
        members[lo:hi, k + half] = corr >= min_corr
    members[:, half] = True
    return members


def _first_below(values: np.ndarray, start: int, stop: int, threshold: float) -> float:
    """First index from ``start`` towards ``stop`` (either direction) with value <= threshold."""
    step = 1 if stop >= start else -1
    idx = np.arange(start, stop, step)
    idx = idx[(idx >= 0) & (idx < values.size)]
    hit = np.flatnonzero(values[idx] <= threshold)
    return float(idx[hit[0]]) if hit.size else np.nan


def _qrs_bounds(slope: np.ndarray, r0: int, fs: float, p: TemplateParams) -> tuple[float, float]:
    """QRS onset and J point on the absolute slope of one template."""
    reach = max(round(0.02 * fs), 1)
    lo, hi = max(r0 - round(0.12 * fs), reach), min(r0 + round(0.16 * fs), slope.size - reach)
    window = slope[lo:hi]
    if window.size == 0 or window.max() <= 0:
        return np.nan, np.nan
    big = np.flatnonzero(window >= p.qrs_slope * window.max()) + lo
    first = big[0] + int(np.argmax(slope[big[0] : big[0] + reach + 1]))
    late = np.flatnonzero(window >= p.j_qrs_slope * window.max()) + lo
    last = late[-1] - reach + int(np.argmax(slope[late[-1] - reach : late[-1] + 1]))
    onset = _first_below(slope, first, first - round(0.1 * fs), p.edge_slope * slope[first])
    j_point = _first_below(slope, last, last + round(0.1 * fs), p.j_slope * slope[last])
    return onset, j_point


def _isoelectric(x: np.ndarray, onset: float, r0: int, fs: float) -> tuple[float, float]:
    """Centre and mean level of the flattest 20 ms between 100 and 10 ms before QRS onset."""
    anchor = int(onset) if np.isfinite(onset) else r0 - round(0.06 * fs)
    width = max(round(0.02 * fs), 2)
    lo, hi = max(anchor - round(0.1 * fs), 0), max(anchor - round(0.01 * fs), 0)
    if hi - lo <= width:
        lo = max(anchor - 2 * width, 0)
        return lo + width / 2, float(x[lo : lo + width].mean())
    slope = np.abs(np.diff(x[lo : hi + 1]))
    flat = np.convolve(slope, np.ones(width - 1), mode="valid")
    start = lo + int(np.argmin(flat))
    return start + (width - 1) / 2, float(x[start : start + width].mean())


def _t_wave(
    y: np.ndarray, j_point: float, r0: int, rr: float, fs: float, p: TemplateParams
) -> tuple[float, float, float]:
    """T peak, T end and T prominence on the baseline-referenced low-passed template ``y``."""
    start = int(j_point) + round(p.t_start_s * fs) if np.isfinite(j_point) else r0 + round(0.12 * fs)
    stop = min(r0 + round(min(p.t_window * rr, 0.6) * fs), y.size - 2)
    limit = min(r0 + round(min(rr - 0.18, 0.8) * fs), y.size - 1)
    if stop - start < 3:
        return np.nan, np.nan, np.nan
    seg = y[start:stop]
    best = (-1.0, 0, 1.0, np.nan)  # (score, position, polarity, prominence)
    for polarity in (1.0, -1.0):
        idx, props = sps.find_peaks(polarity * seg, prominence=0.0, width=0.0)
        delay = (idx + start - r0) / fs / np.sqrt(rr)
        prior = np.exp(-0.5 * ((delay - p.t_peak_ratio) / p.t_peak_spread) ** 2)
        for i, prom, width, w in zip(idx, props["prominences"], props["widths"], prior, strict=True):
            if prom * width * w > best[0]:
                best = (prom * width * w, start + int(i), polarity, float(prom))
    _, peak, polarity, prominence = best
    if best[0] < 0:
        return np.nan, np.nan, np.nan
    hi = min(peak + round(0.15 * fs), limit)
    if hi - peak < 2:
        return float(peak), np.nan, prominence
    xm = peak + int(np.argmax(-polarity * np.gradient(y)[peak:hi]))
    xr = min(xm + round(p.tend_reach_s * fs), limit)
    if xr - xm < 2:
        return float(peak), np.nan, prominence
    t = np.arange(xm, xr + 1)
    area = polarity * (y[xm] - y[t]) * (2 * xr - t - xm)
    return float(peak), float(t[int(np.argmax(area))]), prominence


def _p_wave(
    y: np.ndarray, onset: float, prev_t_end: float, fs: float, p: TemplateParams
) -> tuple[float, float, float, float]:
    """P onset, peak, offset and prominence on the low-passed template ``y`` (local samples).

    ``onset`` is the QRS onset and ``prev_t_end`` the previous beat's T end (NaN if
    unknown) in the same coordinates. No P wave: positions NaN, prominence kept if a
    candidate was seen.
    """
    none = (np.nan, np.nan, np.nan, np.nan)
    if not np.isfinite(onset):
        return none
    end = int(onset) - round(p.p_gap_s * fs)
    start = max(int(onset) - round(p.p_search_s * fs), 1)
    if np.isfinite(prev_t_end):
        start = max(start, int(prev_t_end))
    if end - start < round(0.04 * fs):  # no room for a P wave (fast rhythm, early beat)
        return none
    best = (-1.0, 0, 1.0, np.nan)  # (score, position, polarity, prominence)
    for polarity in (1.0, -1.0):
        idx, props = sps.find_peaks(polarity * y[start:end], prominence=0.0, width=0.0)
        for i, prom, width in zip(idx, props["prominences"], props["widths"], strict=True):
            if prom * width > best[0]:
                best = (prom * width, start + int(i), polarity, float(prom))
    _, peak, polarity, prominence = best
    if best[0] < 0 or not prominence >= p.p_min_prom:
        return (np.nan, np.nan, np.nan, prominence)
    slope = polarity * np.gradient(y)
    half = round(p.p_half_s * fs)
    lo, hi = max(peak - half, 1), min(peak + half, end)
    if peak - lo < 2 or hi - peak < 2:
        return (np.nan, float(peak), np.nan, prominence)
    rise = lo + int(np.argmax(slope[lo:peak]))
    fall = peak + int(np.argmin(slope[peak:hi]))
    p_on = _first_below(slope, rise, rise - half, p.p_on_slope * slope[rise])
    p_off = _first_below(-slope, fall, fall + half, p.p_off_slope * -slope[fall])
    return p_on, float(peak), p_off, prominence


def _template(
    signal: np.ndarray, sampling_rate: float, rpeaks: np.ndarray, params: TemplateParams | None = None
) -> pd.DataFrame:
    p = params or TemplateParams()
    fs = sampling_rate
    before, after = round(0.35 * fs), round(0.85 * fs)
    wide = signal_bandpass(signal, fs, 0.5, 40.0)
    narrow = signal_bandpass(wide, fs, None, p.t_lowpass_hz)
    members = None
    if p.template_corr <= 1 and p.n_template > 1 and len(rpeaks) > 1:
        members = same_shape_neighbours(
            wide, rpeaks, round(0.08 * fs), round(0.12 * fs), p.n_template, p.template_corr
        )
    wide_t = beat_templates(wide, rpeaks, before, after, p.n_template, members)
    narrow_t = beat_templates(narrow, rpeaks, before, after, p.n_template, members)
    p_before = round(0.5 * fs)  # the P templates reach further back (long PR intervals)
    p_t = beat_templates(
        signal_bandpass(wide, fs, None, p.p_lowpass_hz), rpeaks, p_before, 1, p.n_template, members
    )
    rr = np.diff(rpeaks) / fs
    rr_next = np.concatenate([rr, rr[-1:]])
    rr_local = pd.Series(rr_next).rolling(p.n_template, center=True, min_periods=1).median().to_numpy()
    rows = np.full((len(rpeaks), len(COLUMNS)), np.nan)
    for i, r in enumerate(rpeaks):
        onset, j_point = _qrs_bounds(np.abs(np.gradient(wide_t[i])), before, fs, p)
        iso_at, iso = _isoelectric(wide_t[i], onset, before, fs)
        _, iso_narrow = _isoelectric(narrow_t[i], onset, before, fs)
        t_peak, t_end, t_prom = _t_wave(narrow_t[i] - iso_narrow, j_point, before, rr_local[i], fs, p)
        t_amp = wide_t[i][int(t_peak)] - iso if np.isfinite(t_peak) else np.nan
        local = np.array([before, onset, j_point, t_peak, t_end, iso_at])
        prev_t_end = rows[i - 1, POSITIONS.index("T_end")] - r + p_before if i else np.nan
        *p_local, p_prom = _p_wave(p_t[i], onset - before + p_before, prev_t_end, fs, p)
        rows[i] = [*(local + r - before), iso, t_amp, t_prom, *(np.array(p_local) + r - p_before), p_prom]
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _to_beats(values: np.ndarray, rpeaks: np.ndarray, before_r: bool) -> np.ndarray:
    """Place wave positions on the beats they belong to (the next R for a QRS onset, the
    previous one otherwise): neurokit2's ``cwt`` sometimes returns fewer positions than R
    peaks, so they cannot be taken in order."""
    out = np.full(rpeaks.size, np.nan)
    found = values[np.isfinite(values)]
    beat = (
        np.searchsorted(rpeaks, found, side="left")
        if before_r
        else np.searchsorted(rpeaks, found, "right") - 1
    )
    ok = (beat >= 0) & (beat < rpeaks.size)
    out[beat[ok]] = found[ok]
    return out


def _neurokit(method: str) -> Delineator:
    keys = {"QRS_on": "ECG_R_Onsets", "J": "ECG_R_Offsets", "T_peak": "ECG_T_Peaks", "T_end": "ECG_T_Offsets"}

    def delineate(signal: np.ndarray, sampling_rate: float, rpeaks: np.ndarray) -> pd.DataFrame:
        fs = round(sampling_rate)
        cleaned = nk.ecg_clean(signal, sampling_rate=fs)
        try:
            _, waves = nk.ecg_delineate(cleaned, rpeaks, sampling_rate=fs, method=method)
        except Exception as exc:  # neurokit2 fails on odd beats with many error types
            raise ValueError(
                f"neurokit2 ecg_delineate({method!r}) failed: {type(exc).__name__}: {exc}"
            ) from None
        table = _nan_table(rpeaks)
        for column, key in keys.items():
            if key in waves:
                values = np.asarray(waves[key], dtype=float)
                if values.size != rpeaks.size:
                    values = _to_beats(values, rpeaks, before_r=column == "QRS_on")
                table[column] = values
        return table

    delineate.__doc__ = f"neurokit2 ``ecg_delineate(method={method!r})`` on ``ecg_clean``."
    return delineate


DELINEATORS: dict[str, Delineator] = {
    "template": _template,
    "neurokit-dwt": _neurokit("dwt"),
    "neurokit-cwt": _neurokit("cwt"),
    "neurokit-prominence": _neurokit("prominence"),
    "neurokit-peak": _neurokit("peak"),
}
"""Registered delineators, by name."""


def _prepare(signal: np.ndarray, sampling_rate: float, method: str) -> np.ndarray:
    if method not in DELINEATORS:
        raise ValueError(f"unknown delineation method {method!r}; known: {sorted(DELINEATORS)}")
    if not np.isfinite(sampling_rate) or sampling_rate < MIN_SAMPLING_RATE:
        raise ValueError(
            f"sampling rate {sampling_rate} Hz is too low to delineate ECG waves "
            f"(need at least {MIN_SAMPLING_RATE:.0f} Hz)"
        )
    return check_signal(signal, sampling_rate, min_duration_s=2.0)


def _rpeaks(x: np.ndarray, sampling_rate: float, rpeaks: np.ndarray | None) -> np.ndarray:
    if rpeaks is None:
        from vitalkit.beats.detect import ecg_rpeaks

        rpeaks = ecg_rpeaks(x, sampling_rate)
    rpeaks = np.unique(np.asarray(rpeaks, dtype=np.int64))
    return rpeaks[(rpeaks >= 0) & (rpeaks < x.size)]


def _nan_table(rpeaks: np.ndarray) -> pd.DataFrame:
    """Rows for ``rpeaks`` with every wave missing (no rows for no peaks)."""
    table = pd.DataFrame(np.nan, index=range(len(rpeaks)), columns=list(COLUMNS))
    table["R"] = np.asarray(rpeaks, dtype=float)
    return table


def ecg_delineate(
    signal: np.ndarray,
    sampling_rate: float,
    rpeaks: np.ndarray | None = None,
    method: str = "template",
) -> pd.DataFrame:
    """Delineate every beat of one lead: QRS onset, J point, T peak, T end.

    Parameters
    ----------
    signal : np.ndarray
        1-D raw ECG in mV (filtered inside).
    sampling_rate : float
        Samples per second (at least :data:`MIN_SAMPLING_RATE`).
    rpeaks : np.ndarray, optional
        R-peak sample indices; detected with :func:`vitalkit.beats.ecg_rpeaks` if omitted.
    method : str
        A key of :data:`DELINEATORS`.

    Returns
    -------
    pandas.DataFrame
        One row per R peak, columns :data:`COLUMNS` (positions as float samples, NaN where a
        wave was not found); no rows when there are fewer than 2 R peaks.

    Raises
    ------
    ValueError
        Unknown method, sampling rate too low, non-finite samples or a signal shorter than
        2 s.
    """
    x = _prepare(signal, sampling_rate, method)
    peaks = _rpeaks(x, sampling_rate, rpeaks)
    if peaks.size < 2 or np.ptp(x) == 0:  # too few beats, or a flat (disconnected) lead
        return _nan_table(peaks if peaks.size >= 2 else peaks[:0])
    return DELINEATORS[method](x, sampling_rate, peaks)


def _kth(values: np.ndarray, k: int) -> np.ndarray:
    """Per column, the ``k``-th smallest finite value (the largest one if fewer)."""
    ordered = np.sort(values, axis=0)  # NaN sorts last
    count = np.isfinite(values).sum(axis=0)
    row = np.clip(np.minimum(k, count - 1), 0, None)
    picked = ordered[row, np.arange(values.shape[1])]
    return np.where(count > 0, picked, np.nan)


def combine_leads(per_lead: list[pd.DataFrame]) -> pd.DataFrame:
    """Merge per-lead delineations of the same beats into one, the way a reader does.

    QRS onset is the earliest over the leads and the J point the latest (the QRS spans all
    leads); with many leads the ``n_leads // 6`` most extreme are passed over (the third
    earliest of 12), so one noisy lead cannot stretch the QRS. The T wave (peak, end,
    amplitude) comes from the one lead where it is most
    prominent (median T prominence over the record); its index is in column ``T_lead``.
    The T end is the mean over the leads weighted by that median prominence: a T end
    placed on a flat T wave counts little, and averaging two clear leads halves the error
    of one that took a U wave or the wrong phase of a biphasic T. Where the tables have P-wave
    columns, P onset is the earliest and P offset the latest over the leads (passing over
    the same number of extreme leads), the P peak that of the first lead with a P wave.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"R": [10.0], "QRS_on": [5.0], "J": [14.0], "T_end": [40.0], "T_prom": [0.25]})
    >>> b = pd.DataFrame({"R": [10.0], "QRS_on": [4.0], "J": [15.0], "T_end": [44.0], "T_prom": [0.75]})
    >>> combine_leads([a, b]).iloc[0][["QRS_on", "J", "T_end", "T_lead"]].tolist()
    [4.0, 15.0, 43.0, 1.0]
    """
    out = per_lead[0].copy()
    stack = {c: np.vstack([t[c].to_numpy(dtype=float) for t in per_lead]) for c in ("QRS_on", "J")}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN beats stay NaN
        skip = len(per_lead) // 6
        out["QRS_on"] = _kth(stack["QRS_on"], skip)
        out["J"] = -_kth(-stack["J"], skip)
        prominence = [np.nanmedian(np.abs(t["T_prom"].to_numpy(dtype=float))) for t in per_lead]
        if all("P_on" in t for t in per_lead):
            p_on = np.vstack([t["P_on"].to_numpy(dtype=float) for t in per_lead])
            p_off = np.vstack([t["P_off"].to_numpy(dtype=float) for t in per_lead])
            p_peak = np.vstack([t["P_peak"].to_numpy(dtype=float) for t in per_lead])
            first = np.argmax(np.isfinite(p_peak), axis=0)
            out["P_on"], out["P_off"] = _kth(p_on, skip), -_kth(-p_off, skip)
            out["P_peak"] = p_peak[first, np.arange(p_peak.shape[1])]
    lead = int(np.nanargmax(prominence)) if np.any(np.isfinite(prominence)) else 0
    for column in ("T_peak", "T_end", "T_amp", "T_prom"):
        if column in per_lead[lead]:
            out[column] = per_lead[lead][column].to_numpy()
    out["T_lead"] = float(lead)
    if np.nansum(prominence) > 0:
        ends = np.vstack([t["T_end"].to_numpy(dtype=float) for t in per_lead])
        weight = np.where(np.isfinite(ends), np.nan_to_num(np.asarray(prominence))[:, None], 0.0)
        total = weight.sum(axis=0)
        mean = (weight * np.nan_to_num(ends)).sum(axis=0) / np.where(total > 0, total, 1.0)
        out["T_end"] = np.where(total > 0, mean, out["T_end"].to_numpy(dtype=float))
    return out


def ecg_delineate_leads(
    signals: np.ndarray,
    sampling_rate: float,
    rpeaks: np.ndarray | None = None,
    method: str = "template",
) -> pd.DataFrame:
    """Delineate a multi-lead ECG: each lead, then :func:`combine_leads`.

    Parameters
    ----------
    signals : np.ndarray
        ``(n_samples, n_leads)`` raw ECG in mV.
    sampling_rate : float
        Samples per second.
    rpeaks : np.ndarray, optional
        R peaks shared by all leads; detected on the first lead if omitted.
    method : str
        A key of :data:`DELINEATORS`.

    Examples
    --------
    >>> import numpy as np, neurokit2 as nk
    >>> ecg = nk.ecg_simulate(duration=10, sampling_rate=250, random_state=0)
    >>> waves = ecg_delineate_leads(np.c_[ecg, 0.5 * ecg], 250)
    >>> int(waves["T_lead"].iloc[0])
    0
    """
    x = np.asarray(signals, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"expected (n_samples, n_leads), got shape {x.shape}")
    first = _prepare(x[:, 0], sampling_rate, method)
    peaks = _rpeaks(first, sampling_rate, rpeaks)
    per_lead = [ecg_delineate(x[:, k], sampling_rate, peaks, method) for k in range(x.shape[1])]
    if peaks.size < 2:
        return _nan_table(peaks[:0]).assign(T_lead=pd.Series(dtype=float))
    return combine_leads(per_lead)
