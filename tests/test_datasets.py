"""Dataset sources: MIT-BIH beats, labels.json folders, synthetic ECG; their products."""

from pathlib import Path

import numpy as np
import pytest

from vitalkit.data.windowing import record_windows
from vitalkit.datasets import open_dataset
from vitalkit.errors import DataError, ParamsError
from vitalkit.samples import SampleFolder, WindowSet


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory):
    import os

    os.environ["VITALKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    return open_dataset({"kind": "synthetic", "n_per_class": 4, "duration_s": 12, "seed": 3})


def test_synthetic_source_is_cached_and_reproducible(synthetic) -> None:
    again = open_dataset({"kind": "synthetic", "n_per_class": 4, "duration_s": 12, "seed": 3})
    assert again.path == synthetic.path  # same options, same cached folder
    assert len(synthetic.dataset) == 24 and "afib" in synthetic.dataset.vocabulary


def test_folder_split_build_and_products(synthetic, tmp_path: Path) -> None:
    splits, info = synthetic.split(split_fractions=[0.5, 0.25, 0.25], seed=0)
    patients = {k: set(v) for k, v in info["patients"].items()}
    assert not (patients["train"] & patients["test"]) and not (patients["val"] & patients["test"])
    sets, per_record = synthetic.build(splits, window_s=4.0, stride_s=4.0, sampling_rate=125.0)
    train = sets["train"]
    assert isinstance(train, WindowSet) and train.task == "multilabel"
    assert train.windows.shape[1:] == (1, 500) and train.labels.shape[1] == len(synthetic.dataset.vocabulary)
    assert (train.labels.sum(axis=1) == 1).all()  # synthetic records carry one label each
    assert set(per_record["windows"]) == {3}  # 12 s records, 4 s windows, no overlap
    scaler = synthetic.fit_scaler(train)
    counts = SampleFolder(tmp_path).save(sets, per_record, info, scaler)
    assert counts.loc["test", "total"] >= len(sets["test"])
    back = SampleFolder(tmp_path).load("val")
    np.testing.assert_array_equal(back.labels, sets["val"].labels)
    assert back.classes == train.classes


def test_record_windows_pads_short_records_and_rejects_nan() -> None:
    from vitalkit.data.records import Record

    rec = Record("r", np.sin(np.arange(300) / 5.0)[:, None], 100.0, ["ECG"], ["mV"])
    windows, starts = record_windows(rec, window_s=5.0, stride_s=5.0, bandpass=None)
    assert windows.shape == (1, 1, 500) and starts.tolist() == [0] and windows[0, 0, 400] == 0
    rec.signal[10, 0] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        record_windows(rec, window_s=2.0, stride_s=1.0, bandpass=None)


def test_unknown_kind_and_options() -> None:
    with pytest.raises(ParamsError, match="unknown kind 'mars'"):
        open_dataset({"kind": "mars"})
    with pytest.raises(ParamsError, match="unknown option"):
        open_dataset({"kind": "mitdb", "path": "/x"})
    with pytest.raises(ParamsError, match=r"dataset\.path"):
        open_dataset({"kind": "folder"})


def test_each_source_names_its_stage_inputs_without_opening(tmp_path) -> None:
    from vitalkit.datasets import FolderWindows, SyntheticWindows, source_type

    (tmp_path / "labels.json").write_text("{}")
    (tmp_path / ".hidden").write_text("")
    section = {"dataset": {"kind": "folder", "path": str(tmp_path)}}
    assert source_type(section["dataset"]) is FolderWindows
    assert [p.name for p in FolderWindows.explore_inputs(section)] == ["labels.json"]
    assert SyntheticWindows.preprocess_inputs({"dataset": {"kind": "synthetic"}}) == []
    with pytest.raises(ParamsError):
        source_type({"kind": "mars"})
