"""The rhythm dataset: fixed-length windows of every record, labelled from its timeline.

Each record's lead is band-passed (0.5-40 Hz) and resampled to one common rate, then cut
into windows of ``window_s`` every ``stride_s`` (per database if a mapping is given). A window
takes the rhythm covering most of it; it is kept when that rhythm covers at least
``min_coverage`` of the window (transition windows are dropped) and noisy stretches cover at
most ``max_noise`` of it. A task (:data:`TASKS`) maps rhythms to its classes or to None
(window excluded): the shockable task excludes noise (``NOISE``, ``~`` stretches); the AF
task keeps CinC's noisy class ``~`` as its own class.

Examples
--------
>>> TASKS["shockable"].classes, TASKS["shockable"].label("VTfast")
(('non-shockable', 'shockable'), 'shockable')
>>> TASKS["af"].label("AFIB"), TASKS["af"].label("NOISE"), TASKS["af"].label("VF")
('A', '~', None)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from vitalkit.data.records import Record
from vitalkit.data.windowing import record_windows
from vitalkit.errors import DataError
from vitalkit.io import write_text
from vitalkit.rhythm.rhythms import CINC_CLASSES, CINC_RHYTHMS, SHOCK_CLASSES, shockable_label
from vitalkit.rhythm.sources import RhythmRecord
from vitalkit.samples import WindowSet

_CINC_FROM_RHYTHM = {rhythm: label for label, rhythm in CINC_RHYTHMS.items()}


@dataclass(frozen=True)
class RhythmTask:
    """A rhythm classification task: its classes and how a rhythm becomes one (None: excluded)."""

    name: str
    classes: tuple[str, ...]
    label: Callable[[str], str | None]
    description: str = ""


TASKS: dict[str, RhythmTask] = {
    "af": RhythmTask(
        "af",
        CINC_CLASSES,
        _CINC_FROM_RHYTHM.get,
        "CinC 2017: normal (N), AF (A), other rhythm (O), noisy (~, kept as its own class)",
    ),
    "shockable": RhythmTask(
        "shockable",
        SHOCK_CLASSES,
        shockable_label,
        "VF, VFL and fast VT against every other rhythm; noise excluded",
    ),
}
"""Rhythm tasks by name."""


@dataclass
class RhythmWindows:
    """A :class:`~vitalkit.samples.WindowSet` with one row of ``index`` per window.

    ``index`` columns: ``record``, ``patient``, ``database``, ``start_s`` (window start in the
    record), ``rhythm`` (majority rhythm), ``coverage``, ``noise``.
    """

    windows: WindowSet
    index: pd.DataFrame
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __len__(self) -> int:
        return len(self.windows)

    def subset(self, mask: np.ndarray) -> RhythmWindows:
        """The windows where ``mask`` is true."""
        mask = np.asarray(mask, dtype=bool)
        return RhythmWindows(self.windows.subset(mask), self.index[mask].reset_index(drop=True), self.summary)

    def of_records(self, records: Iterable[str]) -> RhythmWindows:
        """The windows of ``records``."""
        return self.subset(self.index["record"].isin(set(records)).to_numpy())

    def records(self) -> pd.DataFrame:
        """One row per record: patient, database, windows and the record's stratum (rarest class seen)."""
        counts = self.windows.class_counts()
        labels = pd.Series(np.asarray(self.windows.classes)[self.windows.labels], index=self.index.index)
        rows = []
        for record, idx in self.index.groupby("record", sort=True).groups.items():
            present = set(labels[idx])
            stratum = min(present, key=lambda c: (counts[c], c))
            first = self.index.loc[idx[0]]
            rows.append(
                {
                    "record": record,
                    "patient": first["patient"],
                    "database": first["database"],
                    "windows": len(idx),
                    "stratum": stratum,
                }
            )
        return pd.DataFrame(rows).set_index("record")

    def save(self, folder: str | Path, name: str) -> None:
        """Write ``<name>.npz`` (the WindowSet) and ``<name>_index.csv``."""
        folder = Path(folder)
        self.windows.save(folder / f"{name}.npz")
        write_text(folder / f"{name}_index.csv", self.index.to_csv(index=False))


def record_rhythm_windows(
    record: RhythmRecord,
    window_s: float,
    stride_s: float,
    sampling_rate: float,
    bandpass: tuple[float, float] | None = (0.5, 40.0),
) -> tuple[np.ndarray, pd.DataFrame]:
    """All windows of one record ``(m, 1, length)`` at ``sampling_rate`` and their index rows."""
    rec = Record(
        record.name, record.signal, record.sampling_rate, [record.lead], ["mV"], patient_id=record.patient
    )
    windows, starts = record_windows(rec, window_s, stride_s, sampling_rate, bandpass=bandpass)
    native = np.round(starts * record.sampling_rate / sampling_rate).astype(np.int64)
    labels = record.timeline.window_labels(native, round(window_s * record.sampling_rate))
    index = pd.DataFrame(
        {
            "record": record.name,
            "patient": record.patient,
            "database": record.database,
            "start_s": starts / sampling_rate,
        }
    )
    return windows, pd.concat([index, labels], axis=1)


def _stride(stride_s: float | Mapping[str, float], database: str) -> float:
    if isinstance(stride_s, Mapping):
        if database not in stride_s:
            raise DataError(
                "stride_s", f"no stride given for database {database!r} (given: {sorted(stride_s)})"
            )
        return float(stride_s[database])
    return float(stride_s)


def build_rhythm_windows(
    records: Iterable[RhythmRecord],
    task: str,
    window_s: float,
    stride_s: float | Mapping[str, float],
    sampling_rate: float = 125.0,
    min_coverage: float = 0.5,
    max_noise: float = 0.5,
    bandpass: tuple[float, float] | None = (0.5, 40.0),
    progress: bool = True,
) -> RhythmWindows:
    """Windows of many records labelled for ``task``, and a per-record summary of what was kept.

    Parameters
    ----------
    records : iterable of RhythmRecord
        Records (e.g. :func:`~vitalkit.rhythm.sources.iter_records`).
    task : str
        Key of :data:`TASKS`.
    window_s : float
        Window length (s).
    stride_s : float or mapping
        Step between windows (s), or ``{database: step}``.
    sampling_rate : float
        Common rate every record is resampled to.
    min_coverage : float
        Least share of the window its rhythm must cover (0.5: the majority rhythm).
    max_noise : float
        Largest noisy share of a kept window (tasks that keep noise as a class ignore it).
    bandpass : tuple of float, optional
        Band-pass edges (Hz).
    progress : bool
        Show a progress bar.
    """
    if task not in TASKS:
        raise DataError("task", f"unknown rhythm task {task!r}; use {sorted(TASKS)}")
    spec = TASKS[task]
    keeps_noise = spec.label("NOISE") is not None
    parts, indexes, rows = [], [], []
    for record in tqdm(records, desc="records", disable=not progress):
        windows, index = record_rhythm_windows(
            record, window_s, _stride(stride_s, record.database), sampling_rate, bandpass
        )
        labels = index["rhythm"].map(spec.label)
        keep = labels.notna() & (index["coverage"] >= min_coverage)
        if not keeps_noise:
            keep &= index["noise"] <= max_noise
        rows.append(
            {
                "record": record.name,
                "database": record.database,
                "minutes": round(record.duration_s / 60, 2),
                "windows": len(index),
                "kept": int(keep.sum()),
                "repaired_samples": record.repairs,
                **{c: int((labels[keep] == c).sum()) for c in spec.classes},
            }
        )
        parts.append(windows[keep.to_numpy()])
        index = index[keep].copy()
        index["label"] = labels[keep]
        indexes.append(index)
    if not parts:
        raise DataError("records", "no records given")
    index = pd.concat(indexes, ignore_index=True)
    class_index = {c: i for i, c in enumerate(spec.classes)}
    length = round(window_s * sampling_rate)
    windows = np.concatenate(parts) if parts else np.zeros((0, 1, length), np.float32)
    ws = WindowSet(
        windows=windows.astype(np.float32),
        labels=index["label"].map(class_index).to_numpy(dtype=np.int64),
        record=index["record"].to_numpy(dtype=str),
        patient=index["patient"].to_numpy(dtype=str),
        start=np.round(index["start_s"].to_numpy() * sampling_rate).astype(np.int64),
        classes=spec.classes,
        task="multiclass",
        sampling_rate=float(sampling_rate),
        channels=("ECG",),
        meta={
            "rhythm_task": task,
            "window_s": window_s,
            "min_coverage": min_coverage,
            "max_noise": max_noise,
        },
    )
    return RhythmWindows(ws, index.drop(columns=["label"]), pd.DataFrame(rows))


def window_table(windows: RhythmWindows) -> pd.DataFrame:
    """Kept windows per database and rhythm, with the task class each rhythm maps to."""
    index = windows.index.assign(label=np.asarray(windows.windows.classes)[windows.windows.labels])
    table = index.pivot_table(
        index=["label", "rhythm"], columns="database", values="record", aggfunc="size", fill_value=0
    )
    table["records"] = index.groupby(["label", "rhythm"])["record"].nunique()
    return table


def describe_task(task: str) -> dict[str, Any]:
    """Name, classes and description of a task."""
    spec = TASKS[task]
    return {"task": spec.name, "classes": list(spec.classes), "description": spec.description}
