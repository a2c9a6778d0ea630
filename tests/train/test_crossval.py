"""Patient-grouped cross-validation and post-hoc class biases."""

import functools
import operator

import numpy as np
import pytest

from vitalkit.data import mitdb
from vitalkit.errors import ParamsError
from vitalkit.models.classical import ClassicalBeatModel, apply_class_bias
from vitalkit.train.crossval import (
    cross_validate,
    fold_table,
    patient_folds,
    tunable_classes,
    tune_class_bias,
)


def test_folds_keep_patients_together() -> None:
    folds = patient_folds(["201", "202", "100", "101", "103"], 2, seed=1)
    assert sorted(functools.reduce(operator.iadd, folds, [])) == ["100", "101", "103", "201", "202"]
    together = [f for f in folds if "201" in f]
    assert "202" in together[0]  # one patient, one fold
    assert mitdb.patient_of("202") == "201"
    with pytest.raises(ParamsError, match="cv_folds"):
        patient_folds(["100", "101"], 3)


def test_bias_recovers_a_shifted_class() -> None:
    # class 1 is under-called by a factor e^1.5: the tuned bias gives it back
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 3000)
    logits = np.eye(3)[y] * 2.0 + rng.normal(0, 1, (3000, 3))
    logits[:, 1] -= 1.5
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    bias = tune_class_bias(proba, y, ["N", "S", "V"])
    assert bias[0] == 0 and 0.75 <= bias[1] <= 2.0
    before = (proba.argmax(1) == y).mean()
    after = (apply_class_bias(proba, bias).argmax(1) == y).mean()
    assert after > before


def test_class_dominated_by_one_patient_is_not_tuned() -> None:
    labels = np.array([0] * 60 + [1] * 60 + [2] * 60)
    records = np.array(["a", "b", "c"] * 20 + ["a", "b", "c"] * 20 + ["a"] * 50 + ["b"] * 10)
    assert tunable_classes(labels, records, 3).tolist() == [True, True, False]


def test_cross_validation_on_real_features() -> None:
    from vitalkit.beats.dataset import build_beat_dataset

    records = ["101", "106", "118", "119", "209", "223"]
    sets, _ = build_beat_dataset({"x": records}, features="transfer", progress=False)
    beats = sets["x"]
    model = ClassicalBeatModel(
        "random_forest",
        4,
        {"n_estimators": 30, "n_jobs": 1},
        feature_set="transfer",
        feature_names=beats.feature_names,
    )
    cv = cross_validate(
        model, beats.windows, beats.rr, beats.labels, beats.record, beats.classes, k=3, seed=0
    )
    assert cv.probabilities.shape == (len(beats), 4) and set(np.unique(cv.fold)) == {0, 1, 2}
    np.testing.assert_allclose(cv.probabilities.sum(axis=1), 1.0, atol=1e-5)
    table = fold_table(cv, beats.labels, beats.classes)
    assert len(table) == 3 and table["beats"].sum() == len(beats)
    # out-of-fold V beats of these patients are recognised (wide, unlike the template)
    v = beats.labels == 2
    assert (cv.biased().argmax(1)[v] == 2).mean() > 0.7
    # same seed, same folds and probabilities
    again = cross_validate(
        model, beats.windows, beats.rr, beats.labels, beats.record, beats.classes, k=3, seed=0
    )
    np.testing.assert_array_equal(cv.probabilities, again.probabilities)
