"""The `vitalkit` command line: version and argument errors."""

import importlib.metadata
import subprocess
import sys

import pytest

import vitalkit
from vitalkit.cli import main


def test_version_is_the_installed_distributions(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"vitalkit {importlib.metadata.version('vitalkit')}"
    assert vitalkit.__version__ == importlib.metadata.version("vitalkit")


def test_the_parser_is_built_without_the_heavy_libraries() -> None:
    """``vitalkit --help`` answers at once: no torch, ONNX, SQLAlchemy or pandas to build it."""
    heavy = ("torch", "onnx", "onnxruntime", "sqlalchemy", "pandas")
    code = (
        "import sys; from vitalkit.cli import build_parser; build_parser(); "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
