import json
import os
from pathlib import Path

import numpy as np
import pytest

from vitalkit.errors import DataError
from vitalkit.io import atomic_path, hash_tree, read_json, sha256_file, write_json


def test_atomic_write_replaces_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "metrics.json"
    write_json(target, {"v": 1})
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half-written")
        raise RuntimeError("crash mid-write")
    assert read_json(target) == {"v": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]  # no temp file left


def test_atomic_write_has_ordinary_permissions(tmp_path: Path) -> None:
    write_json(tmp_path / "a.json", {})
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o666 & ~mask


def test_write_json_converts_numpy_and_nan(tmp_path: Path) -> None:
    write_json(
        tmp_path / "a.json",
        {"x": np.float32(1.5), "n": np.int64(3), "bad": float("nan"), "arr": np.arange(3)},
    )
    assert json.loads((tmp_path / "a.json").read_text()) == {
        "x": 1.5,
        "n": 3,
        "bad": None,
        "arr": [0, 1, 2],
    }


def test_read_json_names_file_on_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "labels.json"
    bad.write_text("{not json")
    with pytest.raises(DataError, match=r"labels\.json: not valid JSON"):
        read_json(bad)


def test_hash_tree_matches_sha256(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "f.txt").write_text("abc")
    assert hash_tree(tmp_path) == {
        "sub/f.txt": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    }
    assert sha256_file(tmp_path / "sub" / "f.txt").startswith("ba7816bf")
