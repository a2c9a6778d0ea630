"""Patient-level splits: every split of beats, rhythm windows, records and stays, leakage checked.

One module owns how samples are divided between training, validation and test (or folds):

- :func:`select_validation_records`, :func:`patient_split`: MIT-BIH beats (inter-patient);
- :func:`patient_train_val_test`, :func:`patient_kfold`: ``labels.json`` folders and examples,
  stratified by each record's rarest label;
- :func:`record_folds`: rhythm cross-validation folds of records grouped by patient;
- :func:`sample_patients`, :func:`split_patients`: ICU stays (vitals), stratified by septic status.

Every function that returns a split checks it with :func:`check_no_leakage`: no patient in
two parts.

Examples
--------
>>> check_no_leakage({"train": ["p1", "p2"], "test": ["p3"]})
>>> strata = pd.Series(["N", "A"] * 10, index=[f"r{i}" for i in range(20)])
>>> folds = record_folds(strata, k=5, seed=0)
>>> sorted(folds.value_counts().tolist()), folds.groupby(strata).nunique().tolist()
([4, 4, 4, 4, 4], [5, 5])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedGroupKFold, train_test_split

from vitalkit.errors import DataError, ParamsError

SPLITS: tuple[str, ...] = ("train", "val", "test")
"""Names of the parts of a train / validation / test split."""


def stratified_group_folds(groups: Sequence, strata: Sequence, k: int, seed: int) -> list[np.ndarray]:
    """Test indices of each fold of scikit-learn's shuffled :class:`StratifiedGroupKFold`.

    The one place every k-fold split of the package draws its folds; its callers choose how
    rare strata are pooled.

    Examples
    --------
    >>> folds = stratified_group_folds(["a", "a", "b", "b", "c", "c"], ["x"] * 6, 3, 0)
    >>> sorted(len(f) for f in folds)
    [2, 2, 2]
    """
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    with warnings.catch_warnings():  # "least populated class has only n members": rare labels are expected
        warnings.simplefilter("ignore", UserWarning)
        return [test for _, test in splitter.split(np.zeros(len(strata)), strata, groups=groups)]


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
    counts = {s: strata.count(s) for s in set(strata)}
    pooled = [s if counts[s] >= k else "(rare)" for s in strata]
    if max(pooled.count(s) for s in set(pooled)) < k:
        pooled = ["(all)"] * len(strata)
    folds = stratified_group_folds(patient_ids, pooled, k, seed)
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


def record_folds(
    strata: pd.Series, k: int = 5, seed: int = 0, patients: pd.Series | None = None
) -> pd.Series:
    """Fold number (0 .. k-1) of every record (``strata`` index), stratified, grouped by patient.

    Strata with fewer than ``k`` records join the most common one. The folds are checked
    with :func:`check_no_leakage` (``patients``: patient of each record; default: each record
    its own patient).
    """
    if k < 2:
        raise DataError("folds", f"k must be at least 2, not {k}")
    counts = strata.value_counts()
    groups = (patients if patients is not None else pd.Series(strata.index, index=strata.index)).loc[
        strata.index
    ]
    if groups.nunique() < k:
        raise DataError("folds", f"{groups.nunique()} patients cannot fill {k} folds")
    if counts.min() < k:
        strata = strata.where(strata.map(counts) >= k, counts.index[0])
    fold = pd.Series(-1, index=strata.index, dtype=np.int64)
    for i, test in enumerate(stratified_group_folds(groups.to_numpy(), strata.to_numpy(), k, seed)):
        fold.iloc[test] = i
    check_no_leakage({f"fold{i}": groups[fold == i].unique().tolist() for i in range(k)})
    return fold


def sample_patients(patients: Sequence[str], septic: np.ndarray, n: int, seed: int = 0) -> list[str]:
    """A seeded sample of ``n`` patients keeping the septic fraction (all if ``n`` is 0 or >= the total).

    Examples
    --------
    >>> sample_patients(["a", "b", "c", "d"], np.array([1, 0, 1, 0]), 2, seed=1)
    ['a', 'b']
    """
    patients = list(patients)
    if n <= 0 or n >= len(patients):
        return patients
    chosen, _ = train_test_split(
        np.arange(len(patients)), train_size=n, stratify=np.asarray(septic, dtype=bool), random_state=seed
    )
    return [patients[i] for i in sorted(chosen)]


def split_patients(
    patients: Sequence[str],
    septic: np.ndarray,
    val_fraction: float = 0.2,
    test_fraction: float = 0.2,
    seed: int = 0,
) -> pd.Series:
    """Assign every patient to ``'train'``, ``'val'`` or ``'test'`` (seeded, stratified).

    Returns
    -------
    pandas.Series
        Split name indexed by patient, in the order given (checked: a patient id given twice
        cannot land in two parts).

    Examples
    --------
    >>> ids = [f"p{i}" for i in range(100)]; septic = np.arange(100) < 30
    >>> split = split_patients(ids, septic, val_fraction=0.2, test_fraction=0.2, seed=0)
    >>> split.value_counts().sort_index().to_dict()
    {'test': 20, 'train': 60, 'val': 20}
    >>> int(septic[split.to_numpy() == "test"].sum())
    6
    """
    if not (0 < val_fraction < 1 and 0 < test_fraction < 1 and val_fraction + test_fraction < 1):
        raise ValueError(
            f"val_fraction ({val_fraction}) and test_fraction ({test_fraction}) must be in (0, 1) "
            "and leave patients for training"
        )
    idx = np.arange(len(patients))
    strata = np.asarray(septic, dtype=bool)
    rest, test = train_test_split(idx, test_size=test_fraction, stratify=strata, random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_fraction / (1 - test_fraction), stratify=strata[rest], random_state=seed
    )
    split = np.empty(len(patients), dtype=object)
    split[train], split[val], split[test] = "train", "val", "test"
    series = pd.Series(split, index=pd.Index(list(patients), name="patient"), name="split")
    check_no_leakage({name: series.index[series == name].tolist() for name in SPLITS})
    return series
