"""Folders from the environment: relative values are pinned to where the command was typed."""

from __future__ import annotations

from pathlib import Path

import pytest

from vitalkit import config
from vitalkit.errors import SetupError


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


def _notebooks(folder: Path) -> Path:
    (folder / "notebooks").mkdir(parents=True)
    (folder / "notebooks" / "01_explore.ipynb").write_text("{}")
    return folder / "notebooks"


def test_notebooks_come_from_the_working_folder_else_from_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work, share = tmp_path / "work", tmp_path / "share" / "vitalkit"
    monkeypatch.setattr(config, "project_root", lambda: work)
    monkeypatch.setattr(config, "shipped_dir", lambda: share)
    shipped = _notebooks(share)
    (work / "notebooks").mkdir(parents=True)  # an empty folder does not hide the shipped notebooks
    assert config.notebooks_dir() == shipped
    own = _notebooks(work / "w")  # a `vitalkit init`-ed folder: its own notebooks come first
    monkeypatch.setattr(config, "project_root", lambda: work / "w")
    assert config.notebooks_dir() == own


def test_no_notebooks_anywhere_says_to_run_vitalkit_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(config, "project_root", lambda: tmp_path / "work")
    monkeypatch.setattr(config, "shipped_dir", lambda: tmp_path / "share" / "vitalkit")
    with pytest.raises(SetupError, match=r"stage notebooks: none in .*work/notebooks.*`vitalkit init DIR`"):
        config.notebooks_dir()


def test_vitalkit_stages_outside_a_working_folder_uses_the_shipped_notebooks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from vitalkit.cli import main

    shipped = config.notebooks_dir()  # this checkout's notebooks stand for the installed ones
    monkeypatch.setattr(config, "project_root", lambda: tmp_path)
    monkeypatch.setattr(config, "shipped_dir", lambda: shipped.parent)
    assert main(["stages"]) == 0
    assert "explore  (01_explore.ipynb" in capsys.readouterr().out
    monkeypatch.setattr(config, "shipped_dir", lambda: tmp_path / "share")
    assert main(["stages"]) == 2
    assert "run `vitalkit init DIR`" in capsys.readouterr().err
