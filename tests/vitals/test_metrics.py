"""Weighted AUROC / AUPRC against scikit-learn, prevalence weights, lead times."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from vitalkit.vitals.metrics import (
    average_precision,
    lead_times,
    prevalence_weights,
    ranking_metrics,
    roc_auc,
)


@pytest.mark.parametrize("seed", range(6))
def test_match_sklearn_with_ties_and_weights(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 500))
    y = rng.integers(0, 2, n)
    s = rng.integers(0, 8, n).astype(float)  # many ties
    w = rng.random(n) * 5
    assert roc_auc(y, s) == pytest.approx(roc_auc_score(y, s), abs=1e-12)
    assert roc_auc(y, s, w) == pytest.approx(roc_auc_score(y, s, sample_weight=w), abs=1e-12)
    assert average_precision(y, s) == pytest.approx(average_precision_score(y, s), abs=1e-12)
    assert average_precision(y, s, w) == pytest.approx(
        average_precision_score(y, s, sample_weight=w), abs=1e-12
    )
    (a, p), (aw, pw) = ranking_metrics(y, s, (None, w))
    assert pw == average_precision(y, s, w)
    assert (a, p) == (roc_auc(y, s), average_precision(y, s)) and aw == roc_auc(y, s, w)


def test_undefined_and_nan_scores() -> None:
    assert np.isnan(roc_auc(np.zeros(5), np.arange(5.0)))
    assert np.isnan(average_precision(np.zeros(5), np.arange(5.0)))
    assert roc_auc(np.array([0, 1, 1]), np.array([0.5, np.nan, 0.9])) == 0.5  # NaN ranks lowest


def test_prevalence_weights_reach_the_target() -> None:
    septic = np.array([True] * 34 + [False] * 66)
    w = prevalence_weights(septic, 0.057)
    assert w[septic].sum() / w.sum() == pytest.approx(0.057)
    # counted per patient from rows: patient shares sum to the patient count
    rows_septic = np.repeat([True, False, False], [5, 2, 3])
    share = np.r_[np.full(5, 1 / 5), np.full(2, 1 / 2), np.full(3, 1 / 3)]
    w = prevalence_weights(rows_septic, 0.2, share)
    assert (w * share)[rows_septic].sum() / (w * share).sum() == pytest.approx(0.2)
    with pytest.raises(ValueError, match="target prevalence"):
        prevalence_weights(septic, 1.5)


def test_lead_times() -> None:
    f = pd.DataFrame(
        {
            "patient": ["a"] * 20 + ["b"] * 5 + ["c"] * 8,
            "septic": [True] * 20 + [False] * 5 + [True] * 8,
            "censored": [False] * 25 + [True] * 8,
            "hours_to_onset": [*range(17, -3, -1), *[np.nan] * 5, *range(2, -6, -1)],
        }
    )
    alert = np.zeros(len(f), bool)
    alert[[2, 9, 15]] = True  # a: 15 h (outside the 12 h window), 8 h and 2 h before onset
    alert[22] = True  # b: a false alarm
    t = lead_times(f, alert, window_h=12)
    assert list(t.index) == ["a", "b"]  # censored patient c has no lead time
    assert t.loc["a", "lead_h"] == 8 and t.loc["a", "alerted"]
    assert np.isnan(t.loc["b", "lead_h"]) and t.loc["b", "alerted"]
