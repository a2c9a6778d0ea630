"""The ``vitalkit benchmark`` command and the clinical parameter set."""

from pathlib import Path

import pytest
import yaml

from vitalkit.cli import main
from vitalkit.errors import ParamsError
from vitalkit.pipeline.params import load_params

PROJECT = Path(__file__).resolve().parents[2]


def test_benchmark_qt_prints_the_error_tables(capsys, data_dir):
    assert main(["benchmark", "qt", "--records", "sel100,sel302", "--methods", "template"]) == 0
    out = capsys.readouterr().out
    assert "mean ± SD over all annotated beats" in out and "Held-out records only" in out
    assert "CSE tolerance of 30.6 ms" in out
    assert "best-lead" in out and "sel302" in out


def test_benchmark_hrv_prints_the_table(capsys, data_dir):
    assert main(["benchmark", "hrv", "--records", "100,203"]) == 0
    out = capsys.readouterr().out
    assert "HRV_SDNN" in out and "non-sinus rhythm" in out


def test_benchmark_names_a_bad_record(capsys):
    assert main(["benchmark", "qt", "--records", "sel999"]) == 2
    assert "no such QT Database record" in capsys.readouterr().err


def test_clinical_parameter_set_is_valid():
    params = load_params(PROJECT / "params" / "clinical.yaml", check_data=False)  # data: the other tests
    (instance,) = params.instances()
    assert instance.label == "clinical" and instance.parameters["qt_records"] == "ALL"
    assert instance.parameters["st_reference"] == "dominant"


def test_unknown_st_reference_is_named(tmp_path: Path, data_dir):
    data = yaml.safe_load((PROJECT / "params" / "clinical.yaml").read_text())
    data["clinical"]["st_reference"] = "median"
    path = tmp_path / "clinical.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ParamsError, match=r"st_reference \['median'\] unknown.*dominant"):
        load_params(path)  # the stage's own checks run with the data check
