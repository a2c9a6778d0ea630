"""The comparison engine on a hand-built cohort where the right answers are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vitalkit.vitals.compare import choose_thresholds, compare_scores
from vitalkit.vitals.onset import add_outcomes
from vitalkit.vitals.utility import utility_rows


def _cohort(n_per_split: int = 12, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for split in ("train", "val", "test"):
        for k in range(n_per_split):
            pid = f"{split}{k}"
            n = int(rng.integers(20, 40))
            label = np.zeros(n, int)
            if k % 3 == 0:  # a third septic, onset 6 h after the first label
                label[int(rng.integers(5, n - 5)) :] = 1
            for h in range(n):
                rows.append(
                    {"patient": pid, "hour": h, "time_h": h + 1.0, "SepsisLabel": label[h], "split": split}
                )
    frame = add_outcomes(pd.DataFrame(rows))
    return frame


def test_perfect_and_useless_scores() -> None:
    frame = _cohort()
    rng = np.random.default_rng(1)
    risk = pd.DataFrame(
        {"NEWS2": rng.random(len(frame)), "perfect": frame["ahead"].to_numpy() + 0.0}, index=frame.index
    )
    c = compare_scores(frame, risk, n_boot=100, seed=0, target_prevalence=0.1)
    v = c.values.set_index(["model", "metric"])["value"]
    assert v[("perfect", "auroc")] == 1.0 and v[("perfect", "auprc")] == 1.0
    assert v[("perfect", "detected_pct")] == 100.0 and v[("perfect", "median_lead_h")] == 6.0
    assert v[("perfect", "nonseptic_alerted_pct")] == 0.0
    assert v[("perfect", "auroc_minus_ref")] == pytest.approx(1.0 - v[("NEWS2", "auroc")])
    assert 0.3 < v[("NEWS2", "auroc")] < 0.7
    assert v[("always alert", "auroc")] == 0.5 and v[("always alert", "sensitivity_h")] == 1.0
    assert v[("always alert", "utility_adj")] < v[("always alert", "utility")]  # enrichment flatters it
    assert {"AUROC", "AUPRC", "utility", "median lead h", "threshold"} <= set(c.table.columns)
    assert list(c.table.index) == ["NEWS2", "perfect", "always alert"]
    assert c.prevalence["test_patients"] == 12 and c.prevalence["test_septic"] == 4
    lo, hi = c.values.query("model == 'NEWS2' and metric == 'auroc'")[["ci_low", "ci_high"]].iloc[0]
    assert lo < v[("NEWS2", "auroc")] < hi


def test_thresholds_come_from_validation_patients() -> None:
    frame = _cohort()
    _, _, best = utility_rows(frame["SepsisLabel"].to_numpy(), frame["patient"].to_numpy())
    score = best.astype(float)  # the optimal alerts: utility 1 at threshold 1
    score[frame["split"].to_numpy() == "test"] = 5.0  # test scores must not move the threshold
    t = choose_thresholds(frame, pd.DataFrame({"m": score}, index=frame.index), "utility")
    assert t.loc["m", "threshold"] == 1.0 and t.loc["m", "val_utility"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="threshold rule"):
        choose_thresholds(frame, pd.DataFrame({"m": score}), "auc")
