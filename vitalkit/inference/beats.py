"""Apply a beat-model package to any recording: beats, classes and probabilities.

The recording is band-passed at its own rate, resampled to the model's rate, its beats placed by
the default QRS detector (or taken from its reference annotations), and the inputs built by
:func:`vitalkit.beats.inputs.recipe_inputs`, the function that built the training set. Only
the model package's metadata is used: nothing here knows MIT-BIH or 360 Hz.

Examples
--------
>>> from vitalkit.export.package import load_package
>>> from vitalkit.data.readers import read_record
>>> package = load_package("vitalkit/pretrained/beats_ds1.onnx")             # doctest: +SKIP
>>> result = predict_beats(package, read_record("data/raw/mitdb/100.hea"))  # doctest: +SKIP
>>> result.beats[["time_s", "class"]].head(2)                                 # doctest: +SKIP
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.adapt import RecordSmoothing, beat_neighbours, smooth_probabilities
from vitalkit.beats.detect import (
    DEFAULT_DETECTOR,
    align_coarse_positions,
    align_to_template,
    ecg_rpeaks_leads,
)
from vitalkit.beats.inputs import prepare_leads, recipe_inputs
from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackage
from vitalkit.labels import QRS_SYMBOLS

BEAT_SOURCES = ("detector", "annotations")
"""Where :func:`predict_beats` takes the beats from (client R peaks are given as ``rpeaks=``)."""

MIN_DURATION_S = 5.0
"""Shortest recording that gives the RR context the beat features need."""

NEIGHBOUR_COLUMN = "neighbour_"
"""Prefix of the ``inputs.csv`` columns holding each beat's record-smoothing neighbours."""


def sampling_rate_range(package: ModelPackage) -> tuple[float, float]:
    """Sampling rates a model takes: from 2.5 times its band-pass upper edge (the edge well below
    Nyquist) to 8 times its own rate.

    The one definition used by :func:`predict_beats` (``vitalkit predict``) and the served API
    (:func:`vitalkit.serve.predict.check_segment`). The lower bound matters because a recording
    is resampled to the model's rate before its beats are detected: a 30 Hz recording would
    otherwise pass the detector's own rate check at 360 Hz and be classified.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> recipe = SimpleNamespace(bandpass=(0.5, 40.0), sampling_rate=360.0)
    >>> sampling_rate_range(SimpleNamespace(recipe=recipe))
    (100.0, 2880.0)
    """
    recipe = package.recipe
    return 2.5 * float(recipe.bandpass[1]), 8.0 * float(recipe.sampling_rate or 360.0)


def check_sampling_rate(package: ModelPackage, sampling_rate: float, where: str) -> None:
    """Refuse a recording whose rate is outside :func:`sampling_rate_range`.

    Raises
    ------
    DataError
        Naming ``where``, the rate and the model's range.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> recipe = SimpleNamespace(bandpass=(0.5, 40.0), sampling_rate=360.0)
    >>> check_sampling_rate(SimpleNamespace(recipe=recipe), 30.0, "rec.edf")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: rec.edf: sampling rate 30 Hz outside the model's range 100-2880 Hz (...)
    """
    lo, hi = sampling_rate_range(package)
    if not np.isfinite(sampling_rate) or not lo <= sampling_rate <= hi:
        recipe = package.recipe
        raise DataError(
            where,
            f"sampling rate {sampling_rate:g} Hz outside the model's range {lo:g}-{hi:g} Hz "
            f"(2.5 x its {float(recipe.bandpass[1]):g} Hz band-pass edge to 8 x its "
            f"{float(recipe.sampling_rate or 360.0):g} Hz rate)",
        )


@dataclass
class BeatPredictions:
    """Beats of one recording with their classes.

    Attributes
    ----------
    record : str
        Record name.
    beats : pandas.DataFrame
        One row per classified beat: ``time_s``, ``sample`` (in the recording's own samples),
        ``class`` and ``p_<class>`` per class.
    classes : list of str
        The model's classes.
    sampling_rate : float
        The recording's sampling rate.
    lead : str
        The channel used as the model's lead.
    beat_source : str
        ``'detector'``, ``'annotations'`` or ``'rpeaks'`` (positions given by the caller).
    detector : str or None
        The R-peak detector, when beats were detected.
    skipped_at_edges : int
        Beats whose window would leave the recording.
    timings_s : dict
        Seconds spent reading inputs, placing beats, building inputs and running the model.
    inputs : dict
        The arrays fed to the model, by input name (one row per classified beat).
    neighbours : numpy.ndarray, optional
        With record smoothing: ``(beats, neighbours)`` row numbers of each beat's neighbours
        (:func:`vitalkit.beats.adapt.record_neighbours`), the beat itself among them.
    """

    record: str
    beats: pd.DataFrame
    classes: list[str]
    sampling_rate: float
    lead: str
    beat_source: str
    detector: str | None = None
    skipped_at_edges: int = 0
    timings_s: dict[str, float] = field(default_factory=dict)
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    neighbours: np.ndarray | None = None

    def input_table(self, columns: dict[str, list[str]]) -> pd.DataFrame:
        """The model inputs as one table (``columns``: names per input; other inputs are
        flattened as ``<input>_<i>``), for runtimes that read CSV. With record smoothing, the
        columns ``neighbour_0 ...`` follow: the row numbers (from 0) of each beat's neighbours,
        whose probabilities the model's are averaged with (:mod:`vitalkit.beats.adapt`)."""
        parts = []
        for name, array in self.inputs.items():
            flat = array.reshape(len(array), -1)
            names = columns.get(name) or [f"{name}_{i}" for i in range(flat.shape[1])]
            parts.append(pd.DataFrame(flat, columns=names))
        if self.neighbours is not None:
            names = [f"{NEIGHBOUR_COLUMN}{i}" for i in range(self.neighbours.shape[1])]
            parts.append(pd.DataFrame(self.neighbours, columns=names))
        return pd.concat(parts, axis=1) if parts else pd.DataFrame()

    def counts(self) -> pd.DataFrame:
        """Beats and beats per hour by class, every class listed."""
        n = self.beats["class"].value_counts().reindex(self.classes, fill_value=0)
        hours = self.beats.attrs.get("duration_s", 0.0) / 3600.0
        return pd.DataFrame(
            {
                "beats": n.astype(int),
                "share_%": (100.0 * n / max(int(n.sum()), 1)).round(2),
                "per_hour": (n / hours).round(1) if hours > 0 else np.nan,
            }
        ).rename_axis("class")


def reference_beats(record: Record) -> tuple[np.ndarray, np.ndarray]:
    """Sample indices and symbols of the record's reference beat annotations.

    Raises
    ------
    DataError
        The record has no beat annotations.
    """
    where = record.source or record.name
    if record.annotations is None:
        raise DataError(where, "no reference annotations to take beats from (use --beats detector)")
    symbols = record.annotations.symbol.astype(str)
    is_beat = np.isin(symbols, list(QRS_SYMBOLS))
    if not is_beat.any():
        raise DataError(where, "the annotations hold no beat labels")
    return record.annotations.sample[is_beat].astype(np.int64), symbols[is_beat]


def checked_rpeaks(rpeaks: Any, n_samples: int, where: str) -> np.ndarray:
    """R-peak sample indices given by a caller, as int64, after checking them.

    Raises
    ------
    DataError
        Not a 1-D list of whole numbers, not strictly increasing, or outside ``[0, n_samples)``.

    Examples
    --------
    >>> checked_rpeaks([10, 20.0], 100, "seg").tolist()
    [10, 20]
    >>> checked_rpeaks([20, 10], 100, "seg")
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: seg: R peaks must be strictly increasing (position 1: 10 after 20)
    """
    try:
        values = np.asarray(rpeaks, dtype=np.float64)
    except (TypeError, ValueError):
        raise DataError(where, "R peaks must be a list of sample indices") from None
    if values.ndim != 1:
        raise DataError(where, f"R peaks must be a flat list of sample indices, got shape {values.shape}")
    if not np.isfinite(values).all() or (values != np.round(values)).any():
        raise DataError(where, "R peaks must be whole sample indices")
    peaks = values.astype(np.int64)
    outside = (peaks < 0) | (peaks >= n_samples)
    if outside.any():
        raise DataError(where, f"R peak {peaks[outside][0]} outside the segment's {n_samples} samples")
    steps = np.flatnonzero(np.diff(peaks) <= 0)
    if steps.size:
        i = int(steps[0]) + 1
        raise DataError(
            where, f"R peaks must be strictly increasing (position {i}: {peaks[i]} after {peaks[i - 1]})"
        )
    return peaks


def predict_beats(
    package: ModelPackage,
    record: Record,
    lead: str | int | None = None,
    beats: str = "detector",
    detector: str | None = None,
    batch_size: int = 8192,
    rpeaks: np.ndarray | None = None,
    align: bool = True,
    both_leads: bool = False,
) -> BeatPredictions:
    """Classify every beat of a recording with a beat-model package.

    Parameters
    ----------
    package : ModelPackage
        A ``task='beats'`` package (:func:`vitalkit.export.package.load_package`).
    record : Record
        Any recording the readers take, at any sampling rate.
    lead : str or int, optional
        Channel used as the model's lead (name or index); default the model's lead if the
        recording has it or an equivalent (lead II for MLII:
        :meth:`~vitalkit.data.records.Record.closest_lead`), else the first channel.
    beats : {'detector', 'annotations'}
        Place beats with the QRS detector, or at the record's reference beat annotations.
    detector : str, optional
        R-peak detector (default :data:`vitalkit.beats.detect.DEFAULT_DETECTOR`).
    batch_size : int
        Beats per onnxruntime call.
    rpeaks : numpy.ndarray, optional
        R-peak positions in the recording's own samples, from the caller's detector (strictly
        increasing, inside the recording); given, they replace ``beats`` and ``detector``
        (beat source ``'rpeaks'``).
    align : bool
        Move detected beats onto the record's median QRS
        (:func:`vitalkit.beats.detect.align_to_template`), and annotated beats of a recording
        sampled below the model's rate by at most one of its samples
        (:func:`vitalkit.beats.detect.align_coarse_positions`: the rounding of the annotation
        grid otherwise reads as misshapen beats); ``rpeaks`` are never moved.
    both_leads : bool
        Also detect on the recording's other channel and fill the model lead's gaps (a lead
        that loses its signal) with its beats (:func:`vitalkit.beats.detect.ecg_rpeaks_leads`);
        twice the detection time.

    Raises
    ------
    DataError
        A package of another task, an unknown beat source, a sampling rate outside the model's
        range (:func:`sampling_rate_range`), a recording too short or without
        beats, R peaks that are not increasing or leave the recording, a missing lead or a
        signal the filters cannot take (NaN, flat), naming the record.
    """
    where = str(record.source or record.name)
    if package.task != "beats":
        raise DataError(package.path, f"a {package.task!r} model; beat prediction needs a 'beats' model")
    if beats not in BEAT_SOURCES:
        raise DataError(where, f"beats must be one of {list(BEAT_SOURCES)}, not {beats!r}")
    check_sampling_rate(package, float(record.sampling_rate), where)
    if rpeaks is not None:
        rpeaks = checked_rpeaks(rpeaks, record.n_samples, where)
        beats, detector = "rpeaks", None
    if record.duration_s < MIN_DURATION_S:
        raise DataError(
            where, f"recording of {record.duration_s:.2f} s; at least {MIN_DURATION_S:g} s are needed"
        )
    recipe = package.recipe
    if lead is None:
        lead = record.closest_lead(recipe.lead)
    timings: dict[str, float] = {}
    start = time.perf_counter()
    leads = prepare_leads(record, recipe, lead)
    timings["filter_resample"] = time.perf_counter() - start
    start = time.perf_counter()
    if rpeaks is not None:
        peaks = leads.from_record(rpeaks)
    elif beats == "annotations":
        samples, _ = reference_beats(record)
        peaks = leads.from_record(samples)
        if align:  # annotated on a coarser grid than the model's: undo the rounding's jitter
            peaks = align_coarse_positions(leads.lead, peaks, leads.sampling_rate, record.sampling_rate)
    else:
        try:
            names = list(dict.fromkeys(leads.order)) if both_leads else leads.order[:1]
            peaks = ecg_rpeaks_leads(
                np.vstack([leads.signals[n] for n in names]), leads.sampling_rate, method=detector
            )
        except ValueError as exc:
            raise DataError(where, f"QRS detection: {exc}") from None
        if align:
            peaks = align_to_template(leads.lead, peaks, leads.sampling_rate)
    timings["beats"] = time.perf_counter() - start
    if peaks.size < 2:
        raise DataError(where, f"{peaks.size} beat(s) found; at least 2 are needed (flat or noisy lead?)")
    start = time.perf_counter()
    inputs = recipe_inputs(leads, peaks, recipe)
    arrays = {"window": inputs.windows, "rr": inputs.rr}
    columns = next((i.get("columns") for i in package.metadata["inputs"] if i["name"] == "rr"), None)
    if columns is not None and list(columns) != inputs.feature_names:
        raise DataError(package.path, "the model's rr columns differ from this vitalkit's features")
    if not np.isfinite(inputs.rr).all() or not np.isfinite(inputs.windows).all():
        raise DataError(where, "non-finite beat inputs (NaN or infinite samples in the recording)")
    timings["inputs"] = time.perf_counter() - start
    start = time.perf_counter()
    n = len(inputs.rr)
    proba = np.empty((n, len(package.classes)), dtype=np.float32)
    for lo in range(0, n, batch_size):
        proba[lo : lo + batch_size] = package.predict_proba(
            {k: v[lo : lo + batch_size] for k, v in arrays.items()}
        )
    neighbours = None
    if package.record_smoothing is not None:
        setting = RecordSmoothing(**package.record_smoothing)
        neighbours = beat_neighbours(
            inputs.windows,
            inputs.rr,
            inputs.feature_names,
            np.zeros(n, dtype=np.int64),
            leads.sampling_rate,
            recipe.before_s,
            setting.neighbours,
        )
        proba = smooth_probabilities(proba, neighbours, setting.keep).astype(np.float32)
    timings["model"] = time.perf_counter() - start
    kept = peaks[inputs.inside]
    samples = leads.to_record(kept)
    table: dict[str, Any] = {
        "time_s": np.round(samples / float(record.sampling_rate), 4),
        "sample": samples,
        "class": np.asarray(package.classes)[proba.argmax(axis=1)],
    }
    for i, c in enumerate(package.classes):
        table[f"p_{c}"] = np.round(proba[:, i], 5)
    frame = pd.DataFrame(table)
    frame.attrs["duration_s"] = record.duration_s
    return BeatPredictions(
        record=record.name,
        beats=frame,
        classes=package.classes,
        sampling_rate=float(record.sampling_rate),
        lead=leads.order[0],
        beat_source=beats,
        detector=(detector or DEFAULT_DETECTOR) if beats == "detector" else None,
        skipped_at_edges=int((~inputs.inside).sum()),
        timings_s={k: round(v, 3) for k, v in timings.items()},
        inputs={name: arrays[name] for name in package.input_names},
        neighbours=neighbours,
    )
