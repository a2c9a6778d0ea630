"""The percentile ensemble of learned risks: a fixed map learned on validation rows."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from vitalkit.vitals.ensemble import percentile_average, validation_percentile


def test_percentile_map_uses_reference_rows_only() -> None:
    score = np.array([5.0, 1.0, 2.0, 100.0])
    ref = np.array([True, True, True, False])  # the test row (100) does not move the map
    assert validation_percentile(score, score[ref]).tolist() == [1.0, 1 / 3, 2 / 3, 1.0]
    with pytest.raises(ValueError, match="no finite reference"):
        validation_percentile(score, np.array([np.nan]))


def test_ensemble_is_scale_free_and_beats_a_noisy_member() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(4000) < 0.2
    a = y + rng.normal(scale=1.0, size=y.size)  # two independent noisy views of y
    b = 1e3 * (y + rng.normal(scale=1.0, size=y.size)) - 7  # on another scale
    val = np.arange(y.size) < 2000
    ens = percentile_average({"a": a, "b": b}, val)
    test = ~val
    auc = {k: roc_auc_score(y[test], s[test]) for k, s in {"a": a, "b": b, "ens": ens}.items()}
    assert auc["ens"] > max(auc["a"], auc["b"]) + 0.02
    same = percentile_average({"a": a, "b": (b + 7) / 1e3}, val)  # rescaling a member changes nothing
    np.testing.assert_allclose(same, ens)
