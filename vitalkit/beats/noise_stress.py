"""Noise stress test of the filters: SNR improvement on MIT-BIH records with added noise.

For each clean record, noise type and input SNR, a segment of the record's MLII lead gets
real NSTDB noise (or synthetic powerline hum, see :mod:`vitalkit.signal.noise`) scaled the
way ``nst`` scales it; every denoiser in :data:`DENOISERS` then processes the noisy segment
and its output is compared with the clean segment:
``improvement = SNR_out - SNR_in``, both with nst's definitions (signal power from the
clean segment's normal QRS amplitudes, noise power of ``output - clean``). Distortion of the
ECG by a filter counts as noise, so a filter that removes noise but flattens QRS complexes
gains less.

Segments: ``duration_s`` of each record from ``start_s`` (default 5:00, after nst's
learning period); bw and ma noise from the same time of the noise record (as nst does); em
from the recovered noisy periods, the k-th record taking period ``k mod 7``; the powerline
hum seeded per record.

Examples
--------
>>> table = noise_stress_table(["100"], ["ma"], [6.0], ["bandpass"])   # doctest: +SKIP
>>> table[["record", "noise", "snr_in_db", "method", "improvement_db"]]  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import neurokit2 as nk
import numpy as np
import pandas as pd

from vitalkit.beats.benchmark import load_qrs_record, score_detections
from vitalkit.beats.detect import DEFAULT_DETECTOR, ecg_rpeaks
from vitalkit.data.nstdb import nstdb_noise
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_annotations
from vitalkit.errors import DataError
from vitalkit.io import write_text
from vitalkit.signal.baseline import ecg_baseline_remove
from vitalkit.signal.filters import ecg_bandpass, signal_notch
from vitalkit.signal.noise import (
    NOISE_KINDS,
    noise_gain,
    nst_signal_power,
    snr_db,
    synthetic_powerline,
)
from vitalkit.signal.powerline import powerline_cancel
from vitalkit.signal.wavelets import signal_wavelet_denoise

Denoiser = Callable[[np.ndarray, float], np.ndarray]


def _median_wavelet(x: np.ndarray, fs: float) -> np.ndarray:
    return signal_wavelet_denoise(ecg_baseline_remove(x, fs, "median"), fs)


DENOISERS: dict[str, Denoiser] = {
    "bandpass 0.5-40 Hz": lambda x, fs: ecg_bandpass(x, fs, 0.5, 40.0),
    "highpass 0.5 Hz": lambda x, fs: ecg_baseline_remove(x, fs, "highpass"),
    "median baseline": lambda x, fs: ecg_baseline_remove(x, fs, "median"),
    "wavelet baseline": lambda x, fs: ecg_baseline_remove(x, fs, "wavelet"),
    "wavelet denoise": lambda x, fs: signal_wavelet_denoise(x, fs),
    "median + wavelet": _median_wavelet,
    "notch 60 Hz": lambda x, fs: signal_notch(x, fs, 60.0),
    "LMS 60 Hz": lambda x, fs: powerline_cancel(x, fs, 60.0, method="lms"),
    "RLS 60 Hz": lambda x, fs: powerline_cancel(x, fs, 60.0, method="rls"),
    "neurokit ecg_clean": lambda x, fs: nk.ecg_clean(x, sampling_rate=round(fs), method="neurokit"),
}
"""Denoisers compared by the noise stress test, by name: ``(signal, fs) -> signal``."""

DEFAULT_RECORDS: tuple[str, ...] = ("100", "103", "113", "117", "122")
"""Clean records: few artefacts and (nearly) perfect QRS detection by every detector,
so that what changes is due to the added noise (nst's advice on choosing clean records)."""


def _noise_segment(kind: str, k: int, start: int, n: int, fs: float, seed: int) -> np.ndarray:
    if kind == "pl":
        return synthetic_powerline(n, fs, 60.0, seed=seed + k)
    segments = nstdb_noise(kind)
    if kind == "em":
        seg = segments[k % len(segments)]
        return np.resize(seg, n)  # periods are 120 s (last 65 s); wraps like nst rewinds
    seg = segments[0]
    return np.resize(np.roll(seg, -start), n)


@dataclass
class _Segment:
    clean: np.ndarray  # MLII, mean removed
    normal: np.ndarray  # normal beats (all QRS if fewer than 10), for the signal power
    reference: np.ndarray  # all QRS annotations
    fs: float


def _clean_segment(record: str, start_s: float, duration_s: float) -> _Segment:
    rec = load_qrs_record(record)
    fs = rec.sampling_rate
    start, n = round(start_s * fs), round(duration_s * fs)
    if start < 0 or start + n > rec.signal.size:
        raise DataError(record, f"segment {start_s:g} s + {duration_s:g} s lies outside the record")
    (base,) = ensure_records("mitdb", [record])
    ann = read_annotations(base, "atr")
    normal = ann.sample[ann.symbol.astype(str) == "N"]
    normal = normal if normal.size >= 10 else rec.reference

    def inside(b: np.ndarray) -> np.ndarray:
        return b[(b >= start) & (b < start + n)] - start

    clean = rec.signal[start : start + n]
    return _Segment(clean - clean.mean(), inside(normal), inside(rec.reference), fs)


def load_segment(record: str, start_s: float, duration_s: float) -> tuple[np.ndarray, float]:
    """A raw segment of an MIT-BIH record's MLII lead (mV) and its sampling rate.

    Raises
    ------
    DataError
        The segment lies outside the record.
    """
    rec = load_qrs_record(record)
    start, n = round(start_s * rec.sampling_rate), round(duration_s * rec.sampling_rate)
    if start < 0 or n < 1 or start + n > rec.signal.size:
        raise DataError(record, f"segment {start_s:g} s + {duration_s:g} s lies outside the record")
    return rec.signal[start : start + n], rec.sampling_rate


def apply_denoisers(
    signal: np.ndarray, sampling_rate: float, methods: Sequence[str] | None = None
) -> dict[str, np.ndarray]:
    """Run denoisers of :data:`DENOISERS` on one signal: ``{method: output}``.

    Examples
    --------
    >>> import numpy as np
    >>> out = apply_denoisers(np.random.default_rng(0).normal(size=3600), 360, ["notch 60 Hz"])
    >>> list(out), out["notch 60 Hz"].shape
    (['notch 60 Hz'], (3600,))
    """
    methods = list(DENOISERS) if methods is None else list(methods)
    unknown = [m for m in methods if m not in DENOISERS]
    if unknown:
        raise DataError("denoisers", f"unknown method(s) {unknown}; known: {list(DENOISERS)}")
    return {m: DENOISERS[m](signal, sampling_rate) for m in methods}


@dataclass
class NoisySegment:
    """A clean segment, the same with noise added at one SNR, and what scoring needs."""

    record: str
    noise: str
    snr_in: float
    clean: np.ndarray
    noisy: np.ndarray
    reference: np.ndarray
    signal_power: float
    fs: float

    @property
    def key(self) -> dict[str, object]:
        """Table columns identifying the segment."""
        return {"record": self.record, "noise": self.noise, "snr_in_db": self.snr_in}


def noisy_segments(
    records: Sequence[str],
    noises: Sequence[str],
    snrs_db: Sequence[float],
    start_s: float = 300.0,
    duration_s: float = 60.0,
    seed: int = 0,
) -> Iterator[NoisySegment]:
    """Every (record, noise type, input SNR) combination, noise scaled as nst does.

    Raises
    ------
    DataError
        Unknown noise type, missing noise records, or a segment outside a record.
    """
    unknown = [k for k in noises if k not in NOISE_KINDS]
    if unknown:
        raise DataError("noise stress test", f"unknown noise(s) {unknown}; use {list(NOISE_KINDS)}")
    for k, record in enumerate(records):
        seg = _clean_segment(record, start_s, duration_s)
        power = nst_signal_power(seg.clean, seg.fs, seg.normal)
        for kind in noises:
            noise = _noise_segment(kind, k, round(start_s * seg.fs), seg.clean.size, seg.fs, seed)
            for snr_in in snrs_db:
                noisy = seg.clean + noise_gain(power, noise, seg.fs, snr_in) * noise
                yield NoisySegment(
                    record, kind, float(snr_in), seg.clean, noisy, seg.reference, power, seg.fs
                )


def noise_stress_table(
    records: Sequence[str] = DEFAULT_RECORDS,
    noises: Sequence[str] = NOISE_KINDS,
    snrs_db: Sequence[float] = (24.0, 18.0, 12.0, 6.0, 0.0),
    methods: Sequence[str] | None = None,
    start_s: float = 300.0,
    duration_s: float = 60.0,
    seed: int = 0,
) -> pd.DataFrame:
    """SNR in and out of every denoiser, per record, noise type and input SNR.

    Returns
    -------
    pandas.DataFrame
        One row per (record, noise, snr_in_db, method): ``snr_out_db``,
        ``improvement_db``.

    Raises
    ------
    DataError
        Unknown noise type or method, or a segment past a record's end.
    """
    methods = list(DENOISERS) if methods is None else list(methods)
    unknown = [m for m in methods if m not in DENOISERS]
    if unknown:
        raise DataError("noise stress test", f"unknown method(s) {unknown}; known: {list(DENOISERS)}")
    rows = []
    for seg in noisy_segments(records, noises, snrs_db, start_s, duration_s, seed):
        for method in methods:
            snr_out = snr_db(seg.clean, DENOISERS[method](seg.noisy, seg.fs), seg.fs, seg.signal_power)
            rows.append(
                {**seg.key, "method": method, "snr_out_db": snr_out, "improvement_db": snr_out - seg.snr_in}
            )
    return pd.DataFrame(rows)


def improvement_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Mean SNR improvement (dB) over records: methods as rows, (noise, input SNR) as columns."""
    pivot = table.pivot_table(
        index="method", columns=["noise", "snr_in_db"], values="improvement_db", aggfunc="mean", sort=False
    )
    pivot = pivot.reindex(columns=sorted(pivot.columns, key=lambda c: (list(NOISE_KINDS).index(c[0]), -c[1])))
    return pivot.round(1)


def best_methods(table: pd.DataFrame) -> pd.DataFrame:
    """Per noise type: the method with the largest mean improvement over records and SNRs."""
    mean = table.groupby(["noise", "method"], sort=False)["improvement_db"].mean().reset_index()
    best = mean.loc[mean.groupby("noise", sort=False)["improvement_db"].idxmax()]
    return best.set_index("noise").round(1)


def headline_metrics(table: pd.DataFrame) -> dict[str, float]:
    """Per noise type, the best method's mean SNR improvement (dB) over records and SNRs."""
    best = best_methods(table)
    return {f"snr_gain_{noise}_db": float(row["improvement_db"]) for noise, row in best.iterrows()}


def noisy_detection_table(
    records: Sequence[str] = DEFAULT_RECORDS,
    noises: Sequence[str] = NOISE_KINDS,
    snrs_db: Sequence[float] = (24.0, 18.0, 12.0, 6.0, 0.0),
    detector: str | None = None,
    start_s: float = 300.0,
    duration_s: float = 60.0,
    seed: int = 0,
) -> pd.DataFrame:
    """QRS detection on the noisy (unfiltered) segments: gross Se, +P, F1 (%) per noise and SNR.

    The detector is given the noisy segment; reference beats are those of the segment.
    """
    detector = detector or DEFAULT_DETECTOR
    rows = []
    for seg in noisy_segments(records, noises, snrs_db, start_s, duration_s, seed):
        row, _ = score_detections(seg.reference, ecg_rpeaks(seg.noisy, seg.fs, method=detector), seg.fs)
        rows.append({**seg.key, **row})
    per = pd.DataFrame(rows)
    sums = per.groupby(["noise", "snr_in_db"], sort=False)[["tp", "fn", "fp"]].sum()
    out = pd.DataFrame(
        {
            "beats": sums["tp"] + sums["fn"],
            "Se %": 100 * sums["tp"] / (sums["tp"] + sums["fn"]),
            "+P %": 100 * sums["tp"] / (sums["tp"] + sums["fp"]),
            "F1 %": 100 * 2 * sums["tp"] / (2 * sums["tp"] + sums["fn"] + sums["fp"]),
        }
    )
    out.attrs["detector"] = detector
    return out.round(2)


def save_noise_stress(table: pd.DataFrame, folder: str | Path) -> Path:
    """Write the long table to ``snr_improvement.csv`` (atomically) and return its path."""
    path = Path(folder) / "snr_improvement.csv"
    write_text(path, table.to_csv(index=False, float_format="%.4g"))
    return path
