"""AAMI EC57 class mapping and record labels."""

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.labels import AAMI_MAP, RECORD_LABELS, aami_class, encode_labels, encode_multilabel


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


def test_record_vocabulary_and_multilabel_targets() -> None:
    for label in ("normal", "st_elevation", "arrhythmia", "afib", "tachycardia", "bradycardia", "pvc"):
        assert label in RECORD_LABELS
    targets = encode_multilabel(
        [["afib", "arrhythmia"], ["normal"], ["pvc", "arrhythmia", "pvc"]], RECORD_LABELS
    )
    assert targets.shape == (3, len(RECORD_LABELS)) and targets.dtype == np.float32
    assert targets.sum(axis=1).tolist() == [2, 1, 2]  # a repeated label counts once
    assert targets[0, RECORD_LABELS.index("afib")] == 1
    with pytest.raises(DataError, match=r"record 1: unknown label 'stemi'"):
        encode_multilabel([["normal"], ["stemi"]], RECORD_LABELS)
