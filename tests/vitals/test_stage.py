"""The vitals stage: registration, inputs, and its parameter checks before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from vitalkit.errors import ParamsError
from vitalkit.pipeline.params import load_params, notebook_defaults, notebook_parameters
from vitalkit.pipeline.stages import STAGES

ROOT = Path(__file__).resolve().parents[2]


def test_stage_registered_with_inputs_and_check(sepsis_dir: Path) -> None:
    stage = STAGES["vitals"]
    assert stage.notebook == "08_vitals_early_warning.ipynb" and stage.folder == "08_vitals_early_warning"
    defaults = notebook_defaults(stage, notebook_parameters(stage))  # what a set that sets nothing runs
    files = stage.inputs(defaults)
    assert len(files) == 3_329 and files[0].name == "SUBSET.txt"
    assert stage.check(defaults) == []


def test_full_parameter_set_is_valid() -> None:
    params = load_params(ROOT / "params" / "vitals.yaml")
    assert params.stages == ["vitals"] and params.sections["vitals"]["n_patients"] == 0


def test_bad_parameters_are_all_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\nstages: [vitals]\nvitals:\n  val_fraction: 0.6\n  test_fraction: 0.5\n"
        "  threshold_rule: youden\n  gru_inputs: [raw, waveform]\n  missing_policy: zero\n  n_patients: 10\n"
        "  unknown_knob: 1\n"
    )
    with pytest.raises(ParamsError, match="unknown_knob: unknown parameter"):
        load_params(path)
    path.write_text(path.read_text().replace("  unknown_knob: 1\n", ""))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    text = str(err.value)
    for expected in (
        "sum to < 1",
        "threshold_rule 'youden'",
        "gru_inputs 'waveform'",
        "missing_policy 'zero'",
        "n_patients=10 is too few",
    ):
        assert expected in text
