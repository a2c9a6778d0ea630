"""AAMI metrics and record-level bootstrap."""

import numpy as np
import pytest

from vitalkit.evaluate import (
    bootstrap_metrics,
    class_metrics,
    confusion,
    paired_bootstrap,
    per_record_table,
    summary_metrics,
)


def test_class_metrics_by_hand() -> None:
    cm = np.array([[90, 5, 5], [2, 8, 0], [0, 0, 0]])
    table = class_metrics(cm, ["N", "S", "V"])
    assert table.loc["N", "Se"] == pytest.approx(0.9)
    assert table.loc["S", "+P"] == pytest.approx(8 / 13)
    assert table.loc["S", "FPR"] == pytest.approx(5 / 100)
    assert table.loc["S", "F1"] == pytest.approx(2 * 8 / (2 * 8 + 5 + 2))
    assert np.isnan(table.loc["V", "Se"])  # no reference V beats: undefined, not 0
    summary = summary_metrics(cm)
    assert summary["accuracy"] == pytest.approx(98 / 110)
    # macro-F1 over classes present in the reference (N and S)
    assert summary["macro_f1"] == pytest.approx((table.loc["N", "F1"] + table.loc["S", "F1"]) / 2)


def test_bootstrap_resamples_records_not_beats() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(20), 100)
    y = rng.integers(0, 2, groups.size)
    good = rng.random(20) < 0.5  # half the records perfect, half at chance
    pred = np.where(good[groups], y, rng.integers(0, 2, groups.size))
    table = bootstrap_metrics(y, pred, groups, ["N", "S"], n_boot=500, seed=1)
    acc = table.loc["accuracy"]
    assert acc["ci_low"] < acc["value"] < acc["ci_high"]
    beat_level_half_width = 1.96 * np.sqrt(acc["value"] * (1 - acc["value"]) / y.size)
    assert (acc["ci_high"] - acc["ci_low"]) / 2 > 2 * beat_level_half_width  # patient clustering
    again = bootstrap_metrics(y, pred, groups, ["N", "S"], n_boot=500, seed=1)
    assert again.equals(table)  # seeded


def test_paired_bootstrap_detects_a_real_difference() -> None:
    rng = np.random.default_rng(2)
    groups = np.repeat(np.arange(15), 80)
    y = rng.integers(0, 3, groups.size)
    better = np.where(rng.random(y.size) < 0.9, y, (y + 1) % 3)
    worse = np.where(rng.random(y.size) < 0.6, y, (y + 1) % 3)
    r = paired_bootstrap(y, better, worse, groups, ["N", "S", "V"], n_boot=500)
    assert r["difference"] > 0 and r["ci_low"] > 0 and r["p_value"] < 0.01
    same = paired_bootstrap(y, better, better, groups, ["N", "S", "V"], n_boot=200)
    assert same["difference"] == 0 and same["p_value"] == 1.0


def test_per_record_table() -> None:
    y = np.array([0, 0, 1, 1, 0])
    p = np.array([0, 1, 1, 1, 0])
    t = per_record_table(y, p, np.array(["a", "a", "a", "b", "b"]), ["N", "S"])
    assert t.loc["a", "beats"] == 3 and t.loc["a", "N_Se"] == 0.5 and t.loc["b", "accuracy"] == 1.0
    assert confusion(y, p, 2).sum() == 5


def test_multilabel_bootstrap_draws_the_same_records_as_the_multiclass_one() -> None:
    from vitalkit.evaluate.bootstrap import bootstrap_confusions, record_confusions
    from vitalkit.evaluate.multilabel import multilabel_bootstrap, paired_bootstrap_multilabel

    rng = np.random.default_rng(4)
    groups = rng.integers(0, 12, 600)
    y = rng.integers(0, 2, groups.size)
    pred = np.where(rng.random(y.size) < 0.8, y, 1 - y)
    # one yes/no label is the two-class problem: same tables, same draws, same intervals
    cms, _ = record_confusions(y, pred, groups, 2)
    multiclass = bootstrap_confusions(cms, ["N", "S"], n_boot=300, seed=3, level=0.9)
    multilabel = multilabel_bootstrap(y[:, None], pred[:, None], groups, ["S"], n_boot=300, seed=3, level=0.9)
    for metric in ("S_Se", "S_+P", "S_F1", "S_FPR"):
        assert multilabel.loc[metric].tolist() == pytest.approx(multiclass.loc[metric].tolist(), abs=1e-12)
    same = paired_bootstrap_multilabel(y[:, None], pred[:, None], pred[:, None], groups, ["S"], n_boot=100)
    assert same["difference"] == same["ci_low"] == same["ci_high"] == 0 and same["p_value"] == 1.0
