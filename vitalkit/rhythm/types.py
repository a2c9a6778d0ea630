"""The "15+ arrhythmia types" claim, measured type by type on the MIT-BIH inter-patient split.

Two classifiers trained on DS1 and tested on DS2 (de Chazal et al. 2004; paced records
excluded by the protocol):

- **beat types**: every individual MIT-BIH beat symbol (not only the five AAMI classes),
  with the classical beat model of the zoo (``gbdt`` on :func:`vitalkit.models.classical.beat_features`,
  beats from :func:`vitalkit.beats.build_beat_dataset` with ``labeling='symbol'``);
- **rhythm types**: every rhythm annotation type, classified per 8-s window (stride 4 s) from
  :mod:`vitalkit.rhythm.window_features` with gradient boosting.

Each type gets its DS2 count, Se, +P and F1, or "too few examples" when DS2 holds fewer than
:data:`~vitalkit.rhythm.metrics.MIN_SUPPORT` of it; a type is "measured" when it has enough
examples. Types absent from DS1 cannot be learnt and say so.

Examples
--------
>>> len(BEAT_SYMBOLS), "AFIB" in RHYTHM_TYPES
(15, True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.data import mitdb
from vitalkit.models.classical import ClassicalBeatModel
from vitalkit.rhythm.crossval import gbdt
from vitalkit.rhythm.metrics import MIN_SUPPORT, type_table
from vitalkit.rhythm.rhythms import RHYTHMS
from vitalkit.rhythm.shockable import FEATURE_COLUMNS, record_shock_features

BEAT_SYMBOLS: tuple[str, ...] = ("N", "L", "R", "e", "j", "A", "a", "J", "S", "V", "E", "F", "/", "f", "Q")
"""MIT-BIH beat symbols classified individually."""

BEAT_DESCRIPTIONS: dict[str, str] = {
    "N": "normal beat",
    "L": "left bundle branch block beat",
    "R": "right bundle branch block beat",
    "e": "atrial escape beat",
    "j": "nodal (junctional) escape beat",
    "A": "atrial premature beat",
    "a": "aberrated atrial premature beat",
    "J": "nodal (junctional) premature beat",
    "S": "supraventricular premature beat",
    "V": "premature ventricular contraction",
    "E": "ventricular escape beat",
    "F": "fusion of ventricular and normal beat",
    "/": "paced beat",
    "f": "fusion of paced and normal beat",
    "Q": "unclassifiable beat",
}
"""What each beat symbol means (MIT-BIH Arrhythmia Database directory)."""

RHYTHM_TYPES: tuple[str, ...] = (
    "N", "SBR", "AFIB", "AFL", "SVTA", "NOD", "AB", "B", "T", "IVR", "BII", "PREX", "P", "VT", "VTfast", "VF",
    "VFL",
)  # fmt: skip
"""MIT-BIH rhythm types classified per window (``P`` paced: only in the excluded paced records)."""


def _balanced_weights(labels: np.ndarray, cap: float = 50.0) -> np.ndarray:
    counts = np.bincount(labels)
    w = labels.size / (counts.size * np.maximum(counts, 1))
    return np.minimum(w, cap)[labels]


def beat_type_predictions(
    train: str | Sequence[str] = "DS1",
    test: str | Sequence[str] = "DS2",
    hparams: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """DS2 beats with their reference and predicted symbol (model trained on ``train``)."""
    sets, _ = build_beat_dataset(
        {"train": mitdb.resolve_records(train), "test": mitdb.resolve_records(test)},
        classes=BEAT_SYMBOLS,
        labeling="symbol",
        progress=False,
    )
    tr, te = sets["train"], sets["test"]
    tr = tr.subset(
        np.bincount(tr.labels, minlength=len(BEAT_SYMBOLS))[tr.labels] >= 2
    )  # early stopping splits
    model = ClassicalBeatModel(
        "gbdt", len(BEAT_SYMBOLS), {"max_iter": 150, **(hparams or {})}, tr.sampling_rate
    )
    model.fit(tr.windows, tr.rr, tr.labels, sample_weight=_balanced_weights(tr.labels))
    pred = model.predict_proba(te.windows, te.rr).argmax(axis=1)
    names = np.asarray(BEAT_SYMBOLS)
    return pd.DataFrame({"record": te.record, "true": names[te.labels], "predicted": names[pred]})


def rhythm_window_table(records: Sequence[str], window_s: float = 8.0, stride_s: float = 4.0) -> pd.DataFrame:
    """Clean, single-rhythm windows of MIT-BIH records with their rhythm and features."""
    table = pd.concat(
        [record_shock_features("mitdb", r, window_s, stride_s) for r in records], ignore_index=True
    )
    keep = (table["coverage"] >= 0.5) & (table["noise"] <= 0.5) & table["rhythm"].isin(RHYTHM_TYPES)
    return table[keep].reset_index(drop=True)


def rhythm_type_predictions(
    train: str | Sequence[str] = "DS1",
    test: str | Sequence[str] = "DS2",
    hparams: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """DS2 rhythm windows with their reference and predicted rhythm type."""
    tr, te = (
        rhythm_window_table(mitdb.resolve_records(train)),
        rhythm_window_table(mitdb.resolve_records(test)),
    )
    tr = tr[tr["rhythm"].map(tr["rhythm"].value_counts()) >= 2]  # early stopping splits stratified
    types = sorted(set(tr["rhythm"]))
    y = tr["rhythm"].map({t: i for i, t in enumerate(types)}).to_numpy()
    model = gbdt({"max_iter": 150, **(hparams or {})}).fit(tr[list(FEATURE_COLUMNS)].to_numpy(np.float64), y)
    pred = np.asarray(types)[model.predict(te[list(FEATURE_COLUMNS)].to_numpy(np.float64))]
    return pd.DataFrame({"record": te["record"], "true": te["rhythm"], "predicted": pred})


def per_type_table(
    beats: pd.DataFrame, rhythms: pd.DataFrame, min_support: int = MIN_SUPPORT
) -> pd.DataFrame:
    """One row per beat symbol and rhythm type: DS2 count, Se, +P, F1, or why it is not measured."""
    parts = []
    for kind, pred, types, names in (
        ("beat", beats, BEAT_SYMBOLS, BEAT_DESCRIPTIONS),
        ("rhythm", rhythms, RHYTHM_TYPES, RHYTHMS),
    ):
        table = type_table(pred["true"], pred["predicted"], types, min_support)
        table.insert(0, "description", [names.get(t, t) for t in table.index])
        table.insert(0, "kind", kind)
        parts.append(table)
    out = pd.concat(parts)
    out.index = [f"{k}:{t}" for k, t in zip(out["kind"], out.index, strict=True)]
    return out


def measured_types(table: pd.DataFrame, min_se: float = 50.0) -> dict[str, int]:
    """Types with enough test examples to be measured, and how many of them reach ``min_se`` (%)."""
    measured = table["note"] == ""
    return {
        "measured": int(measured.sum()),
        f"Se>={min_se:g}%": int((measured & (table["Se"] >= min_se)).sum()),
    }
