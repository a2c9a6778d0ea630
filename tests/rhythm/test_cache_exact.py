"""Rhythm feature caches give back exactly what was computed: cold and warm runs train the same models."""

from __future__ import annotations

import pandas as pd

from vitalkit.rhythm.af import cinc_features
from vitalkit.rhythm.shockable import record_shock_features
from vitalkit.rhythm.sources import cinc_subset


def test_shock_features_are_identical_cold_and_warm(tmp_path, monkeypatch):
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path))
    cold = record_shock_features("cudb", "cu01")
    warm = record_shock_features("cudb", "cu01")
    numeric = cold.select_dtypes("number").columns
    assert len(numeric) > 10
    pd.testing.assert_frame_equal(cold[numeric], warm[numeric], check_exact=True, check_dtype=False)


def test_af_record_features_are_identical_cold_and_warm(tmp_path, monkeypatch):
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path))
    records = cinc_subset(2, seed=3)
    cold = cinc_features(records, progress=False)
    warm = cinc_features(records, progress=False)
    pd.testing.assert_frame_equal(cold, warm, check_exact=True)
