"""labels.json dataset folders: mixed formats, multi-label targets, and every way the folder can be wrong."""

from __future__ import annotations

import json
import re
import string
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vitalkit.data.labelled import read_labelled_folder
from vitalkit.data.records import Record
from vitalkit.data.writers import write_record
from vitalkit.errors import DataError, RecordNotFoundError, VitalKitError
from vitalkit.labels import RECORD_LABELS


def _write(folder: Path, ecg_segment: tuple, names: list[str]) -> None:
    signal, fs = ecg_segment
    for i, name in enumerate(names):
        part = signal[i * 900 : i * 900 + 3600]
        write_record(folder / name, Record(Path(name).stem, part, fs, ["MLII"], ["mV"]))


def _labels(folder: Path, data: object) -> None:
    (folder / "labels.json").write_text(json.dumps(data))


@pytest.fixture
def folder(tmp_path: Path, ecg_segment: tuple) -> Path:
    """A valid folder: EDF, CSV (in a sub-folder) and NPZ recordings of real ECG."""
    (tmp_path / "csv").mkdir()
    _write(tmp_path, ecg_segment, ["a.edf", "csv/b.csv", "c.npz", "d.npz"])
    _labels(
        tmp_path,
        {
            "records": [
                {"file": "a.edf", "label": "normal", "patient_id": "p1"},
                {"file": "csv/b.csv", "labels": ["afib", "arrhythmia"], "patient_id": "p2"},
                {"file": "c.npz", "labels": ["st_elevation"], "patient_id": "p2", "meta": {"note": "x"}},
                {"file": "d.npz", "label": "normal", "patient_id": 3, "read_options": {"max_flat_s": 5}},
            ]
        },
    )
    return tmp_path


def test_mixed_formats_with_labels_patients_and_targets(folder: Path) -> None:
    dataset = read_labelled_folder(folder)
    assert len(dataset) == 4
    assert dataset.files == ["a.edf", "csv/b.csv", "c.npz", "d.npz"]
    assert dataset.patients == ["p1", "p2", "p2", "3"]
    assert dataset.vocabulary == ("normal", "arrhythmia", "afib", "st_elevation")  # RECORD_LABELS order
    np.testing.assert_array_equal(dataset.targets(), [[1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]])
    assert all(r.sampling_rate == 360.0 and r.n_samples == 3600 for r in dataset.records)
    assert dataset.meta[2] == {"note": "x"} and dataset.unlisted == []
    table = dataset.table()
    assert table.loc[1, "labels"] == "afib arrhythmia" and table["seconds"].tolist() == [10.0] * 4


def test_declared_vocabulary_orders_the_targets_and_unlisted_files_are_reported(
    folder: Path, ecg_segment: tuple
) -> None:
    data = json.loads((folder / "labels.json").read_text())
    data["vocabulary"] = ["st_elevation", "normal", "afib", "arrhythmia", "lbbb"]
    _labels(folder, data)
    _write(folder, ecg_segment, ["extra.npz"])
    dataset = read_labelled_folder(folder)
    assert dataset.vocabulary == ("st_elevation", "normal", "afib", "arrhythmia", "lbbb")
    assert dataset.targets()[1].tolist() == [0, 0, 1, 1, 0]
    assert dataset.unlisted == ["extra.npz"]


def test_a_bare_list_of_entries_is_accepted(folder: Path) -> None:
    data = json.loads((folder / "labels.json").read_text())
    _labels(folder, data["records"][:1])
    assert read_labelled_folder(folder).files == ["a.edf"]


def _entries(folder: Path) -> list[dict]:
    return json.loads((folder / "labels.json").read_text())["records"]


# case id -> (change made to the valid folder, message pattern). Each names labels.json or the folder.
BAD_FOLDERS = {
    "labels.json that is not JSON": (
        lambda f: (f / "labels.json").write_text("{'records': ["),
        r"not valid JSON",
    ),
    "empty labels.json": (lambda f: (f / "labels.json").write_text(""), r"labels\.json: empty file"),
    "labels.json of the wrong shape (a string)": (lambda f: _labels(f, "a.edf"), r"must be an object"),
    "records that is not a list": (
        lambda f: _labels(f, {"records": {"a.edf": "normal"}}),
        r"'records' must be a list",
    ),
    "no records": (lambda f: _labels(f, {"records": []}), r"lists no recordings"),
    "unknown top-level key": (
        lambda f: _labels(f, {"records": _entries(f), "label_map": {}}),
        r"unknown key\(s\)",
    ),
    "entry that is not an object": (lambda f: _labels(f, ["a.edf"]), r"entry 1: must be an object, not str"),
    "entry without a file": (
        lambda f: _labels(f, [{"label": "normal", "patient_id": "p"}]),
        r"'file' must be",
    ),
    "entry without a patient id": (
        lambda f: _labels(f, [{"file": "a.edf", "label": "normal"}]),
        r"entry 1 \('a.edf'\): 'patient_id'",
    ),
    "entry with both label and labels": (
        lambda f: _labels(f, [{"file": "a.edf", "label": "normal", "labels": ["normal"], "patient_id": "p"}]),
        r"exactly one of 'label'",
    ),
    "entry with labels that is not a list": (
        lambda f: _labels(f, [{"file": "a.edf", "labels": "normal", "patient_id": "p"}]),
        r"'labels' must be a list",
    ),
    "unknown label": (
        lambda f: _labels(f, [{"file": "a.edf", "label": "a-fib", "patient_id": "p"}]),
        r"unknown label 'a-fib' \(did you mean 'afib'\?\)",
    ),
    "empty label list": (
        lambda f: _labels(f, [{"file": "a.edf", "labels": [], "patient_id": "p"}]),
        r"no label",
    ),
    "label outside the declared vocabulary": (
        lambda f: _labels(f, {"vocabulary": ["normal"], "records": _entries(f)}),
        r"unknown label 'afib'",
    ),
    "invalid vocabulary": (
        lambda f: _labels(f, {"vocabulary": ["a", "a"], "records": _entries(f)}),
        r"'vocabulary' must be a list of distinct",
    ),
    "duplicate files": (
        lambda f: _labels(f, [*_entries(f), {"file": "./c.npz", "label": "normal", "patient_id": "p9"}]),
        r"entry 5 \('./c.npz'\): duplicate file, already listed as entry 3",
    ),
    "missing file": (
        lambda f: _labels(f, [*_entries(f), {"file": "gone.csv", "label": "normal", "patient_id": "p9"}]),
        r"entry 5 \('gone.csv'\): file not found",
    ),
    "file outside the folder": (
        lambda f: _labels(f, [{"file": "../a.edf", "label": "normal", "patient_id": "p"}]),
        r"must be inside the dataset folder",
    ),
    "unknown entry key": (
        lambda f: _labels(f, [{"file": "a.edf", "label": "normal", "patient_id": "p", "fs": 360}]),
        r"unknown key\(s\) \['fs'\]",
    ),
    "read_options that is not an object": (
        lambda f: _labels(f, [{"file": "a.edf", "label": "normal", "patient_id": "p", "read_options": [1]}]),
        r"'read_options' must be an object",
    ),
    "an unreadable recording in the folder": (
        lambda f: (f / "c.npz").write_bytes(b"PK\x03\x04 not an archive"),
        r"1 of 4 recording\(s\) cannot be read:\n  - .*c\.npz: not a readable NumPy file",
    ),
    "a recording with a wrong read option": (
        lambda f: _labels(
            f, [{"file": "a.edf", "label": "normal", "patient_id": "p", "read_options": {"fs": 1}}]
        ),
        r"unknown read option\(s\) \['fs'\] for .edf files",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS))
def test_bad_folder_gives_one_clear_error(case: str, folder: Path) -> None:
    change, pattern = BAD_FOLDERS[case]
    change(folder)
    with pytest.raises(DataError) as info:
        read_labelled_folder(folder)
    message = str(info.value)
    assert "labels.json" in message, message
    assert re.search(pattern, message), message


def test_every_problem_is_listed_at_once(folder: Path) -> None:
    _labels(
        folder,
        [
            {"file": "a.edf", "label": "afibb", "patient_id": "p1"},
            {"file": "a.edf", "label": "normal", "patient_id": "p2"},
            {"file": "zz.csv", "label": "normal", "patient_id": "p3"},
        ],
    )
    with pytest.raises(DataError, match=r"3 problem\(s\) in labels\.json") as info:
        read_labelled_folder(folder)
    assert all(s in str(info.value) for s in ("unknown label 'afibb'", "duplicate file", "file not found"))


def test_missing_or_empty_folders(tmp_path: Path, ecg_segment: tuple) -> None:
    with pytest.raises(RecordNotFoundError, match="dataset folder not found"):
        read_labelled_folder(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match=r"empty: empty folder: no labels\.json"):
        read_labelled_folder(tmp_path / "empty")
    (tmp_path / "data").mkdir()
    _write(tmp_path / "data", ecg_segment, ["a.npz"])
    with pytest.raises(DataError, match=r"the folder has recordings but: no labels\.json"):
        read_labelled_folder(tmp_path / "data")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from(["a.edf", "c.npz", "normal", "afib", "p1", ""]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["records", "file", "label", "labels", "patient_id", "vocabulary", "meta"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=80, deadline=None)
@given(data=json_values, text=st.text(alphabet=string.printable, max_size=60))
def test_random_labels_json_never_escapes(data: object, text: str, ecg_segment: tuple) -> None:
    """Random JSON structures and random text: a dataset or a VitalKit error, nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, ecg_segment, ["a.edf", "c.npz"])
        for content in (json.dumps(data), text):
            (root / "labels.json").write_text(content)
            try:
                dataset = read_labelled_folder(root)
            except VitalKitError as exc:
                assert "labels.json" in str(exc) or tmp in str(exc)
            else:
                assert len(dataset) >= 1 and set(dataset.vocabulary) <= set(RECORD_LABELS)
