"""The ``dominant`` ST reference (the lead's modal level), hysteresis, merging, and the EDB split."""

import re

import numpy as np
import pandas as pd
import pytest

from vitalkit.clinical.st import DOMINANT_SETTINGS, dominant_level, reference_level, st_episodes
from vitalkit.clinical.st_validation import (
    EDB_HELDOUT,
    EDB_TUNING,
    agreement_by_half,
    episode_agreement,
    missed_episodes,
    record_st,
)
from vitalkit.data import qtdb


def _trend(level: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"time_s": np.arange(float(level.size)), "st_mv": level})


def test_dominant_level_is_the_mode_not_the_median():
    level = np.r_[np.full(300, 0.05), np.linspace(0.1, 0.6, 450)]  # median 0.18, mode 0.05
    assert dominant_level(level) == pytest.approx(0.05, abs=0.01)
    assert np.median(level) > 0.1
    noisy = 0.05 + 0.01 * np.random.default_rng(0).standard_normal(500)
    assert dominant_level(noisy) == pytest.approx(0.05, abs=0.01)
    assert dominant_level(noisy) == dominant_level(noisy[::-1])  # order does not matter


def test_resting_offset_is_no_episode_but_an_episode_at_the_start_is_found():
    level = np.r_[np.full(120, -0.45), np.full(780, -0.6)]  # ST 0.6 mV below PR, less so at first
    trend = _trend(level)
    assert len(st_episodes(trend, reference="isoelectric")) == 1  # the whole record
    assert st_episodes(trend, reference="initial")["direction"].tolist() == ["-"]  # wrong: 120-899 s
    found = st_episodes(trend, reference="dominant")
    assert found[["start_s", "end_s", "direction"]].values.tolist() == [[0.0, 119.0, "+"]]
    assert found["extreme_mv"].iloc[0] == pytest.approx(0.15, abs=0.01)
    assert reference_level(trend, "dominant") == pytest.approx(-0.6, abs=0.005)


def test_hysteresis_and_merging_join_one_episode():
    level = np.zeros(600)
    level[200:240] = 0.15
    level[240:250] = 0.09  # a dip just under the threshold: bridged by the 0.02 mV hysteresis
    level[250:290] = 0.15
    level[330:350] = 0.15  # 40 s later, 20 s over: merged (gap under 60 s)
    trend = _trend(level)
    plain = st_episodes(trend, reference="dominant", hysteresis_mv=0.0, merge_gap_s=0.0)
    assert plain[["start_s", "end_s"]].values.tolist() == [[200.0, 239.0], [250.0, 289.0]]
    bridged = st_episodes(trend, reference="dominant", merge_gap_s=0.0)
    assert bridged[["start_s", "end_s"]].values.tolist() == [[200.0, 289.0]]
    merged = st_episodes(trend, reference="dominant")
    assert merged[["start_s", "end_s"]].values.tolist() == [[200.0, 349.0]]
    assert DOMINANT_SETTINGS["merge_gap_s"] == 60.0 and DOMINANT_SETTINGS["hysteresis_mv"] == 0.02


def test_the_older_references_keep_their_behaviour():
    rng = np.random.default_rng(1)
    trend = _trend(np.repeat(rng.normal(0.0, 0.1, 40), 25))
    for reference in ("isoelectric", "initial"):
        default = st_episodes(trend, reference=reference)
        explicit = st_episodes(trend, reference=reference, hysteresis_mv=0.0, merge_gap_s=0.0)
        pd.testing.assert_frame_equal(default, explicit)
    with pytest.raises(ValueError, match="hysteresis_mv"):
        st_episodes(trend, reference="dominant", hysteresis_mv=0.1)
    with pytest.raises(ValueError, match="unknown reference"):
        reference_level(trend, "modal")
    assert st_episodes(_trend(np.full(50, np.nan)), reference="dominant").empty


def test_edb_split_is_disjoint_complete_and_keeps_possible_patients_together(data_dir):
    assert not set(EDB_TUNING) & set(EDB_HELDOUT)
    assert sorted(EDB_TUNING + EDB_HELDOUT) == sorted(qtdb.resolve_records("EDB"))
    half = {r: "tuning" if r in EDB_TUNING else "held-out" for r in EDB_TUNING + EDB_HELDOUT}
    groups: dict[str, set[str]] = {}
    for record in half:
        header = qtdb.record_path(record, data_dir).with_suffix(".hea").read_text()
        age, sex = re.search(r"Age:\s*(\S+)\s+Sex:\s*(\S+)", header).groups()
        if age != "-":
            groups.setdefault(age + sex, set()).add(half[record])
    assert all(len(halves) == 1 for halves in groups.values())


def test_dominant_reference_finds_episodes_under_way_at_the_start(data_dir):
    """sele0606 (tuning half): both leads depressed for the first 4.6 and 5.9 min. The initial
    reference sits inside them and sees a rise instead (2 unconfirmed episodes); the dominant
    reference finds both, in the right direction, and one short borderline dip after them."""
    initial = record_st("sele0606", reference="initial")
    counts = episode_agreement(initial["episodes"], initial["reference"])
    assert counts == {"reference": 2, "found": 0, "ours": 2, "confirmed": 0}
    dominant = record_st("sele0606")
    counts = episode_agreement(dominant["episodes"], dominant["reference"])
    assert counts == {"reference": 2, "found": 2, "ours": 3, "confirmed": 2}
    extra = dominant["episodes"].iloc[-1]  # lead 1 dips to -0.12 mV for 34 s after its episode
    assert extra["duration_s"] < 40 and extra["extreme_mv"] > -0.15
    assert (dominant["episodes"]["direction"] == "-").all()
    assert (dominant["episodes"]["start_s"].iloc[:2] < 60).all()


def test_a_record_long_episode_is_a_miss_that_spans_the_excerpt(data_dir):
    """sele0203: both annotated episodes cover 11-12 of the 15 min, so the modal level lies in them."""
    results = {"sele0203": record_st("sele0203")}
    missed = missed_episodes(results)
    assert missed["reason"].tolist() == ["spans the excerpt", "spans the excerpt"]
    assert (missed["isoelectric_mv"] > 0.2).all()


def test_agreement_by_half_sums_each_half():
    counts = pd.DataFrame(
        {"reference": [2, 1, 0], "found": [1, 1, 0], "ours": [1, 2, 1], "confirmed": [1, 1, 0]},
        index=["sele0104", "sele0106", "sele0107"],
    )
    counts.loc["total"] = counts.sum()
    table = agreement_by_half(counts)
    assert table.loc["tuning half", ["records", "annotated", "found", "ours"]].tolist() == [2, 2, 1, 2]
    assert table.loc["held-out half", "+P %"] == 50.0
    assert table.loc["all", "Se %"] == pytest.approx(66.7)
