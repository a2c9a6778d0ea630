"""Dataset sources of the preprocessing stage, and loading their products.

A parameter set's ``dataset`` names where samples come from:

``{kind: mitdb}`` (default)
    MIT-BIH beats, AAMI classes, de Chazal inter-patient split (:class:`MitdbBeats`).
``{kind: folder, path: DIR}``
    Your recordings described by ``labels.json`` (EDF, WFDB, CSV, NumPy; see
    :func:`vitalkit.data.labelled.read_labelled_folder`), cut into windows with multi-label
    targets, split by patient (:class:`FolderWindows`).
``{kind: synthetic, n_per_class: 30, ...}``
    Synthetic ECG generated offline with a seed (:class:`SyntheticWindows`), then as a folder.

Every source offers ``split(**params)`` (patient-level, leakage checked), ``build(splits,
**params)`` (one :class:`~vitalkit.beats.BeatSet` or :class:`~vitalkit.data.windowset.WindowSet`
per split) and ``fit_scaler(train, window_scaling)``; parameters a source does not use are
ignored, so one notebook serves them all.

Examples
--------
>>> open_dataset({"kind": "mitdb"}).task
'multiclass'
>>> open_dataset({"kind": "mars"})
Traceback (most recent call last):
...
vitalkit.errors.ParamsError: invalid parameter set dataset:
  - dataset.kind: unknown kind 'mars'; use ['folder', 'mitdb', 'synthetic']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from vitalkit.beats.dataset import BeatSet
from vitalkit.data.windowset import WindowSet
from vitalkit.errors import DataError, ParamsError

SetType = BeatSet | WindowSet


def load_split(dataset_dir: str | Path, split: str) -> SetType:
    """Load ``<dataset_dir>/<split>.npz``, a beat or a window set (told by its metadata)."""
    path = Path(dataset_dir) / f"{split}.npz"
    if not path.is_file():
        raise DataError(path, "dataset file not found (did the preprocessing stage run?)")
    try:
        with np.load(path, allow_pickle=False) as data:
            kind = json.loads(str(data["meta"])).get("kind", "beats") if "meta" in data else "beats"
    except (OSError, ValueError) as exc:
        raise DataError(path, f"cannot be read as .npz ({exc})") from None
    return WindowSet.load(path) if kind == "windows" else BeatSet.load(path)


def sampling_labels(data: SetType) -> np.ndarray:
    """One class per sample for samplers: the label, or a multilabel row's first positive label."""
    if data.task == "multilabel":
        return np.asarray(data.labels).argmax(axis=1).astype(np.int64)
    return np.asarray(data.labels, dtype=np.int64)


def targets(data: SetType) -> np.ndarray:
    """Training targets: int64 class indices or float32 multi-hot rows."""
    return data.labels.astype(np.float32) if data.task == "multilabel" else data.labels.astype(np.int64)


SOURCES: dict[str, type] = {}


def register_source(kind: str):
    """Class decorator registering a dataset source under ``kind``."""

    def decorate(cls: type) -> type:
        SOURCES[kind] = cls
        return cls

    return decorate


def open_dataset(spec: Mapping[str, Any] | str | None = None) -> Any:
    """The dataset source a ``dataset`` parameter describes (``None`` or ``'mitdb'``: MIT-BIH)."""
    if spec is None or isinstance(spec, str):
        spec = {"kind": spec or "mitdb"}
    spec = dict(spec)
    kind = spec.pop("kind", "mitdb")
    if kind not in SOURCES:
        raise ParamsError("dataset", [f"dataset.kind: unknown kind {kind!r}; use {sorted(SOURCES)}"])
    return SOURCES[kind](**spec)


@register_source("mitdb")
class MitdbBeats:
    """MIT-BIH beats (AAMI classes) with the inter-patient split (see ``02_preprocess``)."""

    task = "multiclass"
    unit = "beat"

    def __init__(self, **options: Any) -> None:
        if options:
            raise ParamsError("dataset", [f"dataset (mitdb): unknown option(s) {sorted(options)}"])

    def split(
        self,
        train_records: Any = "DS1",
        test_records: Any = "DS2",
        n_val_records: int = 5,
        seed: int = 0,
        **_: Any,
    ) -> tuple[dict[str, list[str]], dict[str, Any]]:
        """Train / validation / test records: validation patients drawn from the training records."""
        from vitalkit.data import mitdb
        from vitalkit.labels import patient_split, select_validation_records

        pool = mitdb.resolve_records(train_records)
        counts = mitdb.aami_counts(mitdb.annotation_counts(pool))
        val = select_validation_records(counts.to_dict(orient="index"), n_val_records, seed)
        splits = patient_split(pool, val, mitdb.resolve_records(test_records))
        return splits, {
            "seed": seed,
            "protocol": "mitdb-inter-patient",
            "validation_rule": "seeded draw of training patients, >= 20 S and V beats",
        }

    def build(
        self,
        splits: Mapping[str, list[str]],
        classes: Any = ("N", "S", "V", "F"),
        before_s: float = 0.25,
        after_s: float = 0.45,
        positions: str = "annotated",
        detector: str = "neurokit",
        bandpass: Any = (0.5, 40.0),
        context: Any = (),
        template_beats: int = 32,
        **_: Any,
    ) -> tuple[dict[str, BeatSet], Any]:
        """Beat windows, RR features and AAMI labels per split."""
        from vitalkit.beats.dataset import build_beat_dataset

        return build_beat_dataset(
            splits,
            list(classes),
            before_s=before_s,
            after_s=after_s,
            positions=positions,
            detector=detector,
            bandpass=tuple(bandpass),
            context=list(context),
            template_beats=template_beats,
            progress=False,
        )

    def fit_scaler(self, train: BeatSet, window_scaling: str = "global") -> dict[str, Any]:
        """Window scale per channel and RR standardization, from the training patients only."""
        from vitalkit.beats.scaler import BeatScaler

        return BeatScaler(window_scaling).fit(train.windows, train.rr).to_dict()
