"""Apply a rhythm-model package (AF: N, A, O, ~) to any recording, window by window.

The package's metadata names the window length and step and the rhythm features
(:func:`vitalkit.rhythm.features.ecg_rhythm_features`, rate-independent: RR irregularity,
morphology, signal quality). A recording shorter than one window is classified whole (the
CinC 2017 records the shipped model learnt from are 9 to 61 s long). With rhythm
annotations (``(AFIB``, ``(AFL`` ... in the auxiliary notes, as in MIT-BIH), windows are scored
as AF or not against the reference rhythm covering most of the window.

Examples
--------
>>> from vitalkit.export.package import load_package
>>> package = load_package("vitalkit/pretrained/af_cinc2017.onnx")       # doctest: +SKIP
>>> pred = predict_rhythm(package, read_record("data/mitdb/201.hea"))       # doctest: +SKIP
>>> pred.windows[["start_s", "class"]].head(2)                              # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.evaluate.metrics import class_metrics, confusion, summary_metrics
from vitalkit.export.package import ModelPackage
from vitalkit.rhythm.features import ecg_rhythm_features
from vitalkit.rhythm.rhythms import AF_RHYTHMS

MIN_DURATION_S = 9.0
"""Shortest recording classified (the shortest CinC 2017 record)."""


@dataclass
class RhythmPredictions:
    """Windows of one recording with their rhythm classes.

    Attributes
    ----------
    record : str
        Record name.
    windows : pandas.DataFrame
        ``start_s``, ``end_s``, ``class`` and ``p_<class>`` per window.
    classes : list of str
        The model's classes.
    lead : str
        The channel used.
    timings_s : dict
        Seconds spent on features and on the model.
    inputs : dict
        The arrays fed to the model.
    """

    record: str
    windows: pd.DataFrame
    classes: list[str]
    lead: str
    timings_s: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)

    def counts(self) -> pd.DataFrame:
        """Windows and share of the recording's time per class."""
        n = self.windows["class"].value_counts().reindex(self.classes, fill_value=0)
        length = (self.windows["end_s"] - self.windows["start_s"]).groupby(self.windows["class"]).sum()
        total = float((self.windows["end_s"] - self.windows["start_s"]).sum()) or 1.0
        return pd.DataFrame(
            {
                "windows": n.astype(int),
                "time_%": (100 * length.reindex(self.classes, fill_value=0) / total).round(1),
            }
        ).rename_axis("class")


def window_starts(
    n_samples: int, sampling_rate: float, window_s: float, stride_s: float
) -> tuple[np.ndarray, int]:
    """Start samples of the windows and their length (one window of the whole signal when shorter)."""
    n = round(window_s * sampling_rate)
    if n_samples <= n:
        return np.array([0]), n_samples
    step = max(1, round(stride_s * sampling_rate))
    return np.arange(0, n_samples - n + 1, step), n


def predict_rhythm(package: ModelPackage, record: Record, lead: str | int | None = None) -> RhythmPredictions:
    """Classify the rhythm of every window of a recording.

    Raises
    ------
    DataError
        A package of another task, a recording shorter than :data:`MIN_DURATION_S`, a missing
        lead, or features that cannot be computed (naming the window).
    """
    where = str(record.source or record.name)
    if package.task != "rhythm":
        raise DataError(package.path, f"a {package.task!r} model; rhythm prediction needs a 'rhythm' model")
    if record.duration_s < MIN_DURATION_S:
        raise DataError(
            where, f"recording of {record.duration_s:.2f} s; at least {MIN_DURATION_S:g} s are needed"
        )
    chosen = record.channel_name(0 if lead is None else lead)
    signal = record.channel(chosen)
    fs = float(record.sampling_rate)
    spec = package.metadata["windows"]
    starts, length = window_starts(signal.size, fs, spec["window_s"], spec["stride_s"])
    columns = package.metadata["inputs"][0]["columns"]
    start = time.perf_counter()
    rows = []
    for a in starts:
        try:
            values = ecg_rhythm_features(signal[a : a + length], fs)
        except ValueError as exc:
            raise DataError(where, f"window at {a / fs:.1f} s: {exc}") from None
        rows.append([values.get(c, np.nan) for c in columns])
    features = np.asarray(rows, dtype=np.float32)
    timings = {"features": time.perf_counter() - start}
    start = time.perf_counter()
    name = package.input_names[0]
    proba = package.predict_proba({name: features})
    timings["model"] = time.perf_counter() - start
    table: dict[str, Any] = {
        "start_s": np.round(starts / fs, 3),
        "end_s": np.round((starts + length) / fs, 3),
        "class": np.asarray(package.classes)[proba.argmax(axis=1)],
    }
    for i, c in enumerate(package.classes):
        table[f"p_{c}"] = np.round(proba[:, i], 5)
    return RhythmPredictions(
        record.name,
        pd.DataFrame(table),
        package.classes,
        chosen,
        {k: round(v, 3) for k, v in timings.items()},
        {name: features},
    )


def reference_rhythm(record: Record, starts_s: Sequence[float], ends_s: Sequence[float]) -> np.ndarray:
    """The reference rhythm covering most of each window, from the ``(RHYTHM`` auxiliary notes.

    Raises
    ------
    DataError
        The record has no rhythm annotations.
    """
    ann = record.annotations
    notes = [] if ann is None else [str(a).strip("\x00 ") for a in ann.aux_note]
    marks = [
        (int(s), n[1:])
        for s, n in zip([] if ann is None else ann.sample, notes, strict=False)
        if n.startswith("(")
    ]
    if not marks:
        raise DataError(
            record.source or record.name, "no rhythm annotations ('(AFIB', '(N' ... notes) to score against"
        )
    fs = record.sampling_rate
    edges = np.array([m[0] for m in marks] + [record.n_samples]) / fs
    names = [m[1] for m in marks]
    out = []
    for a, b in zip(starts_s, ends_s, strict=True):
        overlap = np.clip(np.minimum(edges[1:], b) - np.maximum(edges[:-1], a), 0, None)
        cover: dict[str, float] = {}
        for name, o in zip(names, overlap, strict=True):
            cover[name] = cover.get(name, 0.0) + float(o)
        out.append(max(cover, key=cover.get) if max(cover.values()) > 0 else "")
    return np.asarray(out, dtype=object)


def score_af_windows(pred: RhythmPredictions, record: Record) -> tuple[pd.DataFrame, dict[str, Any]]:
    """AF against the rest, per window: Se, +P, F1 of AF windows, accuracy (the evaluate metrics)."""
    reference = reference_rhythm(record, pred.windows["start_s"], pred.windows["end_s"])
    truth = np.isin(reference, list(AF_RHYTHMS)).astype(np.int64)
    predicted = (pred.windows["class"].to_numpy() == "A").astype(np.int64)
    cm = confusion(truth, predicted, 2)
    table = class_metrics(cm, ["not AF", "AF"])
    summary = {**summary_metrics(cm), "windows": len(truth), "reference_af_windows": int(truth.sum())}
    return table, summary
