"""Fast features of many fixed-length windows at once: VF/VT detectors and RR irregularity.

Shockable-rhythm detection slides short windows over hours of ECG, where the per-segment
features of :mod:`vitalkit.rhythm.features` (0.2 s each) are too slow. These are computed for a
whole ``(n, length)`` batch with numpy/scipy, after the classical VF detectors reviewed by
Amann et al. (IEEE TBME 2005) and Figuera et al. (PLoS ONE 2016):

- **time domain**: threshold-crossing count and interval (TCI/TCSC-like), mean absolute
  value, bCP (share of samples with a large slope), kurtosis, skewness, VF leakage (Kuo);
- **spectrum** (Welch): dominant frequency, band powers, spectral entropy, the first
  spectral moment and the A2 share around the dominant frequency (Barro);
- **autocorrelation**: the highest peak between 0.25 and 2 s (regular rhythms have one)
  and its lag;
- **phase space**: share of a 40x40 grid visited by ``(x(t), x(t - 0.5 s))`` (Amann's PSR);
- **RR from detected beats** (:func:`window_rr_features`): rate, RR variability,
  successive-difference entropy, premature-pause share, lag-1/2 RR correlation (bigeminy,
  trigeminy).

Hand-written because no installed library computes these detector features on batches.

Examples
--------
>>> t = np.arange(1000) / 125
>>> sine = np.sin(2 * np.pi * 5 * t)[None, :]           # a VF-like 5 Hz oscillation
>>> f = shock_features(sine, 125.0)
>>> round(float(f["dominant_frequency"][0]), 1), bool(f["vf_leak"][0] < 0.3)
(5.0, True)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import signal as sps
from scipy import stats

SHOCK_NAMES = (
    "crossings_per_s",
    "crossing_interval_cv",
    "mean_abs",
    "bcp",
    "kurtosis",
    "skewness",
    "vf_leak",
    "dominant_frequency",
    "power_0_2",
    "power_2_5",
    "power_5_9",
    "power_9_40",
    "spectral_entropy",
    "spectral_moment",
    "a2_share",
    "acf_peak",
    "acf_lag_s",
    "psr",
    "amplitude_iqr",
)


def _normalise(x: np.ndarray) -> np.ndarray:
    x = x - x.mean(axis=1, keepdims=True)
    scale = np.abs(x).max(axis=1, keepdims=True)
    return x / np.where(scale > 0, scale, 1)


def _leak(x: np.ndarray, fs: float) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    dx = np.abs(np.diff(x, axis=1)).sum(axis=1)
    half = np.floor(np.pi * np.abs(x).sum(axis=1) / np.where(dx > 0, dx, np.inf) + 0.5).astype(int)
    for i, n in enumerate(half):
        if 0 < n < x.shape[1] // 2:
            a, b = x[i, n:], x[i, :-n]
            out[i] = np.abs(a + b).sum() / max(float((np.abs(a) + np.abs(b)).sum()), 1e-12)
    return out


def _psr(x: np.ndarray, fs: float, grid: int = 40) -> np.ndarray:
    lag = round(0.5 * fs)
    a = np.clip(((x[:, lag:] + 1) / 2 * (grid - 1)).round().astype(int), 0, grid - 1)
    b = np.clip(((x[:, :-lag] + 1) / 2 * (grid - 1)).round().astype(int), 0, grid - 1)
    cells = a * grid + b
    return np.array([np.unique(c).size for c in cells]) / grid**2


def shock_features(windows: np.ndarray, sampling_rate: float) -> dict[str, np.ndarray]:
    """Detector features of band-passed windows ``(n, length)`` (one value per window each)."""
    x = _normalise(np.asarray(windows, dtype=np.float64))
    fs = float(sampling_rate)
    n, length = x.shape
    out: dict[str, np.ndarray] = {}
    above = np.abs(x) > 0.2
    rises = np.diff(above.astype(np.int8), axis=1) == 1
    out["crossings_per_s"] = rises.sum(axis=1) / (length / fs)
    cv = np.full(n, np.nan)
    for i in range(n):
        idx = np.flatnonzero(rises[i])
        if idx.size >= 3:
            d = np.diff(idx)
            cv[i] = d.std() / d.mean()
    out["crossing_interval_cv"] = cv
    out["mean_abs"] = np.abs(x).mean(axis=1)
    slope = np.abs(np.diff(x, axis=1))
    out["bcp"] = (slope > 0.1 * slope.max(axis=1, keepdims=True)).mean(axis=1)
    out["kurtosis"] = stats.kurtosis(x, axis=1)
    out["skewness"] = stats.skew(x, axis=1)
    out["vf_leak"] = _leak(x, fs)
    freqs, psd = sps.welch(x, fs=fs, nperseg=min(length, round(4 * fs)), axis=1)
    band = (freqs >= 0.5) & (freqs <= 40)
    p = psd[:, band] / np.maximum(psd[:, band].sum(axis=1, keepdims=True), 1e-12)
    f = freqs[band]
    peak = f[p.argmax(axis=1)]
    out["dominant_frequency"] = peak
    for name, lo, hi in (
        ("power_0_2", 0.5, 2),
        ("power_2_5", 2, 5),
        ("power_5_9", 5, 9),
        ("power_9_40", 9, 40.01),
    ):
        out[name] = p[:, (f >= lo) & (f < hi)].sum(axis=1)
    out["spectral_entropy"] = -(p * np.log(np.where(p > 0, p, 1))).sum(axis=1) / np.log(p.shape[1])
    out["spectral_moment"] = (p * f[None, :]).sum(axis=1)
    near = (f[None, :] >= 0.7 * peak[:, None]) & (f[None, :] <= 1.4 * peak[:, None])
    out["a2_share"] = (p * near).sum(axis=1)
    spec = np.fft.rfft(x, n=2 * length, axis=1)
    acf = np.fft.irfft(np.abs(spec) ** 2, axis=1)[:, :length]
    acf = acf / np.maximum(acf[:, :1], 1e-12)
    lo, hi = round(0.25 * fs), min(round(2.0 * fs), length - 1)
    out["acf_peak"] = acf[:, lo:hi].max(axis=1)
    out["acf_lag_s"] = (acf[:, lo:hi].argmax(axis=1) + lo) / fs
    out["psr"] = _psr(x, fs)
    raw = np.asarray(windows, dtype=np.float64)
    out["amplitude_iqr"] = np.subtract(*np.percentile(raw, [75, 25], axis=1))
    return out


RR_WINDOW_NAMES = (
    "beats_per_min",
    "rr_median_s",
    "rr_cv",
    "rr_rmssd_s",
    "rr_outlier_fraction",
    "drr_entropy",
    "premature_pause_fraction",
    "rr_lag1_corr",
    "rr_lag2_corr",
    "rr_range_ratio",
)


def _lag_corr(rr: np.ndarray, lag: int) -> float:
    if rr.size < lag + 3:
        return float("nan")
    a, b = rr[:-lag], rr[lag:]
    if a.std() == 0 or b.std() == 0:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def window_rr_features(
    peaks: np.ndarray, starts: np.ndarray, length: int, sampling_rate: float
) -> pd.DataFrame:
    """RR features of the beats ``peaks`` inside each window ``[start, start + length)`` (samples).

    Examples
    --------
    >>> peaks = np.arange(0, 10000, 250)                  # 60 bpm at 250 Hz
    >>> f = window_rr_features(peaks, np.array([0, 5000]), 2500, 250.0)
    >>> f["beats_per_min"].tolist(), f["rr_cv"].tolist()
    ([60.0, 60.0], [0.0, 0.0])
    """
    peaks = np.sort(np.asarray(peaks))
    fs = float(sampling_rate)
    rows = []
    for s in np.asarray(starts):
        inside = peaks[np.searchsorted(peaks, s) : np.searchsorted(peaks, s + length)]
        row = dict.fromkeys(RR_WINDOW_NAMES, np.nan)
        row["beats_per_min"] = inside.size / (length / fs) * 60
        if inside.size >= 4:
            rr = np.diff(inside) / fs
            median = np.median(rr)
            drr = np.diff(rr)
            hist, _ = np.histogram(np.clip(drr, -0.5, 0.5), bins=16, range=(-0.5, 0.5))
            q = hist[hist > 0] / max(hist.sum(), 1)
            row.update(
                rr_median_s=median,
                rr_cv=rr.std() / rr.mean(),
                rr_rmssd_s=float(np.sqrt(np.mean(drr**2))),
                rr_outlier_fraction=float((np.abs(rr / median - 1) > 0.15).mean()),
                drr_entropy=float(-(q * np.log2(q)).sum()),
                premature_pause_fraction=float(((rr[:-1] < 0.85 * median) & (rr[1:] > 1.1 * median)).mean()),
                rr_lag1_corr=_lag_corr(rr, 1),
                rr_lag2_corr=_lag_corr(rr, 2),
                rr_range_ratio=float((np.percentile(rr, 90) - np.percentile(rr, 10)) / median),
            )
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RR_WINDOW_NAMES))
