"""Content fingerprints: what every cache key carries so that changed data are never served stale."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from vitalkit.data.fingerprint import (
    array_fingerprint,
    file_digest,
    files_fingerprint,
    record_fingerprint,
    records_fingerprint,
)
from vitalkit.errors import DataError


def _record(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.hea").write_text(f"{name} 1 360 1\n")
    (folder / f"{name}.dat").write_bytes(data)
    return folder / name


def test_same_contents_elsewhere_share_a_fingerprint_and_an_edit_changes_it(tmp_path: Path) -> None:
    a = _record(tmp_path / "one", "r1", b"\x00\x01\x02")
    b = _record(tmp_path / "two", "r1", b"\x00\x01\x02")
    assert record_fingerprint(a) == record_fingerprint(b)  # a copy of the data shares the cache
    before = record_fingerprint(a)
    dat = a.with_name("r1.dat")
    dat.write_bytes(b"\x00\x01\x03")
    os.utime(dat, ns=(1, 1))  # even with an old timestamp the new contents are hashed
    assert record_fingerprint(a) != before
    assert records_fingerprint([a, b]) != records_fingerprint([b, b])


def test_annotation_files_count_only_when_asked_for(tmp_path: Path) -> None:
    base = _record(tmp_path, "r2", b"ab")
    base.with_name("r2.atr").write_bytes(b"x")
    signal_only = record_fingerprint(base)
    with_atr = record_fingerprint(base, ("hea", "dat", "atr"))
    base.with_name("r2.atr").write_bytes(b"y")
    assert record_fingerprint(base) == signal_only
    assert record_fingerprint(base, ("hea", "dat", "atr")) != with_atr


def test_missing_files_are_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no hea/dat/mat file of this record"):
        record_fingerprint(tmp_path / "absent")
    with pytest.raises(DataError, match="file not found"):
        file_digest(tmp_path / "absent.dat")
    assert files_fingerprint([]) == files_fingerprint([])


def test_array_fingerprint_sees_values_dtype_and_shape() -> None:
    x = np.arange(6, dtype=np.float64)
    assert array_fingerprint(x) == array_fingerprint(x.copy())
    assert array_fingerprint(x) != array_fingerprint(x.reshape(2, 3))
    y = x.copy()
    y[3] += 1e-12
    assert array_fingerprint(x) != array_fingerprint(y)
