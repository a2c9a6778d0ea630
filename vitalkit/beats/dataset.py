"""The beat dataset: windows, RR features and AAMI labels of many records, split by patient.

:func:`build_beat_dataset` reads records, filters the chosen lead, places beats at the
annotated R peaks (default) or at detected ones, and returns one :class:`BeatSet` per split.
:func:`save_beat_dataset` writes the products of the preprocessing stage, one ``.npz`` per
split so that training code can be handed the training and validation files only.

Examples
--------
>>> sets = build_beat_dataset({"train": ["101"], "test": ["100"]})   # doctest: +SKIP
>>> sets["train"].class_counts()                                      # doctest: +SKIP
{'N': 1857, 'S': 3, 'V': 0, 'F': 0}
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from vitalkit.beats.detect import ecg_rpeaks, match_peaks
from vitalkit.beats.inputs import BeatRecipe, prepare_leads, recipe_inputs
from vitalkit.beats.segment import RR_FEATURES
from vitalkit.data import mitdb
from vitalkit.data.physionet import ensure_records
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import DataError
from vitalkit.io import read_json, save_npz, write_json, write_text
from vitalkit.labels import QRS_SYMBOLS, encode_labels

_ARRAYS = ("windows", "rr", "labels", "record", "sample", "symbol")


@dataclass
class BeatSet:
    """Beats of one split: morphology windows, RR features and labels.

    Attributes
    ----------
    windows : np.ndarray
        ``(n, channels, window_length)`` float32, filtered ECG in mV around each R peak.
    rr : np.ndarray
        ``(n, k)`` float32 beat features (``meta['rr_features']`` names them): the 4 RR
        features in seconds (:data:`RR_FEATURES`) first, then, with ``features='transfer'``,
        the patient-normalised table of :mod:`vitalkit.beats.features`.
    labels : np.ndarray
        ``(n,)`` int64 index into ``classes``.
    record, symbol : np.ndarray
        Record name and original annotation symbol of each beat (str).
    sample : np.ndarray
        R-peak sample index in the (resampled) record.
    classes : tuple of str
        Class names.
    sampling_rate : float
        Sampling rate of the windows.
    before_s : float
        Seconds of window before the R peak.
    channels : tuple of str
        Name of each window channel: the lead, then context channels such as
        ``'MLII:template'`` (see :func:`record_beats`).
    """

    windows: np.ndarray
    rr: np.ndarray
    labels: np.ndarray
    record: np.ndarray
    sample: np.ndarray
    symbol: np.ndarray
    classes: tuple[str, ...]
    sampling_rate: float
    before_s: float
    channels: tuple[str, ...] = (mitdb.LEAD,)
    meta: dict[str, Any] = field(default_factory=dict)

    task = "multiclass"

    def __len__(self) -> int:
        return int(self.labels.size)

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """Model inputs in call order: windows, RR features."""
        return self.windows, self.rr

    @property
    def feature_names(self) -> list[str]:
        """Names of the columns of :attr:`rr`."""
        return list(self.meta.get("rr_features", RR_FEATURES))

    def class_counts(self) -> dict[str, int]:
        """Beats per class, every class listed (zero included)."""
        counts = np.bincount(self.labels, minlength=len(self.classes))
        return {c: int(n) for c, n in zip(self.classes, counts, strict=True)}

    def _like(self, arrays: dict[str, np.ndarray]) -> BeatSet:
        return BeatSet(
            **arrays,
            classes=self.classes,
            sampling_rate=self.sampling_rate,
            before_s=self.before_s,
            channels=self.channels,
            meta=dict(self.meta),
        )

    def subset(self, mask: np.ndarray) -> BeatSet:
        """Return the beats where ``mask`` is true."""
        return self._like({name: getattr(self, name)[mask] for name in _ARRAYS})

    @classmethod
    def concatenate(cls, parts: Sequence[BeatSet], like: BeatSet) -> BeatSet:
        """Concatenate sets shaped like ``like`` (an empty list gives an empty set)."""
        if not parts:
            return like.subset(np.zeros(len(like), dtype=bool))
        return like._like({name: np.concatenate([getattr(p, name) for p in parts]) for name in _ARRAYS})

    def save(self, path: str | Path) -> None:
        """Write the set to an ``.npz`` file atomically."""
        meta = {
            "classes": list(self.classes),
            "sampling_rate": self.sampling_rate,
            "before_s": self.before_s,
            "channels": list(self.channels),
            "rr_features": self.feature_names,
            **self.meta,
        }
        save_npz(path, **{name: getattr(self, name) for name in _ARRAYS}, meta=np.array(json.dumps(meta)))

    @classmethod
    def load(cls, path: str | Path) -> BeatSet:
        """Read a set written by :meth:`save`, naming the file on any problem."""
        path = Path(path)
        if not path.is_file():
            raise DataError(path, "beat dataset file not found (did the preprocessing stage run?)")
        try:
            with np.load(path, allow_pickle=False) as data:
                missing = [k for k in (*_ARRAYS, "meta") if k not in data]
                if missing:
                    raise DataError(path, f"not a beat dataset: missing arrays {missing}")
                arrays = {name: data[name] for name in _ARRAYS}
                meta = json.loads(str(data["meta"]))
        except (OSError, ValueError) as exc:
            raise DataError(path, f"cannot be read as .npz ({exc})") from None
        if arrays["windows"].ndim != 3:
            raise DataError(path, f"windows must be (n, channels, length), not {arrays['windows'].shape}")
        return cls(
            **arrays,
            classes=tuple(meta.pop("classes")),
            sampling_rate=float(meta.pop("sampling_rate")),
            before_s=float(meta.pop("before_s")),
            channels=tuple(meta.pop("channels")),
            meta=meta,
        )


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
        Where beats are placed. With ``'detected'`` the detector's peaks are matched to the
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
        detected = ecg_rpeaks(prepared.lead, fs, method=detector)
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


def save_beat_dataset(
    product_dir: str | Path,
    sets: Mapping[str, BeatSet],
    summary: pd.DataFrame,
    split_info: Mapping[str, Any],
    scaler: Any,
) -> pd.DataFrame:
    """Write the preprocessing products and return the class-count table.

    Writes ``<split>.npz`` for every split, ``split.json`` (records per split, how validation
    was chosen, class counts per split, task), ``records.csv`` (per-record counts),
    ``scaler.json`` (normalization fitted on the training split only) and
    ``class_counts.csv``. Works for beat and window sets alike; ``scaler`` is a fitted
    :class:`BeatScaler` or its dictionary.
    """
    out = Path(product_dir)
    out.mkdir(parents=True, exist_ok=True)
    first = next(iter(sets.values()))
    for split, beats in sets.items():
        beats.save(out / f"{split}.npz")
    counts = pd.DataFrame({s: b.class_counts() for s, b in sets.items()}).T
    counts["total"] = counts.sum(axis=1)
    counts.index.name = "split"
    write_text(out / "class_counts.csv", counts.to_csv())
    write_text(out / "records.csv", summary.to_csv(index=False))
    write_json(
        out / "split.json",
        {
            **split_info,
            "records": {s: sorted(set(b.record.tolist())) for s, b in sets.items()},
            "class_counts": {s: b.class_counts() for s, b in sets.items()},
            "classes": list(first.classes),
            "task": first.task,
            "samples": type(first).__name__,
        },
    )
    write_json(out / "scaler.json", scaler if isinstance(scaler, dict) else scaler.to_dict())
    return counts


def load_beat_split(dataset_dir: str | Path, split: str) -> BeatSet:
    """Load one split written by :func:`save_beat_dataset`."""
    return BeatSet.load(Path(dataset_dir) / f"{split}.npz")


def load_split_info(dataset_dir: str | Path) -> dict[str, Any]:
    """Return ``split.json`` of a preprocessing product folder."""
    return read_json(Path(dataset_dir) / "split.json")
