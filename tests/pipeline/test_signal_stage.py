"""The signal_analysis stage: its parameter set validates, bad values are caught up front."""

from pathlib import Path

import pytest
import yaml

from vitalkit.errors import ParamsError
from vitalkit.pipeline.params import load_params
from vitalkit.pipeline.stages import STAGES

PROJECT = Path(__file__).resolve().parents[2]


def test_signal_parameter_set_is_valid_and_reads_the_data() -> None:
    params = load_params(PROJECT / "params" / "signal.yaml")
    (instance,) = params.instances()
    assert instance.label == "signal_analysis" and instance.parameters["records"] == "ALL"
    inputs = STAGES["signal_analysis"].inputs(instance.parameters)
    names = {p.name for p in inputs}
    assert {"234.atr", "118.dat", "bw.dat", "ma.dat", "118e00.dat"} <= names
    assert len([n for n in names if n.endswith(".hea") and n[:3].isdigit() and len(n) == 7]) == 48


def test_unknown_detector_noise_and_method_are_reported(tmp_path: Path) -> None:
    bad = {
        "name": "bad",
        "stages": ["signal_analysis"],
        "signal_analysis": {
            "detectors": ["magic"],
            "noises": ["em", "xx"],
            "methods": ["nope"],
            "records": ["999"],
        },
    }
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    with pytest.raises(ParamsError) as err:
        load_params(path)
    text = str(err.value)
    for fragment in (
        "unknown detector(s) ['magic']",
        "unknown noise(s) ['xx']",
        "unknown method(s) ['nope']",
        "999",
    ):
        assert fragment in text
