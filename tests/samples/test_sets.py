"""Beat and window sets: one base for length, counts, subsets and the .npz form; the folder."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.errors import DataError
from vitalkit.samples import BeatSet, SampleFolder, SampleSet, WindowSet, window_scaler


def _beats(n: int = 5) -> BeatSet:
    rng = np.random.default_rng(0)
    return BeatSet(
        windows=rng.normal(size=(n, 2, 16)).astype(np.float32),
        rr=rng.uniform(0.5, 1.5, (n, 4)).astype(np.float32),
        labels=np.array([0, 1, 0, 2, 0][:n]),
        record=np.array(["a", "a", "b", "b", "b"][:n]),
        sample=np.arange(n, dtype=np.int64) * 300,
        symbol=np.array(["N", "A", "N", "V", "N"][:n]),
        classes=("N", "S", "V", "F"),
        sampling_rate=250.0,
        before_s=0.25,
        channels=("II", "II:template"),
        meta={"rr_features": ["rr_pre", "rr_post", "rr_local", "rr_record"], "recipe": {"lead": "II"}},
    )


def _windows(multilabel: bool) -> WindowSet:
    labels = np.array([[1, 0], [1, 1], [0, 1]], np.float32) if multilabel else np.array([0, 1, 1])
    return WindowSet(
        np.arange(24, dtype=np.float32).reshape(3, 1, 8),
        labels,
        np.array(["r1", "r2", "r3"]),
        np.array(["p1", "p1", "p2"]),
        np.array([0, 8, 16], dtype=np.int64),
        ("afib", "other"),
        "multilabel" if multilabel else "multiclass",
        100.0,
        ("II",),
    )


def test_both_kinds_register_and_share_the_base() -> None:
    assert SampleSet.KINDS == {"beats": BeatSet, "windows": WindowSet}
    beats = _beats()
    assert len(beats) == 5 and beats.class_counts() == {"N": 3, "S": 1, "V": 1, "F": 0}
    part = beats.subset(beats.record == "b")
    assert len(part) == 3 and part.channels == beats.channels and part.meta == beats.meta
    part.meta["x"] = 1
    assert "x" not in beats.meta  # a subset's description is a copy
    both = BeatSet.concatenate([beats.subset(beats.labels == 0), beats.subset(beats.labels != 0)], beats)
    assert sorted(both.sample.tolist()) == beats.sample.tolist()
    assert len(BeatSet.concatenate([], beats)) == 0
    assert _windows(True).class_counts() == {"afib": 2, "other": 2}
    assert _windows(False).class_counts() == {"afib": 1, "other": 2}


@pytest.mark.parametrize("make", [_beats, lambda: _windows(True), lambda: _windows(False)])
def test_save_load_roundtrip_keeps_arrays_and_description(make, tmp_path: Path) -> None:
    samples = make()
    samples.save(tmp_path / "s.npz")
    back = type(samples).load(tmp_path / "s.npz")
    for name in samples.ARRAYS:
        np.testing.assert_array_equal(getattr(back, name), getattr(samples, name))
    assert back._description() == samples._description() and back.meta == samples.meta


def test_beat_files_carry_no_kind_and_still_load_as_beats(tmp_path: Path) -> None:
    _beats().save(tmp_path / "train.npz")
    with np.load(tmp_path / "train.npz") as data:
        header = json.loads(str(data["meta"]))
    assert "kind" not in header and list(header)[:5] == [
        "classes",
        "sampling_rate",
        "before_s",
        "channels",
        "rr_features",
    ]  # the layout written before window sets existed: product hashes of beat runs unchanged
    assert SampleFolder(tmp_path).kind("train") == "beats"
    assert isinstance(SampleFolder(tmp_path).load("train"), BeatSet)


def test_load_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"train\.npz: beat dataset file not found"):
        BeatSet.load(tmp_path / "train.npz")
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"bad\.npz: cannot be read"):
        BeatSet.load(tmp_path / "bad.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(DataError, match="not a beat dataset"):
        BeatSet.load(tmp_path / "other.npz")
    with pytest.raises(DataError, match="not a window dataset"):
        WindowSet.load(tmp_path / "other.npz")
    arrays = {n: getattr(_windows(False), n) for n in WindowSet.ARRAYS}
    np.savez(
        tmp_path / "garbled.npz", **arrays, meta=np.array(json.dumps({"kind": "windows", "classes": ["a"]}))
    )
    with pytest.raises(DataError, match=r"garbled\.npz: its metadata lacks or garbles 'task'"):
        WindowSet.load(tmp_path / "garbled.npz")
    with pytest.raises(DataError, match=r"val\.npz: dataset file not found"):
        SampleFolder(tmp_path).load("val")


def test_folder_writes_and_reads_every_product(tmp_path: Path) -> None:
    sets = {"train": _windows(True), "test": _windows(True).subset(np.array([True, False, True]))}
    folder = SampleFolder(tmp_path / "pre")
    counts = folder.save(
        sets, pd.DataFrame({"record": ["r1"]}), {"seed": 3}, window_scaler(sets["train"].windows)
    )
    assert (
        counts.loc["test", "total"] == 2 and counts.loc["train", "afib"] == 2
    )  # multi-hot: labels, not windows
    assert {p.name for p in folder.path.iterdir()} == {
        "train.npz",
        "test.npz",
        "split.json",
        "scaler.json",
        "records.csv",
        "class_counts.csv",
    }
    info = folder.info()
    assert info["seed"] == 3 and info["task"] == "multilabel" and info["samples"] == "WindowSet"
    assert info["records"] == {"train": ["r1", "r2", "r3"], "test": ["r1", "r3"]}
    assert folder.scaler()["window_scaling"] == "global" and folder.sampling_rate() == 100.0
    assert isinstance(folder.load("test"), WindowSet) and folder.kind("test") == "windows"
