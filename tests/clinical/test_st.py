"""ST deviation on synthetic beats with a known elevation, episodes by the threshold rule."""

import numpy as np
import pandas as pd
import pytest

from vitalkit.clinical.st import ecg_st, st_episodes, st_trend
from vitalkit.clinical.st_validation import episode_agreement, miss_summary, missed_episodes, record_st


@pytest.mark.parametrize("st_mv", [0.2, 0.0, -0.15])
def test_known_st_deviation_is_measured(synthetic_ecg, st_mv):
    ecg = synthetic_ecg(st_mv=st_mv)
    st = ecg_st(ecg.signal, ecg.sampling_rate, ecg.r)
    assert st["st60_mv"].median() == pytest.approx(st_mv, abs=0.02)
    assert st["st80_mv"].median() == pytest.approx(st_mv, abs=0.02)


def test_baseline_wander_and_noise_do_not_bias_st(synthetic_ecg):
    ecg = synthetic_ecg(st_mv=0.2, wander_mv=0.3, noise_mv=0.02, n_beats=60)
    st = ecg_st(ecg.signal, ecg.sampling_rate, ecg.r)
    assert st["st60_mv"].median() == pytest.approx(0.2, abs=0.03)
    assert st["st60_mv"].std() < 0.05


def test_low_sampling_rate_still_measures_st(synthetic_ecg):
    ecg = synthetic_ecg(sampling_rate=100.0, st_mv=-0.1)
    assert ecg_st(ecg.signal, 100.0, ecg.r)["st60_mv"].median() == pytest.approx(-0.1, abs=0.02)


def test_episode_needs_threshold_and_duration():
    t = np.arange(0, 200.0)
    dev = np.zeros_like(t)
    dev[20:49] = 0.15  # 28 s: too short
    dev[100:140] = -0.12  # 39 s: an episode
    dev[160:195] = 0.08  # below threshold
    episodes = st_episodes(pd.DataFrame({"time_s": t, "st_mv": dev}))
    assert episodes[["start_s", "end_s", "direction"]].values.tolist() == [[100.0, 139.0, "-"]]
    assert episodes["extreme_mv"].iloc[0] == pytest.approx(-0.12)


def test_initial_reference_removes_a_constant_offset():
    t = np.arange(0, 150.0)
    dev = np.full_like(t, -0.2)
    dev[60:100] = 0.0  # back to the PR level: a +0.2 change from the start
    trend = pd.DataFrame({"time_s": t, "st_mv": dev})
    assert len(st_episodes(trend)) == 2  # against the PR level: two depressions
    changes = st_episodes(trend, reference="initial")
    assert changes["direction"].tolist() == ["+"]


def test_trend_is_a_centred_median():
    st = pd.DataFrame({"time_s": np.arange(10.0), "st_mv": [0, 0, 0, 1, 0, 0, 0, 0, 0, 0.0]})
    assert st_trend(st, window_s=3.0)["st_mv"].max() == 0.0


def test_edb_st_episode_is_found_on_a_real_record(data_dir):
    """sele0116: the annotated ST elevation in lead 1 (0.3 mV) is found, in the right direction."""
    result = record_st("sele0116")
    counts = episode_agreement(result["episodes"], result["reference"])
    assert counts["reference"] == 2 and counts["found"] == 2
    assert counts["confirmed"] == counts["ours"]
    lead1 = result["episodes"][result["episodes"]["channel"] == 1]
    assert (lead1["direction"] == "+").all() and lead1["extreme_mv"].max() > 0.2


def test_misses_are_explained_on_real_records(data_dir):
    """sele0203's two episodes run from the excerpt's start (the initial reference sits inside
    them; from the PR level they exceed 0.1 mV); sele0116's found episodes are no misses."""
    results = {r: record_st(r, reference="initial") for r in ("sele0203", "sele0116")}
    missed = missed_episodes(results, reference="initial")
    assert missed["record"].tolist() == ["sele0203", "sele0203"]
    assert (missed["reason"] == "begins with the excerpt").all()
    assert (missed["isoelectric_mv"] > 0.1).all() and (missed["our_change_mv"] < 0.1).all()
    assert miss_summary(missed, 4).loc["begins with the excerpt", "share of annotated %"] == 50.0


def test_a_miss_below_threshold_and_a_found_episode():
    t = np.arange(0.0, 300.0)
    trend = pd.DataFrame({"time_s": t, "st_mv": 0.0, "channel": 0})
    trend.loc[(t >= 150) & (t < 200), "st_mv"] = 0.05
    reference = pd.DataFrame(
        {"channel": [0, 0], "direction": ["+", "-"], "start_s": [140.0, 40.0], "end_s": [210.0, 100.0]}
    )
    ours = pd.DataFrame({"channel": [0], "direction": ["-"], "start_s": [50.0], "end_s": [90.0]})
    missed = missed_episodes({"x": {"trend": trend, "reference": reference, "episodes": ours}}, "initial")
    assert missed[["direction", "reason", "our_change_mv"]].values.tolist() == [
        ["+", "below threshold", 0.05]
    ]


def test_bad_input_is_a_clear_error():
    with pytest.raises(ValueError, match="non-finite"):
        ecg_st(np.r_[np.zeros(1000), np.nan, np.zeros(1000)], 250.0)
    with pytest.raises(ValueError, match="unknown reference"):
        st_episodes(pd.DataFrame({"time_s": [0.0], "st_mv": [0.0]}), reference="start")
    assert ecg_st(np.zeros(2500), 250.0).empty  # flat line: no beats, no rows


def test_st_beats_are_identical_cold_and_warm(data_dir):
    """The cached table reads back the exact floats (the default CSV parser is 1 ulp off in most cells)."""
    from vitalkit import config
    from vitalkit.clinical.st_validation import record_st_beats

    cold = record_st_beats("sel100", data_dir)
    assert list((config.cache_dir() / "qtdb_st").rglob("sel100-*.csv"))  # the private cache (conftest)
    warm = record_st_beats("sel100", data_dir)
    assert len(cold) > 1000
    pd.testing.assert_frame_equal(cold, warm, check_exact=True)
