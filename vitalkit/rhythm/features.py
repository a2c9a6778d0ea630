"""Rhythm features of an ECG segment: RR irregularity (neurokit2 HRV), beat morphology, signal quality.

The classical AF baseline learns from these. Three groups, all NaN-tolerant (gradient
boosting handles missing values natively):

- **RR irregularity**: neurokit2 ``hrv_time`` indices (``HRV_RMSSD``, ``HRV_CVSD``,
  ``HRV_pNN50`` ...), Poincaré SD1/SD2, sample entropy of the RR series and the coefficient
  of sample entropy (COSEn, Lake & Moorman 2011), the Shannon entropy of successive RR
  differences, turning-point ratio, and the share of premature beats followed by a pause
  (ectopy, the typical "other rhythm"). SD1/SD2 are the closed-form Poincaré axes and SampEn
  calls ``nk.entropy_sample`` directly: ``nk.hrv_nonlinear`` computes some 50 indices
  (DFA, multiscale entropies) and is 5x slower, too slow for sliding windows.
- **Morphology**: correlation of every beat with the median beat, QRS width, R amplitude
  variability, the P-wave window's energy and its beat-to-beat consistency (P waves repeat,
  fibrillatory waves do not), T-wave energy.
- **Signal quality and spectrum**: agreement of two QRS detectors, band powers, spectral
  entropy, kurtosis, saturation.

Examples
--------
>>> import neurokit2 as nk
>>> ecg = nk.ecg_simulate(duration=20, sampling_rate=300, heart_rate=70, random_state=0)
>>> f = ecg_rhythm_features(ecg, 300)
>>> bool(60 < f["heart_rate"] < 80), bool(f["rr_outlier_fraction"] < 0.1)
(True, True)
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path

import neurokit2 as nk
import numpy as np
import pandas as pd
from scipy import signal as sps
from scipy import stats

from vitalkit import config
from vitalkit.beats import detect
from vitalkit.beats.detect import ecg_rpeaks, match_peaks
from vitalkit.data.fingerprint import code_fingerprint
from vitalkit.io import write_text
from vitalkit.signal.filters import check_signal, ecg_bandpass

FEATURES_VERSION = "2"
"""Bumped whenever a feature changes, so cached tables are recomputed."""

HRV_TIME = (
    "HRV_MeanNN",
    "HRV_SDNN",
    "HRV_RMSSD",
    "HRV_SDSD",
    "HRV_CVNN",
    "HRV_CVSD",
    "HRV_MedianNN",
    "HRV_MadNN",
    "HRV_MCVNN",
    "HRV_IQRNN",
    "HRV_pNN50",
    "HRV_pNN20",
    "HRV_MinNN",
    "HRV_MaxNN",
)
"""neurokit2 ``hrv_time`` indices kept (the others need minutes of data)."""


def _nan_dict(names: Sequence[str]) -> dict[str, float]:
    return {n: float("nan") for n in names}


RR_NAMES = (
    *HRV_TIME,
    "heart_rate",
    "n_beats",
    "sd1",
    "sd2",
    "sd1_sd2",
    "sampen",
    "cosen",
    "drr_entropy",
    "turning_point_ratio",
    "rr_outlier_fraction",
    "premature_pause_fraction",
    "rr_range_ratio",
)


def rr_irregularity(peaks: np.ndarray, sampling_rate: float) -> dict[str, float]:
    """RR-irregularity and HRV features of R-peak positions (NaN where undefined).

    Examples
    --------
    >>> regular = rr_irregularity(np.arange(0, 30000, 300), 300)
    >>> irregular = rr_irregularity(np.cumsum(np.random.default_rng(0).integers(150, 450, 100)), 300)
    >>> bool(regular["HRV_RMSSD"] < 1 < irregular["HRV_RMSSD"]), float(regular["heart_rate"])
    (True, 60.0)
    """
    peaks = np.asarray(peaks, dtype=np.int64)
    out = _nan_dict(RR_NAMES)
    out["n_beats"] = float(peaks.size)
    if peaks.size < 4:
        return out
    rr = np.diff(peaks) / sampling_rate
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hrv = nk.hrv_time(peaks, sampling_rate=sampling_rate)
    out.update({k: float(hrv[k].iloc[0]) for k in HRV_TIME if k in hrv})
    drr = np.diff(rr)
    median = np.median(rr)
    out["heart_rate"] = 60.0 / median
    out["sd1"] = float(np.sqrt(0.5) * np.std(drr))
    out["sd2"] = float(np.sqrt(max(2 * np.var(rr) - 0.5 * np.var(drr), 0.0)))
    out["sd1_sd2"] = out["sd1"] / out["sd2"] if out["sd2"] > 0 else float("nan")
    tolerance = 0.03  # 30 ms, the COSEn convention
    if rr.size >= 8:
        sampen = float(nk.entropy_sample(rr, dimension=2, tolerance=tolerance)[0])
        if np.isfinite(sampen):
            out["sampen"] = sampen
            out["cosen"] = sampen - np.log(2 * tolerance) - np.log(np.mean(rr))
    hist, _ = np.histogram(np.clip(drr, -0.5, 0.5), bins=16, range=(-0.5, 0.5))
    p = hist[hist > 0] / hist.sum()
    out["drr_entropy"] = float(-(p * np.log2(p)).sum())
    if rr.size >= 3:
        turns = ((rr[1:-1] - rr[:-2]) * (rr[1:-1] - rr[2:]) > 0).sum()
        out["turning_point_ratio"] = turns / (rr.size - 2)
    out["rr_outlier_fraction"] = float((np.abs(rr / median - 1) > 0.15).mean())
    premature = (rr[:-1] < 0.85 * median) & (rr[1:] > 1.1 * median)
    out["premature_pause_fraction"] = float(premature.mean())
    out["rr_range_ratio"] = float((np.percentile(rr, 90) - np.percentile(rr, 10)) / median)
    return out


MORPHOLOGY_NAMES = (
    "beat_corr_mean",
    "beat_corr_std",
    "beat_corr_p10",
    "qrs_width_ms",
    "r_amplitude",
    "r_amplitude_cv",
    "p_energy_ratio",
    "p_consistency",
    "t_energy_ratio",
    "template_polarity",
)


def _corr_rows(matrix: np.ndarray, template: np.ndarray) -> np.ndarray:
    a = matrix - matrix.mean(axis=1, keepdims=True)
    b = template - template.mean()
    den = np.sqrt((a**2).sum(axis=1) * (b**2).sum())
    return np.where(den > 0, (a @ b) / np.maximum(den, 1e-12), 0.0)


def beat_morphology(filtered: np.ndarray, peaks: np.ndarray, sampling_rate: float) -> dict[str, float]:
    """Beat-shape features around R peaks of a band-passed ECG (NaN with fewer than 3 whole beats)."""
    out = _nan_dict(MORPHOLOGY_NAMES)
    before, after = round(0.3 * sampling_rate), round(0.45 * sampling_rate)
    peaks = np.asarray(peaks)
    peaks = peaks[(peaks >= before) & (peaks + after < filtered.size)]
    if peaks.size < 3:
        return out
    beats = filtered[peaks[:, None] + np.arange(-before, after)[None, :]]
    template = np.median(beats, axis=0)
    corr = _corr_rows(beats, template)
    out["beat_corr_mean"] = float(corr.mean())
    out["beat_corr_std"] = float(corr.std())
    out["beat_corr_p10"] = float(np.percentile(corr, 10))
    r = before
    peak = abs(template[r])
    qrs = np.abs(template[r - round(0.12 * sampling_rate) : r + round(0.12 * sampling_rate)])
    out["qrs_width_ms"] = float((qrs >= 0.3 * max(peak, 1e-6)).sum() * 1000 / sampling_rate)
    amplitudes = np.abs(beats[:, r])
    out["r_amplitude"] = float(np.median(amplitudes))
    out["r_amplitude_cv"] = float(amplitudes.std() / max(amplitudes.mean(), 1e-6))
    p_win = slice(r - round(0.25 * sampling_rate), r - round(0.08 * sampling_rate))
    qrs_win = slice(r - round(0.05 * sampling_rate), r + round(0.05 * sampling_rate))
    t_win = slice(r + round(0.15 * sampling_rate), r + round(0.4 * sampling_rate))
    qrs_energy = max(float((template[qrs_win] ** 2).mean()), 1e-9)
    out["p_energy_ratio"] = float((template[p_win] ** 2).mean() / qrs_energy)
    out["t_energy_ratio"] = float((template[t_win] ** 2).mean() / qrs_energy)
    out["p_consistency"] = float(np.median(_corr_rows(beats[:, p_win], template[p_win])))
    out["template_polarity"] = float(template.max() / max(abs(template.min()), 1e-6))
    return out


QUALITY_NAMES = (
    "detector_agreement",
    "power_0_4",
    "power_4_10",
    "power_10_20",
    "power_20_40",
    "power_above_40",
    "spectral_entropy",
    "dominant_frequency",
    "kurtosis",
    "skewness",
    "saturation_fraction",
    "amplitude_range",
    "duration_s",
)


def signal_quality(
    raw: np.ndarray, filtered: np.ndarray, peaks: np.ndarray, sampling_rate: float
) -> dict[str, float]:
    """Signal-quality and spectral features of a segment."""
    out = _nan_dict(QUALITY_NAMES)
    out["duration_s"] = raw.size / sampling_rate
    try:
        other = ecg_rpeaks(raw, sampling_rate, method="hamilton2002")
        m = match_peaks(np.asarray(peaks), other, round(0.15 * sampling_rate))
        total = m.n_reference + m.n_detected
        out["detector_agreement"] = 2 * m.true_positives / total if total else 0.0
    except ValueError:
        pass
    freqs, psd = sps.welch(
        raw - raw.mean(), fs=sampling_rate, nperseg=min(raw.size, round(4 * sampling_rate))
    )
    total_power = max(float(psd.sum()), 1e-12)
    for name, lo, hi in (
        ("power_0_4", 0, 4),
        ("power_4_10", 4, 10),
        ("power_10_20", 10, 20),
        ("power_20_40", 20, 40),
        ("power_above_40", 40, np.inf),
    ):
        out[name] = float(psd[(freqs >= lo) & (freqs < hi)].sum() / total_power)
    band = (freqs >= 0.5) & (freqs <= 40)
    p = psd[band] / max(float(psd[band].sum()), 1e-12)
    out["spectral_entropy"] = float(-(p[p > 0] * np.log(p[p > 0])).sum() / np.log(max(p.size, 2)))
    out["dominant_frequency"] = float(freqs[band][np.argmax(psd[band])]) if band.any() else float("nan")
    out["kurtosis"] = float(stats.kurtosis(filtered))
    out["skewness"] = float(stats.skew(filtered))
    lo, hi = raw.min(), raw.max()
    out["saturation_fraction"] = float(((raw <= lo) | (raw >= hi)).mean()) if hi > lo else 1.0
    out["amplitude_range"] = float(np.percentile(filtered, 99) - np.percentile(filtered, 1))
    return out


FEATURE_NAMES: tuple[str, ...] = (*RR_NAMES, *MORPHOLOGY_NAMES, *QUALITY_NAMES)
"""Every feature, in column order."""


def ecg_rhythm_features(
    signal: np.ndarray, sampling_rate: float, peaks: np.ndarray | None = None
) -> dict[str, float]:
    """All rhythm features of one ECG segment (raw, in mV).

    Parameters
    ----------
    signal : np.ndarray
        1-D raw ECG segment.
    sampling_rate : float
        Samples per second.
    peaks : np.ndarray, optional
        R peaks already detected in this segment (neurokit2 detector otherwise).

    Raises
    ------
    ValueError
        Non-finite samples or a segment shorter than 2 s.
    """
    raw = check_signal(signal, sampling_rate, min_duration_s=2.0)
    filtered = ecg_bandpass(raw, sampling_rate)
    if peaks is None:
        peaks = ecg_rpeaks(raw, sampling_rate)
    return {
        **rr_irregularity(peaks, sampling_rate),
        **beat_morphology(filtered, peaks, sampling_rate),
        **signal_quality(raw, filtered, peaks, sampling_rate),
    }


DATA_COLUMN = "data_sha"
"""Column of a feature cache holding the fingerprint of the data each row came from."""


def _cache_file(name: str) -> Path:
    """The cache of ``name``, keyed by the code the features come from (this module, the R-peak
    detection and neurokit2's version): changed code computes them again."""
    tag = code_fingerprint(sys.modules[__name__], *detect.DETECTION_CODE, versions=(nk.__version__,))
    return config.cache_dir() / "rhythm" / f"features_v{FEATURES_VERSION}_{tag}_{name}.csv"


def cached_features(
    keys: Sequence[str],
    compute: Callable[[str], dict[str, float]],
    cache_name: str,
    progress: bool = True,
    fingerprint: Callable[[str], str] | None = None,
) -> pd.DataFrame:
    """Feature rows for ``keys``, computing only those not in the cache (``data/cache/rhythm``).

    The cache is a CSV per ``cache_name`` and :data:`FEATURES_VERSION`; rows are added as
    they are computed, written atomically, so an interrupted run keeps what it finished.
    ``fingerprint(key)`` gives the content fingerprint of the data a row was computed from
    (:mod:`vitalkit.data.fingerprint`); it is stored beside the row, and a row whose data
    changed (another data folder, an edited file) is computed again.
    """
    from tqdm import tqdm

    path = _cache_file(cache_name)
    table = (  # round_trip: the exact floats that were written (the default parser can be 1 ulp off)
        pd.read_csv(path, index_col=0, float_precision="round_trip", dtype={DATA_COLUMN: str})
        if path.is_file()
        else pd.DataFrame(columns=[*FEATURE_NAMES, DATA_COLUMN])
    )
    table.index = table.index.astype(str)
    table[DATA_COLUMN] = table[DATA_COLUMN].fillna("") if DATA_COLUMN in table else ""
    wanted = list(dict.fromkeys(keys))
    current = {k: fingerprint(k) for k in wanted} if fingerprint else dict.fromkeys(wanted, "")
    stale = [k for k in wanted if k in table.index and table.at[k, DATA_COLUMN] != current[k]]
    table = table.drop(index=stale)
    todo = [k for k in wanted if k not in table.index]
    if todo:
        rows = {}
        for i, key in enumerate(tqdm(todo, desc="features", disable=not progress)):
            rows[key] = {**compute(key), DATA_COLUMN: current[key]}
            if (i + 1) % 200 == 0 or i + 1 == len(todo):
                new = pd.DataFrame.from_dict(rows, orient="index")
                table = pd.concat([table, new]) if len(table) else new
                rows = {}
                path.parent.mkdir(parents=True, exist_ok=True)
                write_text(path, table.to_csv())
    return table.loc[list(keys), list(FEATURE_NAMES)].astype(np.float64)
