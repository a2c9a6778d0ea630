"""MI features on real PTB-XL records, fold-wise cross-validation, metrics with CIs."""

import numpy as np
import pandas as pd
import pytest

from vitalkit.clinical.mi import cross_validate, ecg_mi_features, mi_evaluation, mi_metrics
from vitalkit.data import ptbxl
from vitalkit.errors import DataError


def test_features_of_real_records(data_dir):
    table = ptbxl.load_database(data_dir)
    normal = ptbxl.read_record(table, 1, data_dir)  # NORM, 64 bpm
    feats = ecg_mi_features(normal.signal, normal.sampling_rate, tuple(normal.channel_names))
    assert len(feats) == 75 and feats.notna().mean() > 0.95
    assert feats["hr_bpm"] == pytest.approx(63.8, abs=2)
    assert 80 <= feats["qrs_ms"] <= 130 and 380 <= feats["qtc_ms"] <= 480
    assert abs(feats["II_st60"]) < 0.1 and feats["II_r"] > 0.2


def test_an_inferior_mi_has_q_waves_in_the_inferior_leads(data_dir):
    table = ptbxl.load_database(data_dir)
    imi = [
        i
        for i in table.index
        if "IMI" in table.loc[i, "scp_codes"] and table.loc[i, "scp_codes"]["IMI"] >= 100
    ]
    deep = 0
    for ecg_id in imi[:4]:
        rec = ptbxl.read_record(table, ecg_id, data_dir)
        feats = ecg_mi_features(rec.signal, rec.sampling_rate, tuple(rec.channel_names))
        deep += max(feats["III_qr"], feats["AVF_qr"]) > 0.25
    assert deep >= 2


def _toy(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    mi = rng.random(n) < 0.2
    return pd.DataFrame(
        {
            "patient_id": np.arange(n),
            "strat_fold": np.arange(n) % 10 + 1,
            "MI": mi,
            "V2_st60": rng.normal(0, 0.05, n) + 0.15 * mi,
            "noise": rng.normal(0, 1, n),
        }
    )


@pytest.mark.parametrize("model", ["logreg", "boosting"])
def test_cross_validation_finds_a_real_signal(model):
    oof = cross_validate(_toy(), model)
    assert oof["prob"].notna().all()
    metrics = mi_metrics(oof, n_boot=200)
    assert metrics.loc["auroc", "value"] > 0.9
    assert metrics.loc["auroc", "ci_low"] <= metrics.loc["auroc", "value"] <= metrics.loc["auroc", "ci_high"]


def test_no_signal_gives_chance_auroc():
    toy = _toy().drop(columns=["V2_st60"])
    auroc = mi_metrics(cross_validate(toy, "logreg"), n_boot=100).loc["auroc", "value"]
    assert 0.3 < auroc < 0.7


def test_a_patient_in_two_folds_is_refused():
    toy = _toy()
    toy.loc[1, "patient_id"] = 0
    with pytest.raises(ValueError, match="more than one strat_fold"):
        cross_validate(toy)


def test_too_few_mi_records_is_a_clear_error():
    toy = _toy()
    toy["MI"] = False
    toy.loc[:2, "MI"] = True
    with pytest.raises(DataError, match="only 3 MI records"):
        mi_evaluation(toy)


def test_too_few_beats_is_a_clear_error():
    with pytest.raises(ValueError, match="R peak"):
        ecg_mi_features(np.zeros((1000, 12)), 100.0)


def test_f1_sensitivity_and_ppv_at_the_threshold():
    # 10 MI, 30 other; 8 MI and 4 others flagged: F1 = 2*8 / (10 + 12), PPV = 8/12
    y = np.r_[np.ones(10, bool), np.zeros(30, bool)]
    prob = np.r_[np.full(8, 0.9), np.full(2, 0.1), np.full(4, 0.8), np.full(26, 0.2)]
    oof = pd.DataFrame({"patient_id": np.arange(40), "MI": y, "prob": prob})
    metrics = mi_metrics(oof, n_boot=100)
    assert metrics.loc["f1", "value"] == pytest.approx(16 / 22)
    assert metrics.loc["sensitivity", "value"] == pytest.approx(0.8)
    assert metrics.loc["ppv", "value"] == pytest.approx(8 / 12)
    assert metrics.loc["specificity", "value"] == pytest.approx(26 / 30)
    assert metrics.loc["f1", "ci_low"] < 16 / 22 < metrics.loc["f1", "ci_high"]


def test_a_smoke_subset_keeps_every_mi_record(data_dir, monkeypatch):
    from vitalkit.clinical import mi

    monkeypatch.setattr(mi, "ecg_mi_features", lambda *a, **k: pd.Series({"hr_bpm": 60.0}))
    features = mi.ptbxl_features(60, data_dir, use_cache=False)
    table = ptbxl.load_database(data_dir)
    assert len(features) == 60 and features.index.is_monotonic_increasing
    assert features["MI"].sum() == min(int(table["MI"].sum()), 60)


def test_ptbxl_features_are_identical_cold_and_warm(data_dir):
    """The feature cache reads back the exact floats that were computed (not 1 ulp off)."""
    from vitalkit import config
    from vitalkit.clinical.mi import ptbxl_features

    cold = ptbxl_features(6, data_dir)
    assert list((config.cache_dir() / "ptbxl_mi").glob("features-*.csv"))  # the private cache (conftest)
    warm = ptbxl_features(6, data_dir)
    assert cold.select_dtypes("float").shape[1] > 50
    pd.testing.assert_frame_equal(cold, warm, check_exact=True)
