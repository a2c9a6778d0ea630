"""What ``run.json`` records about where things are: no machine paths (issue 13)."""

from __future__ import annotations

import shutil
from pathlib import Path

from vitalkit import config
from vitalkit.pipeline.params import load_params
from vitalkit.pipeline.runner import Runner, RunOptions

PROJECT = Path(__file__).resolve().parents[2]


def test_a_parameter_set_outside_the_project_is_recorded_without_its_machine_path(tmp_path: Path) -> None:
    """Set up a run (nothing executed) from a copy of the smoke set outside the project."""
    outside = tmp_path / "elsewhere" / "smoke.yaml"
    outside.parent.mkdir()
    shutil.copy(PROJECT / "params" / "smoke.yaml", outside)
    runner = Runner(load_params(outside, check_data=False), RunOptions(reports_dir=tmp_path / "reports"))
    try:
        recorded = runner.manifest.data["params_file"]
    finally:
        runner.lock.release()
    assert not Path(recorded).is_absolute()  # relative to the project, or the file's name only (portable_dir)
    assert recorded == outside.name or (config.project_root() / recorded).resolve() == outside.resolve()


def test_a_parameter_set_of_the_project_is_recorded_relative_to_it(tmp_path: Path) -> None:
    params = load_params(PROJECT / "params" / "smoke.yaml", check_data=False)
    runner = Runner(params, RunOptions(reports_dir=tmp_path / "reports"))
    try:
        assert runner.manifest.data["params_file"] == "params/smoke.yaml"
    finally:
        runner.lock.release()
