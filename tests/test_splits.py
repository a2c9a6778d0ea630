"""Patient-level splits: seeded, grouped, stratified and checked for leakage."""

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitalkit.errors import DataError, ParamsError
from vitalkit.splits import (
    check_no_leakage,
    patient_kfold,
    patient_split,
    patient_train_val_test,
    select_validation_records,
    stratification_labels,
)


def _counts() -> dict[str, dict[str, int]]:
    rng = np.random.default_rng(3)
    return {f"r{i}": {"S": int(rng.integers(0, 80)), "V": int(rng.integers(0, 80))} for i in range(12)}


def test_validation_draw_is_seeded_and_meets_constraints() -> None:
    counts = _counts()
    a = select_validation_records(counts, 3, seed=5)
    assert a == select_validation_records(counts, 3, seed=5)
    assert len(a) == 3
    for c in ("S", "V"):
        val = sum(counts[r][c] for r in a)
        total = sum(v[c] for v in counts.values())
        assert val >= 20 and total - val >= total / 2
    draws = {tuple(select_validation_records(counts, 3, seed=s)) for s in range(10)}
    assert len(draws) > 1  # the seed matters


def test_validation_draw_impossible_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="no 1 of 2 training records"):
        select_validation_records({"a": {"S": 1, "V": 1}, "b": {"S": 1, "V": 1}}, 1, seed=0)


def test_patient_split_rejects_leaks() -> None:
    assert patient_split(["1", "2"], ["2"], ["3"]) == {"train": ["1"], "val": ["2"], "test": ["3"]}
    with pytest.raises(DataError, match=r"record\(s\) \['2'\] are both training and test"):
        patient_split(["1", "2"], ["1"], ["2"])


# --- record labels and patient-level splits of labels.json datasets ---------------------------------


def _dataset(n_patients: int = 30, seed: int = 0) -> tuple[list[str], list[list[str]]]:
    """1 to 3 records per patient; a patient keeps one condition; afib is rare (about 1 in 6)."""
    rng = np.random.default_rng(seed)
    patients, labels = [], []
    for p in range(n_patients):
        condition = ["afib", "arrhythmia"] if p % 6 == 0 else ["pvc"] if p % 3 == 0 else ["normal"]
        for _ in range(int(rng.integers(1, 4))):
            patients.append(f"p{p:02d}")
            labels.append(condition)
    return patients, labels


def test_patient_kfold_is_grouped_stratified_seeded_and_json_ready() -> None:
    patients, labels = _dataset()
    folds = patient_kfold(patients, labels, k=5, seed=3)
    assert folds == patient_kfold(patients, labels, k=5, seed=3)
    assert folds != patient_kfold(patients, labels, k=5, seed=4)
    assert json.loads(json.dumps(folds)) == folds
    parts = folds["parts"]
    assert sorted(i for part in parts.values() for i in part["records"]) == list(range(len(patients)))
    for part in parts.values():
        assert part["patients"] == sorted({patients[i] for i in part["records"]})
        assert part["strata"].get("afib", 0) >= 1  # the rare class reaches every fold (5 afib patients)
    check_no_leakage(folds, patients)
    assert stratification_labels(labels)[:1] == ["afib"]  # rarest label of ["afib", "arrhythmia"]


def test_patient_train_val_test_fractions() -> None:
    patients, labels = _dataset(60)
    split = patient_train_val_test(patients, labels, fractions=(0.7, 0.15, 0.15), seed=0)
    counts = {name: len(part["patients"]) for name, part in split["parts"].items()}
    assert counts["train"] + counts["val"] + counts["test"] == 60
    assert 6 <= counts["test"] <= 12 and 6 <= counts["val"] <= 12  # 1/7 and 1/6 of the rest, in patients
    for part in split["parts"].values():
        assert {"afib", "normal", "pvc"} <= set(part["strata"])


@pytest.mark.parametrize(
    ("split", "message"),
    [
        ({"fold1": ["p1", "p2"], "fold2": ["p3", "p2"]}, r"patient 'p2' is in fold1 and fold2"),
        (
            {
                "parts": {
                    "train": {"patients": ["p1"], "records": [0]},
                    "test": {"patients": ["p2"], "records": [1]},
                }
            },
            r"patient 'p1' is in train and test",  # the records say record 1 is p1's: caught
        ),
        ({"train": {"records": [5]}}, r"part 'train' names a record outside 0\.\.1"),
        (["p1"], r"not a split"),
    ],
)
def test_leakage_check_names_patient_and_parts(split: object, message: str) -> None:
    with pytest.raises(DataError, match=message):
        check_no_leakage(split, patients=["p1", "p1"])


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: patient_kfold(["a", "b", "c"], ["normal"] * 3, k=5),
            DataError,
            r"5 parts need at least 5 patients",
        ),
        (lambda: patient_kfold(["a", "b"], ["normal"] * 2, k=1), ParamsError, r"k must be an integer >= 2"),
        (lambda: patient_kfold(["a", ""], ["normal"] * 2, k=2), DataError, r"empty patient id"),
        (lambda: patient_kfold(["a", "b"], ["normal"], k=2), DataError, r"2 patient ids for 1 label entries"),
        (
            lambda: patient_train_val_test(["a"] * 9, ["normal"] * 9, (0.5, 0.5, 0.5)),
            ParamsError,
            r"summing to 1",
        ),
        (lambda: patient_train_val_test(["a", "b"], ["normal"] * 2), DataError, r"at least 3 patients"),
        (
            lambda: patient_train_val_test(list("abcd"), ["normal"] * 4),
            DataError,
            r"at least 7 patients are needed",
        ),
    ],
)
def test_split_inputs_that_cannot_work(call, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        call()


def test_rare_strata_are_pooled_rather_than_refused() -> None:
    patients = [f"p{i}" for i in range(9)]
    labels = [
        ["normal"],
        ["afib"],
        ["pvc"],
        ["st_elevation"],
        ["bradycardia"],
        ["tachycardia"],
        ["other"],
        ["noise"],
        ["pac"],
    ]
    folds = patient_kfold(patients, labels, k=3, seed=0)
    assert sorted(len(p["patients"]) for p in folds["parts"].values()) == [3, 3, 3]


@settings(max_examples=60, deadline=None)
@given(
    groups=st.lists(
        st.tuples(st.integers(0, 12), st.sampled_from(["normal", "afib", "pvc", "noise"])),
        min_size=1,
        max_size=40,
    ),
    k=st.integers(2, 6),
    seed=st.integers(0, 3),
)
def test_splits_never_leak_or_escape(groups: list, k: int, seed: int) -> None:
    patients = [f"p{g}" for g, _ in groups]
    labels = [[label] for _, label in groups]
    for make in (
        lambda: patient_kfold(patients, labels, k=k, seed=seed),
        lambda: patient_train_val_test(patients, labels, seed=seed),
    ):
        try:
            split = make()
        except DataError:
            continue
        check_no_leakage(split, patients)
        covered = sorted(i for part in split["parts"].values() for i in part["records"])
        assert covered == list(range(len(patients)))


def test_record_folds_refuse_a_patient_in_two_folds_and_split_patients_a_repeated_id() -> None:
    import pandas as pd

    from vitalkit.splits import record_folds, split_patients

    strata = pd.Series(["N", "A"] * 10, index=[f"r{i}" for i in range(20)])
    patients = pd.Series([f"p{i // 2}" for i in range(20)], index=strata.index)
    fold = record_folds(strata, k=5, seed=0, patients=patients)
    assert fold.groupby(patients).nunique().max() == 1
    ids = [f"p{i}" for i in range(20)] + ["p0"]
    with pytest.raises(DataError, match="patient leakage"):
        for seed in range(20):  # some seed puts the repeated id in two parts
            split_patients(ids, np.arange(21) % 3 == 0, 0.25, 0.25, seed)
