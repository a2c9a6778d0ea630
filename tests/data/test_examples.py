"""The example "bring your own data" folder: EDF + CSV + serial-log recordings of real and
synthetic ECG with labels.json, read back and split by patient."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vitalkit.data.examples import make_example_folder, mitdb_segment_labels
from vitalkit.data.physionet import ensure_records
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.splits import check_no_leakage, patient_kfold


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    return make_example_folder(
        tmp_path_factory.mktemp("byod") / "example", seed=0, n_per_class=1, data_dir=data_dir
    )


def test_three_formats_with_labels_and_patients(example) -> None:
    table = example.table()
    kinds = table["file"].str.split("/").str[0].value_counts().to_dict()
    assert kinds == {"edf": 3, "csv": 4, "serial": 4}  # one per label group and source
    csv_labels = set(table.loc[table.file.str.startswith("csv"), "labels"])
    assert csv_labels == {"afib arrhythmia", "bradycardia", "normal", "pvc arrhythmia"}
    assert {"normal", "afib", "pvc", "st_elevation", "tachycardia", "bradycardia"} <= set(example.vocabulary)
    assert table.loc[table.file.str.startswith("edf"), "fs_hz"].eq(300).all()
    assert table.loc[table.file.str.startswith("csv"), "fs_hz"].eq(360).all()
    assert table.loc[table.file.str.startswith("serial"), "fs_hz"].eq(250).all()
    assert table["seconds"].between(9, 30.01).all()
    serial = [m for f, m in zip(example.files, example.meta, strict=True) if f.startswith("serial")]
    assert all(
        m["dropped_lines"] > 0 and m["interpolated_samples"] == 12 for m in serial
    )  # 0.05 s gap at 250 Hz
    folds = patient_kfold(example.patients, example.labels, k=3, seed=0)
    check_no_leakage(folds, example.patients)


def test_mitdb_segment_labels_follow_the_annotations(data_dir: Path) -> None:
    (base,) = ensure_records("mitdb", ["201"], data_dir=data_dir)
    record = read_wfdb(base, channels=["MLII"], annotator="atr")
    labels = dict(mitdb_segment_labels(record))
    ann = record.annotations
    rhythm_at = {
        int(s): a for s, a, sym in zip(ann.sample, ann.aux_note, ann.symbol, strict=True) if sym == "+"
    }
    changes = np.array(sorted(rhythm_at))
    for start, names in labels.items():
        current = rhythm_at[int(changes[changes <= start][-1])]
        inside = changes[(changes > start) & (changes < start + 7200)]
        assert inside.size == 0 or all(rhythm_at[int(c)] == current for c in inside)
        assert ("afib" in names) == (current == "(AFIB")
    assert sum("afib" in n for n in labels.values()) >= 10  # record 201 has long AF episodes
