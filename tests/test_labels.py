"""AAMI EC57 class mapping and patient-level splits."""

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.labels import (
    AAMI_MAP,
    aami_class,
    encode_labels,
    patient_split,
    select_validation_records,
)


def test_aami_mapping_follows_ec57() -> None:
    expected = {"N": "NLRej", "S": "AaJS", "V": "VE", "F": "F", "Q": "/fQ"}
    for cls, symbols in expected.items():
        for s in symbols:
            assert aami_class(s) == cls, s
    assert set(AAMI_MAP) == set("NLRejAaJSVEF/fQ")
    # e and j (escape beats) are N, not S (a common mistake in public code)
    assert aami_class("e") == aami_class("j") == "N"
    for non_beat in ["+", "~", "|", "!", "x", '"', "[", "]"]:
        assert aami_class(non_beat) is None


def test_encode_labels_drops_classes_not_kept() -> None:
    assert encode_labels(["N", "a", "E", "f", "+"], ["N", "S", "V", "F"]).tolist() == [
        0,
        1,
        2,
        -1,
        -1,
    ]
    with pytest.raises(DataError, match="unknown AAMI class"):
        encode_labels(["N"], ["N", "X"])


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
