"""The beat dataset built from real MIT-BIH records."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.beats.dataset import build_beat_dataset
from vitalkit.data import mitdb
from vitalkit.errors import DataError
from vitalkit.samples import BeatScaler, SampleFolder


@pytest.fixture(scope="module")
def small_sets():
    return build_beat_dataset(
        {"train": ["101", "106"], "val": ["119"], "test": ["232"]},
        classes=["N", "S", "V", "F"],
        progress=False,
    )


def test_class_counts_match_annotations(small_sets) -> None:
    sets, summary = small_sets
    # record 232: 398 N + 1382 A in the directory; windows at the record edges are dropped
    test = sets["test"].class_counts()
    assert test["S"] == 1382 and 396 <= test["N"] <= 398
    assert sets["train"].windows.shape[1:] == (1, round(0.25 * 360) + round(0.45 * 360))
    assert sets["train"].channels == ("MLII",)
    assert set(sets["train"].record.tolist()) == {"101", "106"}
    assert summary.set_index("record").loc["101", "dropped_symbols"]["Q"] == 2


def test_whole_inter_patient_dataset_matches_de_chazal() -> None:
    # de Chazal et al. 2004, Table I: DS1 S 944, V 3788; DS2 S 1837, V 3221, F 388.
    # Beats whose window would cross a record edge are dropped (at most 2 per record).
    sets, _ = build_beat_dataset({"DS1": list(mitdb.DS1), "DS2": list(mitdb.DS2)}, progress=False)
    ds1, ds2 = sets["DS1"].class_counts(), sets["DS2"].class_counts()
    assert ds1["S"] == 944 and ds1["V"] == 3788 and 412 <= ds1["F"] <= 415
    assert ds2["S"] == 1837 and 3219 <= ds2["V"] <= 3221 and ds2["F"] == 388
    assert 45_800 < ds1["N"] <= 45_866 and 44_200 < ds2["N"] <= 44_259


def test_detected_positions_label_matched_beats(mitdb_100: Path) -> None:
    sets, summary = build_beat_dataset({"x": ["100"]}, positions="detected", detector="xqrs", progress=False)
    row = summary.iloc[0]
    assert row["missed"] < 10 and row["unmatched_detections"] < 10
    assert sets["x"].class_counts()["S"] >= 30


def test_template_channel_and_symbol_labels() -> None:
    sets, _ = build_beat_dataset(
        {"x": ["208"]}, classes=["N", "V", "F", "S"], labeling="symbol", context=["template"], progress=False
    )
    beats = sets["x"]
    assert beats.channels == ("MLII", "MLII:template") and beats.windows.shape[1] == 2
    assert beats.class_counts() == {"N": 1585, "V": 992, "F": 372, "S": 2}  # symbols (one F at the edge)
    n_beat = beats.windows[beats.labels == 0, 0].mean(axis=0)
    template = beats.windows[:, 1].mean(axis=0)
    v_beat = beats.windows[beats.labels == 1, 0].mean(axis=0)
    # the template (running median of previous beats) looks like the record's N beats, not V
    assert np.abs(template - n_beat).mean() < 0.5 * np.abs(template - v_beat).mean()


def test_unknown_context_and_labeling() -> None:
    with pytest.raises(DataError, match="unknown context channel"):
        build_beat_dataset({"x": ["100"]}, context=["rhythm"], progress=False)
    with pytest.raises(DataError, match="labeling must be one of"):
        build_beat_dataset({"x": ["100"]}, labeling="fine", progress=False)


def test_record_in_two_splits_is_rejected() -> None:

    with pytest.raises(DataError, match="record is in both the train and test splits"):
        build_beat_dataset({"train": ["100"], "test": ["100"]}, progress=False)


def test_save_and_load_roundtrip(small_sets, tmp_path: Path) -> None:
    sets, summary = small_sets
    scaler = BeatScaler().fit(sets["train"].windows, sets["train"].rr)
    counts = SampleFolder(tmp_path).save(sets, summary, {"seed": 0}, scaler)
    assert counts.loc["test", "total"] == len(sets["test"])
    back = SampleFolder(tmp_path).load("val")
    np.testing.assert_array_equal(back.windows, sets["val"].windows)
    assert back.classes == ("N", "S", "V", "F") and back.sampling_rate == 360.0
    assert {p.name for p in tmp_path.iterdir()} >= {
        "train.npz",
        "val.npz",
        "test.npz",
        "split.json",
        "scaler.json",
        "class_counts.csv",
    }
