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


def test_a_row_computed_from_other_data_is_computed_again(tmp_path, monkeypatch):
    """The cache key carries the data's fingerprint: same name, other contents, new row."""
    from vitalkit.rhythm.features import FEATURE_NAMES, cached_features

    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path))
    data = {"r1": "aaa", "r2": "bbb"}
    calls: list[str] = []

    def compute(key: str) -> dict[str, float]:
        calls.append(key)
        return dict.fromkeys(FEATURE_NAMES, float(len(calls)))

    first = cached_features(["r1", "r2"], compute, "t", progress=False, fingerprint=data.get)
    again = cached_features(["r1", "r2"], compute, "t", progress=False, fingerprint=data.get)
    assert calls == ["r1", "r2"]
    pd.testing.assert_frame_equal(first, again, check_exact=True)
    data["r2"] = "ccc"  # r2's files changed (another data folder, an edited record)
    changed = cached_features(["r1", "r2"], compute, "t", progress=False, fingerprint=data.get)
    assert calls == ["r1", "r2", "r2"]
    assert changed.loc["r1"].equals(first.loc["r1"]) and not changed.loc["r2"].equals(first.loc["r2"])


def test_cache_names_follow_the_code_that_computes_them(monkeypatch) -> None:
    """Feature caches are keyed by the source of their code (and the detection's): edited code
    never reads values the old code wrote."""
    from vitalkit.rhythm import features, shockable

    before = features._cache_file("x"), shockable._cache_path("cudb", "cu01", {"window_s": 8.0})
    monkeypatch.setattr(features, "code_fingerprint", lambda *code, **kw: "edited")
    monkeypatch.setattr(shockable, "code_fingerprint", lambda *code, **kw: "edited")
    after = features._cache_file("x"), shockable._cache_path("cudb", "cu01", {"window_s": 8.0})
    assert after[0] != before[0] and "edited" in after[0].name
    assert after[1].parent != before[1].parent and "edited" in after[1].parent.name
