"""Rhythm timelines of real records: VF markers, rhythm annotations, CinC labels."""

from __future__ import annotations

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.rhythm.sources import cinc_labels, cinc_subset, read_rhythm_record, resolve_sources


def test_cudb_vf_episodes_match_the_markers(data_dir):
    # 47 '[' markers in the 35 records (README of the data folder); every one starts an episode.
    names = resolve_sources({"cudb": "all"})["cudb"]
    assert len(names) == 35
    episodes = sum(len(read_rhythm_record("cudb", n).timeline.episodes({"VF"})) for n in names)
    assert episodes == 47


def test_cu01_timeline(data_dir):
    rec = read_rhythm_record("cudb", "cu01")
    assert rec.sampling_rate == 250.0 and rec.signal.size == 127232
    vf = rec.timeline.episodes({"VF"})
    assert vf[["start", "end"]].values.tolist() == [[53541, 127232]]  # unclosed: runs to the end


def test_vfdb_418_flutter_episodes(data_dir):
    rec = read_rhythm_record("vfdb", "418")
    vfl = rec.timeline.episodes({"VFL"})
    assert len(vfl) == 60  # 60 '(VFL' annotations
    assert vfl["duration_s"].sum() == pytest.approx(246.05, abs=0.1)


def test_mitdb_207_rhythms_and_vt_rates(data_dir):
    rec = read_rhythm_record("mitdb", "207")
    t = rec.timeline.rhythm
    assert {"B", "VT", "VF", "IVR", "SVTA", "N"} <= set(t["rhythm"])
    vt = t[t["rhythm"].str.startswith("VT")]
    assert np.all((vt["rate_bpm"] > 100) & (vt["rate_bpm"] < 250))
    # contiguous and covering the record
    assert t["start"].iloc[0] == 0 and t["end"].iloc[-1] == rec.signal.size
    assert (t["start"].to_numpy()[1:] == t["end"].to_numpy()[:-1]).all()


def test_cinc_labels_and_subset(data_dir):
    labels = cinc_labels()
    # the shared subset: every A and ~ record, 1,200 N and 1,200 O (v3 labels; data README)
    assert labels.value_counts().to_dict() == {"N": 1200, "O": 1200, "A": 738, "~": 284}
    chosen = cinc_subset(3, seed=1)
    assert len(chosen) == 12 and labels.loc[chosen].value_counts().tolist() == [3, 3, 3, 3]
    rec = read_rhythm_record("cinc2017", chosen[0])
    assert rec.sampling_rate == 300.0 and rec.timeline.rhythm["rhythm"].nunique() == 1


def test_unknown_database_and_record_are_named():
    with pytest.raises(DataError, match="afdb"):
        resolve_sources({"afdb": "all"})
    with pytest.raises(DataError, match="cu99"):
        resolve_sources({"cudb": ["cu99"]})
