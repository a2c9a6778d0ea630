"""The example scripts stay runnable: their imports resolve and the columns they name exist."""

import importlib.util
import subprocess
import sys
from pathlib import Path

from vitalkit.beats.features import feature_names
from vitalkit.models.classical import FEATURE_SETS

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_beat_attempts_names_existing_feature_columns() -> None:
    attempts = _load("beat_attempts")
    names = feature_names(2)
    assert set(attempts.MORPHOLOGY) <= set(names)
    assert not set(attempts.MORPHOLOGY) & set(FEATURE_SETS["transfer"])  # they are additions


def test_beat_attempts_command_line() -> None:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "beat_attempts.py"), "--help"], capture_output=True, text=True
    )
    assert done.returncode == 0 and "--out" in done.stdout and "--round" in done.stdout


def test_beat_attempts_round_4_columns_are_new_names() -> None:
    attempts = _load("beat_attempts")
    assert not set(attempts.NEIGHBOURHOOD) & set(feature_names(2))
    assert set(attempts.ROUNDS) == {3, 4}
