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


def stratification_labels(labels_per_record: Sequence[str | Sequence[str]]) -> list[str]:
    """One stratum per record for stratified splits: its rarest label in the dataset.

    Multi-label records cannot be stratified on all their labels at once with
    scikit-learn's splitters; taking each record's least frequent label keeps the rare
    classes spread over the folds.

    Examples
    --------
    >>> stratification_labels([["normal"], ["afib", "arrhythmia"], ["arrhythmia"], "normal"])
    ['normal', 'afib', 'arrhythmia', 'normal']
    """
    items = [[x] if isinstance(x, str) else list(x) for x in labels_per_record]
    counts: dict[str, int] = {}
    for labels in items:
        for label in set(labels):
            counts[label] = counts.get(label, 0) + 1
    return [min(labels, key=lambda label: (counts[label], label)) if labels else "" for labels in items]


def _check_groups(
    patients: Sequence[str], labels: Sequence, n_parts: int, what: str
) -> tuple[np.ndarray, list]:
    patient_ids = np.asarray([str(p) for p in patients], dtype=object)
    if len(patient_ids) != len(labels):
        raise DataError(what, f"{len(patient_ids)} patient ids for {len(labels)} label entries")
    if any(not p for p in patient_ids):
        raise DataError(what, "a record has an empty patient id")
    n_patients = len(set(patient_ids))
    if n_patients < n_parts:
        raise DataError(
            what, f"{n_parts} parts need at least {n_parts} patients, the dataset has {n_patients}"
        )
    return patient_ids, stratification_labels(labels)


def _group_folds(patient_ids: np.ndarray, strata: list[str], k: int, seed: int) -> list[np.ndarray]:
    """Record indices of each of ``k`` patient-grouped, label-stratified folds (StratifiedGroupKFold).

    Strata with fewer than ``k`` records are pooled into one (``"(rare)"``), and when no
    stratum reaches ``k`` records the split is not stratified: scikit-learn refuses those.
    """
    import warnings

    from sklearn.model_selection import StratifiedGroupKFold

    counts = {s: strata.count(s) for s in set(strata)}
    pooled = [s if counts[s] >= k else "(rare)" for s in strata]
    if max(pooled.count(s) for s in set(pooled)) < k:
        pooled = ["(all)"] * len(strata)
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "least populated class has only n members": rare labels are expected
        warnings.simplefilter("ignore", UserWarning)
        folds = [test for _, test in splitter.split(np.zeros(len(pooled)), pooled, groups=patient_ids)]
    if any(f.size == 0 for f in folds):
        raise DataError("split", f"{k} parts leave one empty: too few patients ({len(set(patient_ids))})")
    return [np.sort(f) for f in folds]


def _part(indices: np.ndarray, patient_ids: np.ndarray, strata: list[str]) -> dict:
    indices = np.sort(np.asarray(indices, dtype=np.int64))
    counts: dict[str, int] = {}
    for i in indices:
        counts[strata[i]] = counts.get(strata[i], 0) + 1
    return {
        "records": indices.tolist(),
        "patients": sorted(set(patient_ids[indices].tolist())),
        "strata": dict(sorted(counts.items())),
    }


def patient_train_val_test(
    patients: Sequence[str],
    labels: Sequence[str | Sequence[str]],
    fractions: Sequence[float] = (0.7, 0.15, 0.15),
    seed: int = 0,
) -> dict:
    """Patient-level train / validation / test split, stratified by label.

    The test part is one fold of a ``round(1 / test_fraction)``-fold
    :class:`~sklearn.model_selection.StratifiedGroupKFold` over patients, the validation part
    one fold of the same splitter over the remaining patients, so the fractions are met
    approximately (in patients, with each record's rarest label as its stratum). The result
    is checked with :func:`check_no_leakage`.

    Parameters
    ----------
    patients : sequence of str
        Patient id of each record.
    labels : sequence of str or of lists of str
        Label(s) of each record.
    fractions : (train, val, test)
        Positive, summing to 1.
    seed : int
        Seed of the shuffles.

    Returns
    -------
    dict
        JSON-ready: ``{"kind": "train_val_test", "seed", "fractions", "parts": {"train":
        {"records": [indices], "patients": [...], "strata": {label: count}}, "val": ...,
        "test": ...}}``.

    Examples
    --------
    >>> patients = [f"p{i // 2}" for i in range(40)]          # 20 patients, 2 records each
    >>> labels = ["afib" if i % 4 < 2 else "normal" for i in range(40)]
    >>> split = patient_train_val_test(patients, labels, seed=1)
    >>> {name: len(part["patients"]) for name, part in split["parts"].items()}
    {'train': 14, 'val': 3, 'test': 3}
    """
    from vitalkit.errors import ParamsError

    fractions = [float(f) for f in fractions]
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-6:
        raise ParamsError(
            "split", [f"fractions must be three positive numbers summing to 1, got {fractions}"]
        )
    k_test = max(2, round(1 / fractions[2]))
    k_val = max(2, round((fractions[0] + fractions[1]) / fractions[1]))
    patient_ids, strata = _check_groups(patients, labels, 3, "split")
    if len(set(patient_ids)) < k_test:
        raise DataError(
            "split",
            f"a test fraction of {fractions[2]:g} takes 1 patient in {k_test}: at least {k_test} "
            f"patients are needed, the dataset has {len(set(patient_ids))}",
        )
    test = _group_folds(patient_ids, strata, k_test, seed)[0]
    rest = np.setdiff1d(np.arange(len(strata)), test)
    if len(set(patient_ids[rest])) < k_val:
        raise DataError(
            "split",
            f"too few patients ({len(set(patient_ids))}) for a validation part of {fractions[1]:g}",
        )
    val = rest[_group_folds(patient_ids[rest], [strata[i] for i in rest], k_val, seed + 1)[0]]
    train = np.setdiff1d(rest, val)
    split = {
        "kind": "train_val_test",
        "seed": seed,
        "fractions": fractions,
        "parts": {
            name: _part(idx, patient_ids, strata)
            for name, idx in (("train", train), ("val", val), ("test", test))
        },
    }
    check_no_leakage(split, patients)
    return split


def patient_kfold(
    patients: Sequence[str], labels: Sequence[str | Sequence[str]], k: int = 5, seed: int = 0
) -> dict:
    """Patient-grouped, label-stratified k-fold (:class:`~sklearn.model_selection.StratifiedGroupKFold`).

    Returns
    -------
    dict
        JSON-ready: ``{"kind": "kfold", "k", "seed", "parts": {"fold1": {"records",
        "patients", "strata"}, ...}}``; fold *i* is the held-out part of round *i*, the
        other folds its training data. Checked with :func:`check_no_leakage`.

    Examples
    --------
    >>> patients = [f"p{i // 2}" for i in range(40)]
    >>> labels = ["afib" if i % 4 < 2 else "normal" for i in range(40)]
    >>> folds = patient_kfold(patients, labels, k=5, seed=0)
    >>> [len(f["patients"]) for f in folds["parts"].values()]
    [4, 4, 4, 4, 4]
    """
    from vitalkit.errors import ParamsError

    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 2:
        raise ParamsError("kfold", [f"k must be an integer >= 2, got {k!r}"])
    patient_ids, strata = _check_groups(patients, labels, k, "kfold")
    folds = _group_folds(patient_ids, strata, int(k), seed)
    split = {
        "kind": "kfold",
        "k": int(k),
        "seed": seed,
        "parts": {f"fold{i + 1}": _part(f, patient_ids, strata) for i, f in enumerate(folds)},
    }
    check_no_leakage(split, patients)
    return split


def check_no_leakage(split: Mapping, patients: Sequence[str] | None = None) -> None:
    """Raise unless every patient sits in exactly one part of a split.

    Parameters
    ----------
    split : mapping
        A split as returned by :func:`patient_train_val_test` / :func:`patient_kfold`
        (``{"parts": {name: {"patients": [...], "records": [...]}}}``), or the ``parts``
        mapping itself; a part may also be a plain list of patient ids.
    patients : sequence of str, optional
        Patient id of each record: when given, the patients of each part are derived
        from its ``records`` as well, so a part whose patient list is wrong is caught.

    Raises
    ------
    DataError
        Naming the patient and the parts it is in.

    Examples
    --------
    >>> check_no_leakage({"train": ["p1", "p2"], "test": ["p3"]})
    >>> check_no_leakage({"fold1": ["p1", "p2"], "fold2": ["p2"]})
    Traceback (most recent call last):
    ...
    vitalkit.errors.DataError: split: patient 'p2' is in fold1 and fold2 (patient leakage)
    """
    parts = split.get("parts", split) if isinstance(split, Mapping) else None
    if not isinstance(parts, Mapping):
        raise DataError("split", "not a split: expected {name: part}")
    where: dict[str, list[str]] = {}
    for name, part in parts.items():
        members: set[str] = set()
        if isinstance(part, Mapping):
            members |= {str(p) for p in part.get("patients", [])}
            if patients is not None:
                records = [int(i) for i in part.get("records", [])]
                if any(not 0 <= i < len(patients) for i in records):
                    raise DataError("split", f"part {name!r} names a record outside 0..{len(patients) - 1}")
                members |= {str(patients[i]) for i in records}
        else:
            members |= {str(p) for p in part}
        for patient in members:
            where.setdefault(patient, []).append(str(name))
    leaks = {p: names for p, names in where.items() if len(names) > 1}
    if leaks:
        patient, names = sorted(leaks.items())[0]
        more = f"; {len(leaks) - 1} more patient(s) leak" if len(leaks) > 1 else ""
        raise DataError("split", f"patient {patient!r} is in {' and '.join(names)} (patient leakage){more}")
