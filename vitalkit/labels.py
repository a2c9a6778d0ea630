"""Label maps: AAMI beat classes and the record-level labels of ``labels.json`` datasets.

Splits by patient live in :mod:`vitalkit.splits`.

AAMI EC57 beat classes from MIT-BIH annotation symbols (DESIGN.md §4):
N = {N, L, R, e, j}, S = {A, a, J, S}, V = {V, E}, F = {F}, Q = {/, f, Q}. Annotations
that mark no beat (rhythm changes ``+``, noise ``~``, flutter waves ``!``...) map to none.

Examples
--------
>>> from vitalkit.labels import aami_class
>>> [aami_class(s) for s in ["N", "e", "A", "E", "F", "/", "+"]]
['N', 'N', 'S', 'V', 'F', 'Q', None]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from vitalkit.errors import DataError

AAMI_CLASSES: tuple[str, ...] = ("N", "S", "V", "F", "Q")

AAMI_MAP: dict[str, str] = {
    "N": "N",
    "L": "N",
    "R": "N",
    "e": "N",
    "j": "N",
    "A": "S",
    "a": "S",
    "J": "S",
    "S": "S",
    "V": "V",
    "E": "V",
    "F": "F",
    "/": "Q",
    "f": "Q",
    "Q": "Q",
}

QRS_SYMBOLS: frozenset[str] = frozenset(
    {"N", "L", "R", "B", "A", "a", "J", "S", "V", "r", "F", "e", "j", "n", "E", "/", "f", "Q", "?"}
)
"""Annotation symbols that mark a QRS complex (wfdb's beat codes, without flutter waves ``!``).

RR intervals are computed over all of these, whatever their class, so that dropping a
class from the dataset does not change its neighbours' RR features."""


def aami_class(symbol: str) -> str | None:
    """Return the AAMI class of an MIT-BIH beat symbol, or None for a non-beat annotation."""
    return AAMI_MAP.get(symbol)


def encode_labels(symbols: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Map beat symbols to class indices in ``classes``; -1 for beats outside ``classes``.

    Examples
    --------
    >>> encode_labels(["N", "A", "V", "Q"], ["N", "S", "V", "F"]).tolist()
    [0, 1, 2, -1]
    """
    unknown = sorted(set(classes) - set(AAMI_CLASSES))
    if unknown:
        raise DataError("classes", f"unknown AAMI class(es) {unknown}; use {list(AAMI_CLASSES)}")
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(AAMI_MAP.get(s, ""), -1) for s in symbols], dtype=np.int64)


# --- record-level labels (labels.json datasets) -------------------------------------------

RECORD_LABEL_DESCRIPTIONS: dict[str, str] = {
    "normal": "normal sinus rhythm, no finding",
    "arrhythmia": "any rhythm disorder (set along with the specific one when it is known)",
    "afib": "atrial fibrillation: irregular RR intervals, no P waves",
    "aflutter": "atrial flutter",
    "tachycardia": "heart rate above 100 bpm",
    "bradycardia": "heart rate below 60 bpm",
    "pvc": "premature ventricular contractions",
    "pac": "premature atrial contractions",
    "st_elevation": "ST-segment elevation (J+60 ms above the PR baseline)",
    "st_depression": "ST-segment depression",
    "av_block": "atrioventricular block",
    "bundle_branch_block": "left or right bundle branch block",
    "ventricular_tachycardia": "ventricular tachycardia or fibrillation",
    "noise": "too noisy to classify",
    "other": "another finding",
}
"""Meaning of each record label."""

RECORD_LABELS: tuple[str, ...] = tuple(RECORD_LABEL_DESCRIPTIONS)
"""The record-level label vocabulary of ``labels.json`` datasets (multi-label targets)."""


def check_record_labels(
    labels: str | Sequence[str], vocabulary: Sequence[str] = RECORD_LABELS, source: str = "labels"
) -> list[str]:
    """Return a record's labels as a list, each checked against ``vocabulary``.

    Raises
    ------
    DataError
        A label outside the vocabulary (with the closest known name, if any), a label
        that is not a string, or no label at all.

    Examples
    --------
    >>> check_record_labels("afib")
    ['afib']
    >>> check_record_labels(["normal", "a-fib"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: labels: unknown label 'a-fib' (did you mean 'afib'?); known: normal, ...
    """
    import difflib

    items = [labels] if isinstance(labels, str) else list(labels)
    if not items:
        raise DataError(source, "no label")
    for label in items:
        if not isinstance(label, str):
            raise DataError(source, f"label {label!r} is not a string")
        if label not in vocabulary:
            close = difflib.get_close_matches(label, vocabulary, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise DataError(source, f"unknown label {label!r}{hint}; known: {', '.join(vocabulary)}")
    return list(dict.fromkeys(items))


def encode_multilabel(labels_per_record: Sequence[Sequence[str]], vocabulary: Sequence[str]) -> np.ndarray:
    """Multi-hot targets: ``(n_records, len(vocabulary))`` float32, 1 where a record has a label.

    Raises
    ------
    DataError
        A label outside ``vocabulary`` (naming the record's position).

    Examples
    --------
    >>> encode_multilabel([["afib", "arrhythmia"], ["normal"]], ["normal", "arrhythmia", "afib"])
    array([[0., 1., 1.],
           [1., 0., 0.]], dtype=float32)
    """
    index = {label: i for i, label in enumerate(vocabulary)}
    targets = np.zeros((len(labels_per_record), len(vocabulary)), dtype=np.float32)
    for row, labels in enumerate(labels_per_record):
        for label in check_record_labels(labels, tuple(vocabulary), source=f"record {row}"):
            targets[row, index[label]] = 1.0
    return targets
