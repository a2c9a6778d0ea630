"""Per-record, without-record and beat-type tables."""

import numpy as np

from vitalkit.evaluate.beat_tables import (
    beat_type_table,
    class_by_record,
    cv_metrics_table,
    without_records_table,
)

CLASSES = ["N", "S", "V", "F"]


def _data():
    # record "big" holds most S beats and the model misses them; record "small" is right
    y = np.array([0] * 50 + [1] * 40 + [0] * 50 + [1] * 5 + [2] * 5)
    p = np.array([0] * 50 + [0] * 40 + [0] * 50 + [1] * 5 + [2] * 5)
    rec = np.array(["big"] * 90 + ["small"] * 60)
    sym = np.array(["N"] * 50 + ["A"] * 40 + ["L"] * 50 + ["a"] * 5 + ["V"] * 5)
    return y, p, rec, sym


def test_without_a_record_the_class_changes() -> None:
    y, p, rec, _ = _data()
    table = without_records_table(y, p, rec, CLASSES, ["big", "absent"], n_boot=50)
    assert set(table.index.get_level_values("subset")) == {"all records", "without big"}
    assert table.loc[("all records", "S_Se"), "value"] == 5 / 45
    assert table.loc[("without big", "S_Se"), "value"] == 1.0


def test_class_by_record_counts() -> None:
    y, p, rec, _ = _data()
    t = class_by_record(y, p, rec, CLASSES, "S")
    assert t.loc["big", "FN"] == 40 and t.loc["small", "TP"] == 5 and t.loc["big", "Se"] == 0.0


def test_beat_types_mark_small_types() -> None:
    _y, p, _, sym = _data()
    t = beat_type_table(sym, p, CLASSES)
    assert list(t.index) == ["N", "L", "A", "a", "V"]
    assert t.loc["A", "Se"] == 0.0 and t.loc["a", "Se"] == 1.0 and t.loc["A", "as_N"] == 40
    assert bool(t.loc["a", "few"]) and not bool(t.loc["N", "few"])


def test_cv_table_applies_the_bias() -> None:
    y, _, rec, _ = _data()
    proba = np.tile([0.6, 0.4, 0.0, 0.0], (len(y), 1))
    plain = cv_metrics_table(y, proba, rec, CLASSES, n_boot=20)
    biased = cv_metrics_table(y, proba, rec, CLASSES, np.array([0.0, 1.0, 0.0, 0.0]), n_boot=20)
    assert plain.loc["S_Se", "value"] == 0.0 and biased.loc["S_Se", "value"] == 1.0


def test_cross_validated_models_rank_first() -> None:
    import pandas as pd

    from vitalkit.evaluate.models import Evaluation, ModelEvaluation, ensemble_cv

    def model(label, score, cv=None):
        return ModelEvaluation(
            label, np.zeros((1, 4)), np.zeros((1, 4)), None, pd.DataFrame(), pd.DataFrame(), score, cv=cv
        )

    oof = {
        "probabilities": np.tile([0.6, 0.4, 0.0, 0.0], (4, 1)),
        "labels": np.array([0, 1, 1, 0]),
        "record": np.array(["a", "a", "b", "b"]),
        "class_bias": np.array([0.0, 1.0, 0.0, 0.0]),
    }
    models = {"net": model("net", 0.9), "forest": model("forest", 0.6, oof)}
    ev = Evaluation(test=None, val=None, models=models, n_bootstrap=10, level=0.95, seed=0)
    # 0.9 on a handful of validation patients does not outrank a CV score over every patient
    assert ev.ranking() == ["forest", "net"] and ev.primary == "forest"
    assert models["forest"].selection_basis == "cv" and models["net"].selection_basis == "val"
    # an ensemble has CV figures only when every member has them; members' biases are applied
    assert ensemble_cv([oof, None], "NSVF") is None
    both = ensemble_cv([oof, oof], "NSVF")
    assert both is not None and not both["class_bias"].any()
    assert (both["probabilities"].argmax(1) == 1).all()
