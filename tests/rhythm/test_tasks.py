"""AF, shockable and per-type measurements on small real slices (cache in a temporary folder)."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.rhythm.af import cinc_cross_validation, episode_check, fit_cinc, mitdb_af_check
from vitalkit.rhythm.shockable import delay_summary, shockable_cross_validation, shockable_table
from vitalkit.rhythm.sources import cinc_subset
from vitalkit.rhythm.types import per_type_table, rhythm_type_predictions


@pytest.fixture(autouse=True)
def _tmp_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))


def test_af_cross_validation_on_a_real_subset(data_dir):
    cv = cinc_cross_validation(
        per_class=20, k=2, hparams={"max_iter": 40, "min_samples_leaf": 3}, progress=False
    )
    p = cv.predictions
    assert len(p) == 80 and set(p["fold"]) == {0, 1}
    assert p.groupby("fold")["label"].value_counts().min() == 10  # stratified: 10 per class per fold
    # measured on this slice: F1 A 0.58, ~ 0.78, challenge score 0.48 (chance: 0.25)
    assert cv.table.loc["A", "F1"] > 0.45 and cv.table.loc["~", "F1"] > 0.6
    assert 0.4 < cv.metrics["challenge_score"] <= 1
    lo, hi = cv.metrics["challenge_score_ci95"]
    assert lo <= cv.metrics["challenge_score"] <= hi


def test_mitdb_af_episodes_found(data_dir):
    model = fit_cinc(cinc_subset(10), hparams={"max_iter": 40, "min_samples_leaf": 3})
    out, windows = mitdb_af_check(model, ["201"], stride_s=60.0)
    # record 201 has 2 AF episodes of 30 s or more
    assert out["af_episodes"] >= 1 and out["episodes_detected"] >= 1
    assert set(windows.columns) >= {"record", "p_af", "called_af"}


def test_episode_check_counts_false_alarms():
    import pandas as pd

    w = pd.DataFrame({"record": "r", "start_s": [0.0, 10, 20, 30, 40], "end_s": [10.0, 20, 30, 40, 50]})
    ep = {"r": pd.DataFrame({"start_s": [12.0], "end_s": [25.0]})}
    out = episode_check(w, np.array([0, 0, 0, 1, 1], bool), ep, 2.0)
    assert (
        out["episode_sensitivity"] == 0.0 and out["false_alarms"] == 1 and out["false_alarms_per_hour"] == 0.5
    )


def test_shockable_cv_detects_vf_in_cudb(data_dir):
    cudb = ["cu01", "cu02", "cu03", "cu05", "cu06", "cu07", "cu08", "cu09", "cu10"]
    table = shockable_table(
        {"cudb": cudb, "mitdb": ["100"]}, strides={"cudb": 2.0, "mitdb": 8.0}, progress=False
    )
    cv = shockable_cross_validation(table, k=3, hparams={"max_iter": 60})
    assert set(cv.windows["fold"]) == {0, 1, 2}
    assert cv.windows.groupby("record")["fold"].nunique().max() == 1  # no record in two folds
    # measured on this slice: VF Se 92.7%, non-shockable Sp 94.8%
    assert cv.table.loc["VF/VFL", "value_%"] > 85
    assert cv.table.loc["non-shockable", "value_%"] > 90
    summary = delay_summary(cv.delays)
    assert summary.loc["all", "episodes"] == 10 and summary.loc["all", "delay_median_s"] < 10


def test_rhythm_types_measured_per_type(data_dir):
    pred = rhythm_type_predictions(["201", "208"], ["203"], hparams={"max_iter": 40})
    # 8-s windows every 4 s of record 203 that are mostly one clean rhythm (reference annotations)
    assert pred["true"].value_counts().to_dict() == {"AFIB": 335, "AFL": 62, "VT": 1}
    import pandas as pd

    beats = pd.DataFrame({"true": ["N"] * 12, "predicted": ["N"] * 12})
    table = per_type_table(beats, pred)
    assert table.loc["rhythm:AFIB", "count"] == 335 and table.loc["rhythm:AFIB", "note"] == ""
    assert table.loc["rhythm:VT", "note"] == "too few examples" and table.loc["beat:V", "count"] == 0
    assert table.loc["beat:N", "Se"] == 100.0
