"""The `vitalkit` command line: version and argument errors."""

import importlib.metadata

import pytest

import vitalkit
from vitalkit.cli import main


def test_version_is_the_installed_distributions(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"vitalkit {importlib.metadata.version('vitalkit')}"
    assert vitalkit.__version__ == importlib.metadata.version("vitalkit")
