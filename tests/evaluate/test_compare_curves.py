"""A/B comparison, ROC/PR and calibration, published table."""

import numpy as np
import pytest

from vitalkit.evaluate import compare_models, mcnemar, published_table
from vitalkit.evaluate.curves import calibration_table, curve_table, expected_calibration_error
from vitalkit.evaluate.published import with_ours


def test_mcnemar_counts_discordant_beats() -> None:
    y = np.array([0, 0, 1, 1, 1, 0])
    a = np.array([0, 0, 1, 1, 0, 0])  # wrong on beat 4
    b = np.array([1, 0, 1, 0, 1, 1])  # wrong on beats 0, 3, 5
    result = mcnemar(y, a, b)
    assert (result["only_a_correct"], result["only_b_correct"]) == (3, 1)
    assert 0 < result["p_value"] <= 1


def test_compare_models_table() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(12), 50)
    y = rng.integers(0, 2, groups.size)
    good = np.where(rng.random(y.size) < 0.95, y, 1 - y)
    bad = np.where(rng.random(y.size) < 0.7, y, 1 - y)
    table = compare_models(
        y, good, bad, groups, ["N", "S"], ("good", "bad"), metrics=("accuracy",), n_boot=300
    )
    row = table.loc[("good - bad", "accuracy")]
    assert row["difference"] == pytest.approx((good == y).mean() - (bad == y).mean())
    assert row["ci_low"] > 0
    assert table.attrs["mcnemar"]["only_a_correct"] > table.attrs["mcnemar"]["only_b_correct"]


def test_curves_and_calibration() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 2000)
    logits = np.eye(3)[y] * 2 + rng.normal(0, 1, (2000, 3))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    table = curve_table({"m": p, "chance": np.full_like(p, 1 / 3)}, y, ["N", "S", "V"])
    assert (table.loc["m", "auroc"] > 0.85).all()
    assert np.allclose(table.loc["chance", "auroc"], 0.5)
    perfect = np.eye(3)[y].astype(float)
    assert expected_calibration_error(perfect, y) == 0
    assert expected_calibration_error(np.full_like(p, 1 / 3), y) == pytest.approx(
        abs(1 / 3 - (y == 0).mean())
    )
    bins = calibration_table(p, y, ["N", "S", "V"])
    assert set(bins["class"]) == {"N", "S", "V"} and bins["beats"].sum() == 3 * 2000


def test_published_table_is_marked_and_joined() -> None:
    pub = published_table()
    assert (pub["source"] == "published (not re-run)").all()
    import pandas as pd

    ours = pd.DataFrame({"accuracy": [0.9], "S_F1": [0.5]}, index=["mine"])
    joined = with_ours(ours)
    assert joined.loc["mine", "accuracy"] == 90.0 and joined.loc["mine", "source"].startswith("this run")
