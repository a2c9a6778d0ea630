"""The beat dataset: windows, RR features and AAMI labels of many records, split by patient.

:func:`build_beat_dataset` reads records, filters the chosen lead, places beats at the
annotated R peaks (default) or at detected ones, and returns one :class:`BeatSet` per split.
:class:`vitalkit.samples.SampleFolder` writes them as the products of the preprocessing stage.

Examples
--------
>>> sets = build_beat_dataset({"train": ["101"], "test": ["100"]})   # doctest: +SKIP
>>> sets["train"].class_counts()                                      # doctest: +SKIP
{'N': 1857, 'S': 3, 'V': 0, 'F': 0}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from vitalkit.beats.detect import align_to_template, ecg_rpeaks, match_peaks
from vitalkit.beats.inputs import BeatRecipe, prepare_leads, recipe_inputs
from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.labels import QRS_SYMBOLS, encode_labels
from vitalkit.samples.beatset import BeatSet


def record_beats(
    record: Record,
    classes: Sequence[str],
    lead: str = mitdb.LEAD,
    before_s: float = 0.25,
    after_s: float = 0.45,
    positions: str = "annotated",
    detector: str = "neurokit",
    bandpass: tuple[float, float] = (0.5, 40.0),
    target_rate: float | None = None,
    tolerance_s: float = 0.15,
    context: Sequence[str] = (),
    template_beats: int = 32,
    labeling: str = "aami",
    features: str = "rr",
    leads: int = 2,
) -> tuple[BeatSet, dict[str, Any]]:
    """Beats of one annotated record, and a summary of what was kept and dropped.

    Parameters
    ----------
    record : Record
        A record with beat annotations.
    classes : sequence of str
        AAMI classes to keep; beats of other classes are dropped (and counted).
    lead : str
        Channel to use (record 114 stores MLII second, so channels go by name).
    before_s, after_s : float
        Window extent around the R peak.
    positions : {'annotated', 'detected'}
        Where beats are placed. With ``'detected'`` the detector's peaks, aligned to the
        record's median QRS as ``vitalkit predict`` aligns them
        (:func:`vitalkit.beats.detect.align_to_template`), are matched to the
        annotations within ``tolerance_s``; matched peaks take the annotated label, RR
        features come from the detections, unmatched detections and missed beats are counted.
    detector : str
        R-peak detector for ``positions='detected'``.
    bandpass : tuple of float
        Band-pass edges in Hz.
    target_rate : float, optional
        Resample to this rate first.
    tolerance_s : float
        Matching tolerance for detected positions.
    context : sequence of str
        Context channels added after the lead: ``'template'`` adds the running median of the
        patient's previous ``template_beats`` beats (:func:`~vitalkit.beats.segment.running_template`),
        computed over all beats of the record, whatever their class.
    template_beats : int
        Beats in the running template.
    labeling : {'aami', 'symbol'}
        ``'aami'``: ``classes`` are AAMI classes; ``'symbol'``: ``classes`` are MIT-BIH beat
        symbols, kept as they are (fine-grained beat types).
    features : {'rr', 'transfer'}
        What the beats' feature array holds (:data:`vitalkit.beats.inputs.FEATURE_TABLES`).
    leads : int
        With ``features='transfer'``: leads measured, ``lead`` first, then the record's other
        channels in their order (records with fewer leads repeat the first, so every record
        gives the same columns).
    """
    recipe = BeatRecipe(
        lead=lead,
        before_s=before_s,
        after_s=after_s,
        bandpass=tuple(bandpass),
        sampling_rate=target_rate,
        context=tuple(context),
        template_beats=template_beats,
        features=features,
        leads=leads,
    )
    problems = recipe.problems()
    if labeling not in LABELINGS:
        problems.append(f"labeling must be one of {sorted(LABELINGS)}, not {labeling!r}")
    if positions not in ("annotated", "detected"):
        problems.append(f"positions must be 'annotated' or 'detected', not {positions!r}")
    if problems:
        raise DataError(record.name, "; ".join(problems))
    if record.annotations is None:
        raise DataError(record.source or record.name, "record has no beat annotations")
    prepared = prepare_leads(record, recipe)
    fs = prepared.sampling_rate
    ann = record.annotations
    is_qrs = np.isin(ann.symbol.astype(str), list(QRS_SYMBOLS))
    ref_peaks = prepared.from_record(ann.sample[is_qrs])
    ref_symbols = ann.symbol[is_qrs].astype(str)
    summary: dict[str, Any] = {"record": record.name, "annotated_beats": int(ref_peaks.size)}
    if positions == "annotated":
        peaks, symbols = ref_peaks, ref_symbols
    else:
        # aligned as vitalkit predict aligns them: the model trains on the positions it will see
        detected = align_to_template(prepared.lead, ecg_rpeaks(prepared.lead, fs, method=detector), fs)
        match = match_peaks(ref_peaks, detected, round(tolerance_s * fs))
        summary.update(
            detected=int(detected.size),
            missed=match.false_negatives,
            unmatched_detections=match.false_positives,
        )
        symbols_all = np.full(detected.size, "", dtype=object)
        symbols_all[match.det_index] = ref_symbols[match.ref_index]
        peaks, symbols = detected, symbols_all.astype(str)
    if peaks.size < 2:
        raise DataError(record.source or record.name, f"only {peaks.size} beats found")
    made = recipe_inputs(prepared, peaks, recipe)
    inside = made.inside
    labels = LABELINGS[labeling](symbols, classes)
    keep = labels[inside] >= 0
    summary["dropped_at_edges"] = int((~inside).sum())
    dropped = pd.Series(symbols[inside][~keep]).value_counts()
    summary["dropped_symbols"] = {str(k): int(v) for k, v in dropped.items()}
    n = int(keep.sum())
    beats = BeatSet(
        windows=made.windows[keep],
        rr=made.rr[keep],
        labels=labels[inside][keep],
        record=np.full(n, record.name),
        sample=peaks[inside][keep].astype(np.int64),
        symbol=symbols[inside][keep],
        classes=tuple(classes),
        sampling_rate=fs,
        before_s=before_s,
        channels=recipe.channels,
        meta={"rr_features": made.feature_names, "recipe": recipe.to_dict()},
    )
    summary.update(beats.class_counts())
    return beats, summary


def _symbol_labels(symbols: np.ndarray, classes: Sequence[str]) -> np.ndarray:
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(s, -1) for s in symbols], dtype=np.int64)


LABELINGS = {"aami": encode_labels, "symbol": _symbol_labels}
"""How annotation symbols become class indices (``'aami'`` classes or raw ``'symbol'``)."""


def load_mitdb_record(name: str, data_dir: str | Path | None = None, lead: str | None = mitdb.LEAD) -> Record:
    """Read one MIT-BIH record (lead ``lead``, or every lead if None, and ``atr`` annotations),
    fetching it if missing."""
    (base,) = ensure_records(mitdb.SLUG, [name], data_dir=data_dir)
    return read_wfdb(base, channels=None if lead is None else [lead], annotator="atr")


def build_beat_dataset(
    split_records: Mapping[str, Sequence[str]],
    classes: Sequence[str] = ("N", "S", "V", "F"),
    data_dir: str | Path | None = None,
    progress: bool = True,
    **options: Any,
) -> tuple[dict[str, BeatSet], pd.DataFrame]:
    """Build one :class:`BeatSet` per split from MIT-BIH records.

    Parameters
    ----------
    split_records : mapping
        ``{split name: [record, ...]}``; a record may appear in one split only.
    classes : sequence of str
        AAMI classes to keep.
    data_dir : str or Path, optional
        Data directory (default ``VITALKIT_DATA_DIR``).
    progress : bool
        Show a progress bar.
    **options
        Passed to :func:`record_beats` (``before_s``, ``after_s``, ``positions`` ...).

    Returns
    -------
    sets : dict
        ``{split: BeatSet}``.
    summary : pandas.DataFrame
        One row per record: split, beats per class, dropped beats.
    """
    seen: dict[str, str] = {}
    for split, names in split_records.items():
        for name in names:
            if name in seen:
                raise DataError(name, f"record is in both the {seen[name]} and {split} splits")
            seen[name] = split
    parts: dict[str, list[BeatSet]] = {s: [] for s in split_records}
    rows = []
    todo = [(s, r) for s, names in split_records.items() for r in names]
    like: BeatSet | None = None
    for split, name in tqdm(todo, desc="records", disable=not progress):
        lead = None if options.get("features", "rr") == "transfer" else options.get("lead", mitdb.LEAD)
        record = load_mitdb_record(name, data_dir, lead)
        beats, summary = record_beats(record, classes, **options)
        like = beats
        parts[split].append(beats)
        rows.append({"split": split, **summary})
    if like is None:
        raise DataError("records", "no records given")
    sets = {s: BeatSet.concatenate(p, like) for s, p in parts.items()}
    return sets, pd.DataFrame(rows)
