"""Synthetic single-lead ECG with known findings, for running the pipeline with no data.

Classes (:data:`SYNTHETIC_CLASSES`, named as in :data:`vitalkit.labels.RECORD_LABELS`):

================  ===========================  ==========================================
class             heart rate (mean, bpm)       what makes it that class
================  ===========================  ==========================================
``normal``        62 to 95                     sinus rhythm, respiratory RR modulation
``tachycardia``   110 to 150                   sinus rhythm
``bradycardia``   40 to 52                     sinus rhythm
``afib``          65 to 95                     RR intervals drawn independently (lognormal,
                                               CV 0.18 to 0.28), no P waves, 5 to 7 Hz
                                               fibrillatory waves of 0.02 to 0.05 mV
``st_elevation``  60 to 95                     ST segment raised by 0.15 to 0.35 mV from the
                                               J point to the T peak
``pvc``           60 to 90                     12 to 24 premature ventricular beats a minute
                                               (coupling 0.55 to 0.7 RR, full compensatory
                                               pause, wide QRS, discordant T, no P)
================  ===========================  ==========================================

How it is built: neurokit2's ECGSYN model (``nk.ecg_simulate(method="ecgsyn")``, McSharry
et al. 2003) generates a noise-free rhythm at the record's mean heart rate with the
patient's wave angles, widths and amplitudes (P amplitude 0 for AF-like records); the
median beat of that rhythm, cut in the TP segment, is the record's sinus beat. ECGSYN
draws its RR series from a heart-rate-variability spectrum and has no way to impose an RR
sequence (irregular AF intervals, premature beats) or a per-beat morphology, so the beats
are placed here, beat by beat, at the RR intervals each class calls for; the ventricular
ectopic beat is drawn with Gaussian waves (the wave shape ECGSYN itself uses). Noise
comes from :mod:`vitalkit.augment` (white, baseline wander, powerline, muscle).

:func:`measure_ecg` measures what a record shows, independently of how it was made (R
peaks from neurokit2's detector, the rest from the signal), and :func:`generate_dataset`
stores requested and measured values side by side in ``labels.json``.

Examples
--------
>>> ecg = ecg_synthetic("tachycardia", duration_s=10, sampling_rate=250, seed=3)
>>> ecg.signal.shape, ecg.labels, 110 <= ecg.requested["heart_rate_bpm"] <= 150
((2500,), ['tachycardia'], True)
>>> m = measure_ecg(ecg.signal, 250)
>>> abs(m["heart_rate_bpm"] - ecg.requested["heart_rate_bpm"]) < 5
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import neurokit2 as nk
import numpy as np
import pandas as pd
from scipy import signal as sps

from vitalkit import augment
from vitalkit.data.records import Record
from vitalkit.data.writers import WRITERS, write_record
from vitalkit.errors import ParamsError
from vitalkit.io import write_json


@dataclass(frozen=True)
class ClassSpec:
    """What a synthetic class draws: heart-rate range, rhythm and findings."""

    heart_rate: tuple[float, float]
    rhythm: str = "sinus"
    p_waves: bool = True
    st_elevation_mv: tuple[float, float] = (0.0, 0.0)
    pvc_per_min: tuple[float, float] = (0.0, 0.0)


CLASS_SPECS: dict[str, ClassSpec] = {
    "normal": ClassSpec((62, 95)),
    "tachycardia": ClassSpec((110, 150)),
    "bradycardia": ClassSpec((40, 52)),
    "afib": ClassSpec((65, 95), rhythm="af", p_waves=False),
    "st_elevation": ClassSpec((60, 95), st_elevation_mv=(0.15, 0.35)),
    "pvc": ClassSpec((60, 90), pvc_per_min=(12, 24)),
}
SYNTHETIC_CLASSES: tuple[str, ...] = tuple(CLASS_SPECS)

DEFAULT_NOISE: dict[str, float] = {"white_mv": 0.01, "baseline_wander_mv": 0.05}
"""Noise of :func:`generate_dataset` unless told otherwise."""

NOISE_KEYS = ("white_mv", "baseline_wander_mv", "powerline_mv", "emg_mv")

# ECGSYN wave parameters (P, Q, R, S, T): angles in degrees, amplitudes, widths in radians.
# neurokit2's defaults, with narrower P and T waves, a later T (P 0.25 -> 0.2 rad, T 0.4 ->
# 0.3 rad at 100 -> 110 degrees) and Q, S closer to R (15 -> 12 degrees): the defaults leave no
# isoelectric PR or ST segment (the T upslope starts at the S wave), which would make an ST
# level at J+60 ms meaningless. (Narrower QRS widths make neurokit2's ODE integration miss
# the R peak at ECG sampling rates.)
_TI = np.array([-70.0, -12.0, 0.0, 12.0, 110.0])
_AI = np.array([1.2, -5.0, 30.0, -7.5, 0.75])
_BI = np.array([0.2, 0.1, 0.1, 0.1, 0.3])


@dataclass
class SyntheticECG:
    """A generated record with the truth it was generated from.

    Attributes
    ----------
    signal : np.ndarray
        Samples in mV.
    sampling_rate : float
        Samples per second.
    kind : str
        The class.
    rpeaks : np.ndarray
        Sample index of every beat's R peak (generator truth).
    beat_kinds : np.ndarray
        ``'N'`` (sinus) or ``'V'`` (ventricular ectopic) per beat.
    requested : dict
        Mean heart rate, ST elevation (mV), PVC count, RR dispersion asked for.
    """

    signal: np.ndarray
    sampling_rate: float
    kind: str
    rpeaks: np.ndarray
    beat_kinds: np.ndarray
    requested: dict[str, float] = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        """Record labels (the class)."""
        return [self.kind]

    def to_record(self, name: str, patient_id: str = "") -> Record:
        """The :class:`Record` (one channel ``ECG`` in mV, labels set)."""
        return Record(
            name=name,
            signal=self.signal,
            sampling_rate=self.sampling_rate,
            channel_names=["ECG"],
            units=["mV"],
            patient_id=patient_id,
            labels=self.labels,
        )


def patient_morphology(rng: np.random.Generator) -> dict[str, float]:
    """Draw one patient's beat shape: R amplitude, P and T scale, wave angles and widths."""
    return {
        "r_mv": float(rng.uniform(0.8, 1.6)),
        "p_scale": float(rng.uniform(0.8, 1.2)),
        "t_scale": float(rng.uniform(0.7, 1.3)),
        "angle_jitter": float(rng.uniform(-5, 5)),
        "width_scale": float(rng.uniform(0.9, 1.1)),
    }


def _taper(beat: np.ndarray, fraction: float = 0.08) -> np.ndarray:
    """Subtract the line through the two ends and taper them to exactly zero."""
    n = beat.size
    edge = max(2, int(0.03 * n))
    line = np.linspace(beat[:edge].mean(), beat[-edge:].mean(), n)
    return (beat - line) * sps.windows.tukey(n, alpha=2 * fraction)


def sinus_beat(
    heart_rate: float,
    sampling_rate: int,
    morphology: Mapping[str, float],
    p_waves: bool = True,
    seed: int = 0,
) -> tuple[np.ndarray, int]:
    """One sinus beat from neurokit2's ECGSYN at ``heart_rate``, from TP segment to TP segment.

    Returns
    -------
    beat : np.ndarray
        ``round(60 / heart_rate * sampling_rate)`` samples in mV, zero at both ends, the R
        peak ``morphology["r_mv"]`` above the isoelectric line.
    r_index : int
        Sample of the R peak.
    """
    ti = _TI + np.array([1, 0.5, 0, 0.5, 1]) * morphology["angle_jitter"]
    ai = _AI * np.array([morphology["p_scale"] if p_waves else 0.0, 1, 1, 1, morphology["t_scale"]])
    bi = _BI * morphology["width_scale"]
    rr = 60.0 / heart_rate
    x = nk.ecg_simulate(
        duration=12 * rr + 1,
        sampling_rate=sampling_rate,
        heart_rate=heart_rate,
        heart_rate_std=0,
        noise=0,
        method="ecgsyn",
        random_state=seed,
        ti=tuple(ti),
        ai=tuple(ai),
        bi=tuple(bi),
    )
    period = rr * sampling_rate
    x = x[int(0.5 * sampling_rate) :]  # the first samples hold the ODE's initial condition
    peaks, _ = sps.find_peaks(x, distance=int(0.7 * period), prominence=0.3 * np.ptp(x))
    before, length = round(0.45 * period), round(period)
    peaks = peaks[(peaks - before >= 0) & (peaks - before + length <= x.size)][1:-1]
    if peaks.size < 3:
        raise RuntimeError(f"ECGSYN gave {peaks.size} usable beats at {heart_rate:.1f} bpm")
    beat = _taper(np.median(np.stack([x[p - before : p - before + length] for p in peaks]), axis=0))
    return beat * morphology["r_mv"] / beat[before], before


def _add_st_elevation(
    beat: np.ndarray, r_index: int, sampling_rate: float, rise_mv: float, rr: float
) -> np.ndarray:
    """Raise the ST segment from the J point to the T peak by ``rise_mv`` (smooth edges)."""
    ms = sampling_rate / 1000
    slope = np.abs(np.gradient(beat))
    s_index = r_index + int(np.argmin(beat[r_index : r_index + int(80 * ms)]))
    flat = np.flatnonzero(slope[s_index : r_index + int(200 * ms)] < 0.05 * slope.max())
    j_index = s_index + (int(flat[0]) if flat.size else int(40 * ms))
    t_peak = j_index + int(np.argmax(beat[j_index : j_index + int(0.45 * rr * sampling_rate)]))
    t = np.arange(beat.size)
    ramp = int(12 * ms)
    fall = max(int(0.12 * np.sqrt(rr) * sampling_rate), ramp)
    rise_part = 0.5 * (1 + np.cos(np.pi * np.clip((j_index + ramp - t) / (2 * ramp), 0, 1)))
    fall_part = 0.5 * (1 + np.cos(np.pi * np.clip((t - t_peak) / fall, 0, 1)))
    return beat + rise_mv * rise_part * fall_part


def ectopic_beat(
    heart_rate: float, sampling_rate: float, morphology: Mapping[str, float]
) -> tuple[np.ndarray, int]:
    """A premature ventricular beat: wide QRS (Gaussian waves), discordant T, no P wave."""
    rr = 60.0 / heart_rate
    before = int(0.3 * sampling_rate)
    t = (np.arange(before + int((0.45 * np.sqrt(rr) + 0.3) * sampling_rate)) - before) / sampling_rate
    r = morphology["r_mv"]
    waves = (  # (amplitude in R units, centre s, width s)
        (-0.15, -0.045, 0.018),
        (1.35, 0.0, 0.030),
        (-0.55, 0.070, 0.028),
        (-0.40 * morphology["t_scale"], 0.34 * np.sqrt(rr), 0.075),
    )
    beat = sum(a * r * np.exp(-0.5 * ((t - c) / w) ** 2) for a, c, w in waves)
    return _taper(np.asarray(beat), fraction=0.05), before


def _sinus_times(duration_s: float, rr: float, rng: np.random.Generator, rhythm: str) -> np.ndarray:
    """R-peak times (s): sinus with respiratory modulation, or AF-like independent intervals.

    AF-like intervals are lognormal (CV 0.18 to 0.28, clipped to 0.33 to 2 s), rescaled so
    that their mean over the record is ``rr``: the record's heart rate is the one drawn.
    """
    first = float(rng.uniform(-1.5 * rr, -0.5 * rr))  # a beat before the start: no empty lead-in
    n = int(np.ceil((duration_s + 2 - first) / rr)) + 1
    phase, cv = rng.uniform(0, 2 * np.pi), float(rng.uniform(0.18, 0.28))
    if rhythm == "af":
        intervals = np.clip(rr * np.exp(rng.normal(-0.5 * cv**2, cv, size=3 * n)), 0.33, 2.0)
        count = int(np.searchsorted(np.cumsum(intervals), duration_s - first))
        intervals *= rr / intervals[: max(count, 1)].mean()
        return first + np.concatenate([[0.0], np.cumsum(intervals)])
    times = [first]
    while times[-1] < duration_s + 2:
        t = times[-1]
        times.append(t + rr * (1 + 0.03 * np.sin(2 * np.pi * 0.25 * t + phase) + 0.01 * rng.normal()))
    return np.asarray(times)


def _fibrillatory_waves(n: int, sampling_rate: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n) / sampling_rate
    f0, amp = rng.uniform(5, 7), rng.uniform(0.02, 0.05)
    wobble = 0.6 * np.sin(2 * np.pi * rng.uniform(0.05, 0.2) * t + rng.uniform(0, 2 * np.pi))
    phase = 2 * np.pi * f0 * t + wobble + rng.uniform(0, 2 * np.pi)
    return amp * (np.sin(phase) + 0.35 * np.sin(2 * phase + rng.uniform(0, 2 * np.pi)))


def check_noise(noise: Mapping[str, float] | None) -> dict[str, float]:
    """Validate a noise spec (``{"white_mv": ..., "baseline_wander_mv": ..., ...}``, mV)."""
    noise = dict(DEFAULT_NOISE if noise is None else noise)
    problems = [f"unknown noise {k!r}; known: {list(NOISE_KEYS)}" for k in noise if k not in NOISE_KEYS]
    problems += [
        f"noise {k} must be a number >= 0, got {v!r}"
        for k, v in noise.items()
        if k in NOISE_KEYS and (isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0)
    ]
    if problems:
        raise ParamsError("synthetic noise", problems)
    return {k: float(noise.get(k, 0.0)) for k in NOISE_KEYS}


def add_noise(
    x: np.ndarray, sampling_rate: float, noise: Mapping[str, float], rng: np.random.Generator
) -> np.ndarray:
    """Add white, baseline-wander, powerline and muscle noise (amplitudes in mV) to a 1-D signal."""
    spec = check_noise(noise)
    out = x + rng.normal(0, spec["white_mv"], size=x.shape) if spec["white_mv"] else x.copy()
    windows = out[None, :]
    if spec["baseline_wander_mv"]:
        windows = augment.baseline_wander(
            windows, sampling_rate, rng, amplitude_mv=spec["baseline_wander_mv"]
        )
    if spec["powerline_mv"]:
        windows = augment.powerline(windows, sampling_rate, rng, amplitude_mv=spec["powerline_mv"])
    if spec["emg_mv"]:
        windows = augment.muscle_noise(windows, sampling_rate, rng, amplitude_mv=spec["emg_mv"])
    return windows[0]


def ecg_synthetic(
    kind: str = "normal",
    duration_s: float = 10.0,
    sampling_rate: int = 250,
    seed: int = 0,
    noise: Mapping[str, float] | None = None,
    morphology: Mapping[str, float] | None = None,
) -> SyntheticECG:
    """Generate one synthetic ECG of a class (see the module notes).

    Parameters
    ----------
    kind : str
        A key of :data:`CLASS_SPECS`.
    duration_s : float
        Length in seconds (at least 4).
    sampling_rate : int
        Samples per second (whole number, at least 100).
    seed : int
        Seed of every random draw (same seed, same signal).
    noise : mapping, optional
        ``{"white_mv", "baseline_wander_mv", "powerline_mv", "emg_mv"}`` in mV
        (default :data:`DEFAULT_NOISE`; ``{}`` for none).
    morphology : mapping, optional
        A patient's beat shape (:func:`patient_morphology`); drawn from ``seed`` if absent.

    Raises
    ------
    ParamsError
        Unknown class, bad duration, rate or noise.
    """
    problems = []
    if kind not in CLASS_SPECS:
        problems.append(f"unknown synthetic class {kind!r}; known: {list(CLASS_SPECS)}")
    if not isinstance(duration_s, int | float) or not duration_s >= 4:
        problems.append(f"duration_s must be at least 4 s, got {duration_s!r}")
    if isinstance(sampling_rate, bool) or not float(sampling_rate).is_integer() or sampling_rate < 100:
        problems.append(f"sampling_rate must be a whole number >= 100, got {sampling_rate!r}")
    if problems:
        raise ParamsError("synthetic ECG", problems)
    noise_spec = check_noise(noise)
    spec, fs = CLASS_SPECS[kind], int(sampling_rate)
    rng = np.random.default_rng(seed)
    shape = dict(morphology) if morphology is not None else patient_morphology(rng)
    heart_rate = float(rng.uniform(*spec.heart_rate))
    rr = 60.0 / heart_rate
    sinus, r_sinus = sinus_beat(heart_rate, fs, shape, p_waves=spec.p_waves, seed=int(rng.integers(2**31)))
    st_rise = float(rng.uniform(*spec.st_elevation_mv)) if spec.st_elevation_mv[1] > 0 else 0.0
    if st_rise:
        sinus = _add_st_elevation(sinus, r_sinus, fs, st_rise, rr)
    times = _sinus_times(duration_s, rr, rng, spec.rhythm)
    kinds = np.full(times.size, "N", dtype="<U1")
    if spec.pvc_per_min[1] > 0:
        inside = np.flatnonzero((times > 1.0) & (times < duration_s - 1.5))[1:-1]
        wanted = max(1, round(rng.uniform(*spec.pvc_per_min) * duration_s / 60))
        chosen: list[int] = []
        for i in rng.permutation(inside):
            if len(chosen) < wanted and all(abs(i - j) >= 3 for j in chosen):
                chosen.append(int(i))
        for i in chosen:  # replaces sinus beat i; the next sinus beat keeps its time: compensatory pause
            times[i] = times[i - 1] + rng.uniform(0.55, 0.7) * (times[i] - times[i - 1])
            kinds[i] = "V"
    ectopic, r_ectopic = ectopic_beat(heart_rate, fs, shape)
    n = round(duration_s * fs)
    pad = 2 * fs
    x = np.zeros(n + 2 * pad)
    peaks = np.round(times * fs).astype(np.int64)
    for peak, beat_kind in zip(peaks, kinds, strict=True):
        beat, r_index = (ectopic, r_ectopic) if beat_kind == "V" else (sinus, r_sinus)
        start = pad + peak - r_index
        if 0 <= start and start + beat.size <= x.size:
            x[start : start + beat.size] += beat
    x = x[pad : pad + n]
    if spec.rhythm == "af":
        x = x + _fibrillatory_waves(n, fs, rng)
    x = add_noise(x, fs, noise_spec, rng)
    inside = (peaks >= 0) & (peaks < n)
    requested = {
        "heart_rate_bpm": round(heart_rate, 2),
        "st_elevation_mv": round(st_rise, 3),
        "n_pvc": int((kinds[inside] == "V").sum()),
        "rr_cv": round(float(np.std(np.diff(times[inside])) / np.mean(np.diff(times[inside]))), 3),
    }
    return SyntheticECG(x, float(fs), kind, peaks[inside], kinds[inside], requested)


# --- measuring what a record shows ----------------------------------------------------------


def _median_beat(x: np.ndarray, peaks: np.ndarray, before: int, after: int) -> np.ndarray:
    ok = peaks[(peaks - before >= 0) & (peaks + after < x.size)]
    if ok.size == 0:
        return np.full(before + after, np.nan)
    return np.median(np.stack([x[p - before : p + after] for p in ok]), axis=0)


def _qrs_bounds(beat: np.ndarray, r_index: int, sampling_rate: float) -> tuple[int, int]:
    """QRS onset and J point of a (median, filtered) beat.

    The QRS is where the slope exceeds 8 % of its maximum from 70 ms before to 80 ms after
    the R peak (ECGSYN's Q and S waves are slow: a higher threshold stops at their
    troughs); the onset is the last sample before its first steep sample, the J point the
    first sample after its last steep sample, where the slope is below 5 % of the maximum
    (else the flattest sample within 80 ms).
    """
    ms = sampling_rate / 1000
    slope = np.abs(np.gradient(beat))
    lo, hi = max(r_index - int(70 * ms), 1), min(r_index + int(80 * ms), beat.size - 1)
    steep = lo + np.flatnonzero(slope[lo:hi] > 0.08 * slope[lo:hi].max())
    first, last = int(steep[0]), int(steep[-1])
    reach = int(80 * ms)
    before = slope[max(first - reach, 0) : first][::-1]
    after = slope[last : last + reach]
    quiet_before = np.flatnonzero(before < 0.05 * slope[lo:hi].max())
    quiet_after = np.flatnonzero(after < 0.05 * slope[lo:hi].max())
    onset = first - int(quiet_before[0] if quiet_before.size else np.argmin(before))
    j_point = last + int(quiet_after[0] if quiet_after.size else np.argmin(after))
    return onset, j_point


def measure_ecg(signal: np.ndarray, sampling_rate: float) -> dict[str, float]:
    """Measure heart rate, RR irregularity, ectopic beats, P-wave amplitude and ST level.

    Written for checking synthetic records (single lead, modest noise), not as a clinical
    measurement. R peaks: neurokit2's ``ecg_findpeaks(method='neurokit')``. A beat is
    *ectopic* when it is premature (RR < 0.8 × median), followed by a pause (next RR >
    1.15 × median) and shaped unlike the median beat (correlation < 0.8). On the median
    of the sinus beats that follow an RR interval at least as long as the median (so the
    previous T wave is far; band-passed 0.5–40 Hz): QRS onset and J point from the slope
    (:func:`_qrs_bounds`); the PR baseline is the mean over the 20 ms before QRS onset;
    ``st_j60_mv`` is the level 60 ms after J minus the PR baseline; ``p_wave_mv`` the
    largest deflection from the PR baseline between 300 ms (at most 45 % of RR) before the R
    peak and 20 ms before QRS onset.

    Returns
    -------
    dict
        ``heart_rate_bpm``, ``rr_cv`` (SD/mean of the RR intervals between two sinus beats),
        ``rmssd_norm`` (their RMSSD / mean),
        ``n_beats``, ``n_ectopic``, ``r_wave_mv`` (R peak above the PR baseline),
        ``p_wave_mv``, ``st_j60_mv``.
    """
    from vitalkit.signal.filters import ecg_bandpass

    fs = float(sampling_rate)
    x = np.asarray(signal, dtype=np.float64)
    # neurokit2's own detector, called directly (the registry of vitalkit.beats sits a layer above)
    cleaned = nk.ecg_clean(x, sampling_rate=round(fs), method="neurokit")
    found = nk.ecg_findpeaks(cleaned, sampling_rate=round(fs), method="neurokit")["ECG_R_Peaks"]
    peaks = np.asarray(found, dtype=np.int64)
    filtered = ecg_bandpass(x, fs, lowcut=0.5, highcut=40.0)
    nan = float("nan")
    result = {
        "heart_rate_bpm": nan,
        "rr_cv": nan,
        "rmssd_norm": nan,
        "n_beats": int(peaks.size),
        "n_ectopic": 0,
        "r_wave_mv": nan,
        "p_wave_mv": nan,
        "st_j60_mv": nan,
    }
    if peaks.size < 4:
        return result
    # refine each peak to the largest deflection within 50 ms (the detector may sit on a slope)
    w = int(0.05 * fs)
    starts = np.maximum(peaks - w, 0)
    peaks = np.unique(
        [s + int(np.argmax(np.abs(filtered[s : p + w]))) for s, p in zip(starts, peaks, strict=True)]
    )
    rr = np.diff(peaks) / fs
    median_rr = float(np.median(rr))
    before, after = int(0.25 * fs), int(0.4 * fs)
    template = _median_beat(filtered, peaks, int(0.1 * fs), int(0.15 * fs))
    ectopic = np.zeros(peaks.size, dtype=bool)
    for i in range(1, peaks.size - 1):
        premature = rr[i - 1] < 0.8 * median_rr and rr[i] > 1.15 * median_rr
        p = peaks[i]
        if premature and p - int(0.1 * fs) >= 0 and p + int(0.15 * fs) < x.size:
            beat = filtered[p - int(0.1 * fs) : p + int(0.15 * fs)]
            ectopic[i] = np.corrcoef(beat, template)[0, 1] < 0.8
    sinus = peaks[~ectopic]
    sinus_rr = rr[~ectopic[:-1] & ~ectopic[1:]]  # intervals between two sinus beats
    result.update(
        heart_rate_bpm=round(60.0 / float(np.mean(rr)), 2),
        rr_cv=round(float(np.std(sinus_rr) / np.mean(sinus_rr)), 4),
        rmssd_norm=round(float(np.sqrt(np.mean(np.diff(sinus_rr) ** 2)) / np.mean(sinus_rr)), 4),
        n_ectopic=int(ectopic.sum()),
    )
    long_before = sinus[1:][np.diff(sinus) >= np.median(np.diff(sinus))]  # previous T wave far away
    beat = _median_beat(filtered, long_before, before, after)
    if np.isnan(beat).any():
        return result
    ms = fs / 1000
    onset, j_point = _qrs_bounds(beat, before, fs)
    baseline = float(beat[max(onset - int(20 * ms), 0) : onset + 1].mean())
    st_index = min(j_point + int(60 * ms), beat.size - 1)
    p_start = max(before - int(min(0.3, 0.45 * median_rr) * fs), 0)
    p_window = beat[p_start : max(onset - int(20 * ms), p_start + 1)]
    result.update(
        st_j60_mv=round(float(beat[st_index] - baseline), 4),
        r_wave_mv=round(float(beat[before] - baseline), 4),
        p_wave_mv=round(float(np.max(np.abs(p_window - baseline))), 4),
    )
    return result


# --- dataset folders ----------------------------------------------------------------------------


def generate_dataset(
    folder: str | Path,
    n_per_class: int = 10,
    duration_s: float = 10.0,
    sampling_rate: int = 250,
    seed: int = 0,
    classes: Sequence[str] = SYNTHETIC_CLASSES,
    noise: Mapping[str, float] | None = None,
    records_per_patient: int = 1,
    file_format: str = ".npz",
) -> pd.DataFrame:
    """Write a ``labels.json`` dataset folder of synthetic records (readable by ``read_labelled_folder``).

    Record ``i`` of class ``c`` is ``<c>_<i>.npz`` (or ``.edf``/``.csv``), patient
    ``<c>-p<i // records_per_patient>``: the records of one patient share a beat shape.
    Each labels.json entry carries ``meta.requested`` (what was asked for) and
    ``meta.measured`` (:func:`measure_ecg` on the written signal). labels.json is written
    last, so a folder with one is complete.

    Parameters
    ----------
    folder : str or Path
        Created if needed; existing files of the same names are replaced.
    n_per_class, duration_s, sampling_rate, seed, noise
        As in :func:`ecg_synthetic`; everything follows from ``seed``.
    classes : sequence of str
        Classes to generate.
    records_per_patient : int
        Records sharing one patient id (and beat shape).
    file_format : {".npz", ".edf", ".csv"}
        File type of the records.

    Returns
    -------
    pandas.DataFrame
        One row per record: file, label, patient, requested and measured values.

    Examples
    --------
    >>> import tempfile
    >>> from vitalkit.data.labelled import read_labelled_folder
    >>> folder = tempfile.mkdtemp()
    >>> table = generate_dataset(folder, n_per_class=1, classes=["normal", "afib"], seed=1)
    >>> table[["file", "label", "patient_id"]].values.tolist()
    [['normal_000.npz', 'normal', 'normal-p000'], ['afib_000.npz', 'afib', 'afib-p000']]
    >>> read_labelled_folder(folder).vocabulary
    ('normal', 'afib')
    """
    problems = [f"unknown class {c!r}; known: {list(CLASS_SPECS)}" for c in classes if c not in CLASS_SPECS]
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, int) or n_per_class < 1:
        problems.append(f"n_per_class must be a positive integer, got {n_per_class!r}")
    if (
        isinstance(records_per_patient, bool)
        or not isinstance(records_per_patient, int)
        or records_per_patient < 1
    ):
        problems.append(f"records_per_patient must be a positive integer, got {records_per_patient!r}")
    if file_format not in WRITERS:
        problems.append(f"file_format must be one of {sorted(WRITERS)}, got {file_format!r}")
    if problems:
        raise ParamsError("synthetic dataset", problems)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    entries, rows = [], []
    for c_index, kind in enumerate(classes):
        for i in range(n_per_class):
            patient = i // records_per_patient
            shape_rng = np.random.default_rng([seed, c_index, patient, 0])
            ecg = ecg_synthetic(
                kind,
                duration_s,
                sampling_rate,
                seed=int(np.random.default_rng([seed, c_index, i, 1]).integers(2**31)),
                noise=noise,
                morphology=patient_morphology(shape_rng),
            )
            name, patient_id = f"{kind}_{i:03d}", f"{kind}-p{patient:03d}"
            write_record(folder / f"{name}{file_format}", ecg.to_record(name, patient_id))
            measured = measure_ecg(ecg.signal, ecg.sampling_rate)
            entries.append(
                {
                    "file": f"{name}{file_format}",
                    "label": kind,
                    "patient_id": patient_id,
                    "meta": {"requested": ecg.requested, "measured": measured},
                }
            )
            rows.append(
                {
                    "file": f"{name}{file_format}",
                    "label": kind,
                    "patient_id": patient_id,
                    **{f"requested_{k}": v for k, v in ecg.requested.items()},
                    **{f"measured_{k}": v for k, v in measured.items()},
                }
            )
    description = (
        f"VitalKit synthetic ECG (neurokit2 ECGSYN beats): seed {seed}, {n_per_class} per class, "
        f"{duration_s:g} s at {sampling_rate} Hz, noise {check_noise(noise)}"
    )
    write_json(folder / "labels.json", {"description": description, "records": entries})
    return pd.DataFrame(rows)
