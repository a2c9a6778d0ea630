"""QTDB delineation cache: keyed by the record's contents, not its name."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from vitalkit import config
from vitalkit.clinical.qt_validation import delineate_record


def _as_record(source: Path, name: str, folder: Path) -> None:
    """Copy a QTDB record into ``folder`` under another name (header and files renamed)."""
    folder.mkdir(parents=True, exist_ok=True)
    for ext in ("dat", "q1c", "atr"):
        shutil.copyfile(source.with_name(f"{source.name}.{ext}"), folder / f"{name}.{ext}")
    header = source.with_name(f"{source.name}.hea").read_text().replace(source.name, name)
    (folder / f"{name}.hea").write_text(header)


def test_another_folder_with_other_data_under_the_same_name_is_not_served_from_the_cache(
    tmp_path: Path,
) -> None:
    qtdb = config.data_dir() / "qtdb"
    _as_record(qtdb / "sel100", "sel100", tmp_path / "a" / "qtdb")
    _as_record(qtdb / "sel102", "sel100", tmp_path / "b" / "qtdb")  # other data, same name
    first = delineate_record("sel100", data_dir=tmp_path / "a")
    other = delineate_record("sel100", data_dir=tmp_path / "b")  # the cache holds a's sel100
    assert not np.array_equal(first["rpeaks"], other["rpeaks"])
    again = delineate_record("sel100", data_dir=tmp_path / "a")  # a's entry is still there
    assert all(np.array_equal(first[k], again[k], equal_nan=True) for k in first)
    cached = sorted((config.cache_dir() / "qtdb_delineation").rglob("sel100-*.npz"))
    assert len(cached) == 2
