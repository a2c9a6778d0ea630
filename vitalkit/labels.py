"""Label maps and patient-level splits.

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

from collections.abc import Mapping, Sequence

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


def select_validation_records(
    counts: Mapping[str, Mapping[str, int]],
    n_val: int,
    seed: int,
    required: Sequence[str] = ("S", "V"),
    min_count: int = 20,
    max_tries: int = 10_000,
) -> list[str]:
    """Choose held-out training patients for validation, reproducibly from a seed.

    Random patient subsets are drawn from ``numpy.random.default_rng(seed)`` until one holds
    at least ``min_count`` beats of every ``required`` class while the remaining patients
    keep at least half of each: a validation set without S beats could not select a model
    for S detection. The draw depends only on the seed and the record list.

    Parameters
    ----------
    counts : mapping
        ``{record: {class: beat count}}`` for the training patients.
    n_val : int
        Number of validation patients.
    seed : int
        Seed of the draw.
    required : sequence of str
        Classes the validation set must contain.
    min_count : int
        Minimum beats of each required class in validation.

    Returns
    -------
    list of str
        Validation records, sorted.

    Examples
    --------
    >>> counts = {"a": {"S": 30, "V": 30}, "b": {"S": 40, "V": 25}, "c": {"S": 50, "V": 60}}
    >>> select_validation_records(counts, n_val=1, seed=0, min_count=20)
    ['b']

    """
    records = sorted(counts)
    if not 0 < n_val < len(records):
        raise DataError("validation", f"n_val={n_val} must be between 1 and {len(records) - 1}")
    totals = {c: sum(counts[r].get(c, 0) for r in records) for c in required}
    rng = np.random.default_rng(seed)
    for _ in range(max_tries):
        chosen = sorted(rng.choice(records, size=n_val, replace=False).tolist())
        val = {c: sum(counts[r].get(c, 0) for r in chosen) for c in required}
        if all(val[c] >= min_count and totals[c] - val[c] >= totals[c] / 2 for c in required):
            return chosen
    raise DataError(
        "validation",
        f"no {n_val} of {len(records)} training records hold >= {min_count} beats of each of "
        f"{list(required)} while leaving half for training; lower min_count or change n_val",
    )


def patient_split(
    train_pool: Sequence[str], validation: Sequence[str], test: Sequence[str]
) -> dict[str, list[str]]:
    """Train / validation / test record lists, checked to share no patient.

    Examples
    --------
    >>> patient_split(["1", "2", "3"], ["2"], ["9"])
    {'train': ['1', '3'], 'val': ['2'], 'test': ['9']}
    """
    if not set(validation) <= set(train_pool):
        raise DataError(
            "validation",
            f"validation records {sorted(set(validation) - set(train_pool))} are not training patients",
        )
    leak = sorted(set(train_pool) & set(test))
    if leak:
        raise DataError("split", f"record(s) {leak} are both training and test patients")
    return {
        "train": [r for r in train_pool if r not in validation],
        "val": list(validation),
        "test": list(test),
    }
