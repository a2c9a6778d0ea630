"""Whole-pipeline runs on the non-MIT-BIH sources: a labels.json folder and synthetic ECG.

The folder is the shipped example (EDF from CinC 2017, CSV from MIT-BIH, converted serial
logs of synthetic ECG) written by ``vitalkit example folder``; both runs are shrunk (fewer
recordings, two epochs) so that they check the path end to end, not the model's quality.
"""

import json
from pathlib import Path

import pytest
import yaml

from vitalkit.cli import main
from vitalkit.pipeline.runner import run_params

PROJECT = Path(__file__).resolve().parents[2]


def _shrunk(name: str, tmp: Path, **changes: dict) -> Path:
    """params/<name>.yaml with sections updated (two epochs, small bootstrap), as a new file."""
    raw = yaml.safe_load((PROJECT / "params" / f"{name}.yaml").read_text())
    raw["train"].update(max_epochs=2, patience=2)
    raw["evaluate"]["n_bootstrap"] = 100
    raw["export"]["latency_runs"] = 20
    for key, value in changes.items():
        raw[key] = {**raw[key], **value} if isinstance(raw.get(key), dict) else value
    path = tmp / f"{name}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _check_run(run_dir: Path) -> dict:
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "ok", [s["status"] for s in manifest["stages"]]
    assert all((run_dir / s["folder"] / "report.html").is_file() for s in manifest["stages"])
    split = json.loads((run_dir / "02_preprocess" / "split.json").read_text())
    patients = split["patients"]
    assert not set(patients["test"]) & (set(patients["train"]) | set(patients["val"]))
    assert manifest["headline"]["export"]["onnx_max_abs_diff"] <= 1e-4
    assert (run_dir / "05_export" / "resnet1d" / "model.onnx").is_file()
    return manifest


@pytest.mark.slow
def test_example_folder_of_edf_csv_and_serial_logs_runs_through_the_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    folder = tmp_path / "example"
    assert main(["example", "folder", str(folder), "--n-per-class", "2"]) == 0
    printed = capsys.readouterr().out
    assert ".edf" in printed and ".csv" in printed and ".npz" in printed  # the three sources
    labels = json.loads((folder / "labels.json").read_text())
    assert any(str(e["file"]).startswith("serial") for e in labels["records"])
    params = _shrunk("folder", tmp_path, dataset={"kind": "folder", "path": str(folder)})
    manifest = _check_run(run_params(params, reports_dir=tmp_path / "reports", progress=False))
    assert [s["label"] for s in manifest["stages"]][-1] == "export"


@pytest.mark.slow
def test_synthetic_parameter_set_runs_with_no_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VITALKIT_DATA_DIR", str(tmp_path / "no-data-here"))
    monkeypatch.setenv("VITALKIT_PHYSIONET_MIRROR", "http://127.0.0.1:9/")  # any download would fail
    params = _shrunk(
        "synthetic",
        tmp_path,
        dataset={"n_per_class": 6, "duration_s": 20},
        models={"resnet1d": {"architecture": "resnet1d", "hparams": {"channels": [8, 16]}}},
    )
    _check_run(run_params(params, reports_dir=tmp_path / "reports", progress=False))
    assert not (tmp_path / "no-data-here").exists() or not any((tmp_path / "no-data-here").iterdir())
