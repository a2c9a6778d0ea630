"""Rhythm windows: common rate, labels from timelines, noise class, record-level folds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from vitalkit.rhythm.dataset import build_rhythm_windows, window_table
from vitalkit.rhythm.sources import cinc_subset, iter_records
from vitalkit.splits import record_folds


def test_shockable_windows_of_real_records(data_dir):
    src = {"cudb": ["cu01", "cu02"], "vfdb": ["418"]}
    w = build_rhythm_windows(iter_records(src), "shockable", 8.0, {"cudb": 4.0, "vfdb": 8.0}, progress=False)
    assert w.windows.windows.shape[1:] == (1, 1000)  # 8 s at the common 125 Hz
    assert w.windows.sampling_rate == 125.0
    counts = w.windows.class_counts()
    assert counts["shockable"] > 50 and counts["non-shockable"] > 50
    # cu01: VF from sample 53541 / 250 Hz = 214.2 s; a window is shockable when mostly after it
    cu01 = w.index["record"] == "cudb/cu01"
    labels = np.asarray(w.windows.classes)[w.windows.labels[cu01.to_numpy()]]
    starts = w.index.loc[cu01, "start_s"].to_numpy()
    assert (labels[starts >= 214.2] == "shockable").all() and (
        labels[starts + 8 <= 214.2] == "non-shockable"
    ).all()
    assert "VF" in window_table(w).index.get_level_values("rhythm")


def test_af_task_keeps_noise_as_a_class(data_dir):
    records = cinc_subset(2, seed=0)
    w = build_rhythm_windows(iter_records({"cinc2017": records}), "af", 9.0, 4.5, progress=False)
    assert set(w.windows.class_counts()) == {"N", "A", "O", "~"}
    assert w.windows.class_counts()["~"] > 0
    assert set(w.index["record"].str.split("/").str[1]) == set(records)


def test_record_folds_never_split_a_record_or_patient():
    strata = pd.Series(["x", "y", "x", "y", "x", "y", "x", "y"], index=list("abcdefgh"))
    patients = pd.Series(["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4"], index=list("abcdefgh"))
    fold = record_folds(strata, k=2, seed=0, patients=patients)
    assert fold.groupby(patients).nunique().max() == 1
    assert sorted(fold.value_counts().tolist()) == [4, 4]
