"""Folders from the environment: relative values are pinned to where the command was typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from vitalkit import config


def test_relative_folder_variables_are_pinned_to_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "checkout").mkdir()
    monkeypatch.chdir(tmp_path / "checkout")
    monkeypatch.setenv("VITALKIT_DATA_DIR", "../shared/data")
    monkeypatch.setenv("VITALKIT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("VITALKIT_REPORTS_DIR", raising=False)
    changed = config.pin_path_variables()
    assert changed == {"VITALKIT_DATA_DIR": str(tmp_path / "shared" / "data")}
    monkeypatch.chdir(tmp_path)  # a kernel started elsewhere reads the same folder
    assert config.data_dir() == (tmp_path / "shared" / "data").resolve()
    assert config.pin_path_variables() == {}
