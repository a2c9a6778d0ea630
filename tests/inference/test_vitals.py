"""`vitalkit predict --task vitals`: a vitals stage's GRU applied to ICU stays, scored by SepsisLabel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from vitalkit.cli import main
from vitalkit.errors import DataError
from vitalkit.export.package import load_package, metadata_problems
from vitalkit.inference.run import predict_files
from vitalkit.inference.vitals import pooled_vitals_score, predict_vitals, score_vitals
from vitalkit.pretrained import resolve_model
from vitalkit.vitals.cohort import Cohort, load_cohort, sepsis_dir
from vitalkit.vitals.stage import RecurrentRun, export_recurrent, train_recurrent


@pytest.fixture(scope="module")
def cohort(data_dir: Path) -> Cohort:
    assert (data_dir / "sepsis2019" / "SUBSET.txt").is_file(), "point VITALKIT_DATA_DIR at the data"
    return load_cohort(n_patients=120, seed=0)


@pytest.fixture(scope="module")
def exported(cohort: Cohort, tmp_path_factory: pytest.TempPathFactory) -> tuple[RecurrentRun, Path]:
    folder = tmp_path_factory.mktemp("vitals")
    run = train_recurrent(cohort, folder, "raw", hidden=8, max_epochs=1, seed=0, threads=1)
    export = export_recurrent(run, folder, threshold=0.4, latency_runs=5, latency_hours=8, run_id="t")
    return run, export.path


def _test_stays(cohort: Cohort) -> tuple[str, str]:
    test = cohort.frame[cohort.frame["split"] == "test"]
    septic = test.loc[test["septic"] & ~test["censored"], "patient"].iloc[0]
    other = test.loc[~test["septic"], "patient"].iloc[0]
    return septic, other


def test_the_exported_gru_is_a_vitals_package(exported: tuple[RecurrentRun, Path]) -> None:
    run, path = exported
    package = load_package(path)
    doc = package.metadata
    assert package.task == "vitals" and metadata_problems(doc) == []
    assert doc["vitals"]["feature_names"] == run.test.feature_names == doc["inputs"][0]["columns"]
    assert doc["vitals"]["alert_threshold"] == 0.4 and doc["vitals"]["inputs"] == "raw"
    assert doc["output"]["classes"] == ["sepsis_6h"] and doc["look_ahead"]
    broken = {**doc, "vitals": {k: v for k, v in doc["vitals"].items() if k != "fill_hours"}}
    assert any("fill_hours" in p for p in metadata_problems(broken))


def test_predicted_risk_is_the_stage_risk_of_the_same_stay(
    cohort: Cohort, exported: tuple[RecurrentRun, Path]
) -> None:
    run, path = exported
    package = load_package(path)
    septic, other = _test_stays(cohort)
    for patient in (septic, other):
        pred = predict_vitals(package, sepsis_dir() / f"{patient}.psv")
        rows = cohort.frame["patient"].to_numpy() == patient
        np.testing.assert_allclose(pred.hours["risk"], run.risk[rows], atol=1e-5)
        assert (pred.hours["alert"] == (pred.hours["risk"] >= 0.4)).all()
    table, summary = score_vitals(predict_vitals(package, sepsis_dir() / f"{septic}.psv"))
    onset = int(cohort.frame.loc[cohort.frame["patient"] == septic, "onset_hour"].iloc[0])
    assert summary["septic"] and summary["onset_hour"] == onset
    assert summary["evaluated_hours"] == onset  # the hours before onset
    assert summary["positive_hours"] == min(6, onset) and 0 <= summary["auroc"] <= 1
    assert table.index.tolist() == [septic]


def test_predict_files_writes_each_stay_and_the_cli_pools_them(
    cohort: Cohort, exported: tuple[RecurrentRun, Path], tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _, path = exported
    stays = [str(sepsis_dir() / f"{p}.psv") for p in _test_stays(cohort)]
    results = predict_files(stays, tmp_path / "out", model=path, score=True, inputs=True)
    for r in results:
        files = sorted(p.name for p in r.folder.iterdir())
        assert files == [
            "hours.csv",
            "inputs.csv",
            "prediction.json",
            "report.html",
            "score.csv",
            "score.json",
        ]
        hours = pd.read_csv(r.folder / "hours.csv")
        assert list(hours.columns) == ["hour", "time_h", "risk", "alert"]
        assert "Risk and vital signs" in (r.folder / "report.html").read_text()
    pooled = pooled_vitals_score([r.predictions for r in results])
    assert pooled["stays"] == 2 and pooled["septic_stays"] == 1 and np.isfinite(pooled["utility"])
    assert main(["predict", str(path), *stays, "--out", str(tmp_path / "cli"), "--score"]) == 0
    out = capsys.readouterr().out
    assert "pooled over 2 stays (1 septic): AUROC" in out and "evaluated hours" in out
    import json

    written = json.loads((tmp_path / "cli" / "pooled_score.json").read_text())
    assert written["stays"] == 2 and written["auroc"] == pytest.approx(pooled["auroc"])


def test_bad_stays_and_wrong_models_are_named(exported: tuple[RecurrentRun, Path], tmp_path: Path) -> None:
    _, path = exported
    lines = (sepsis_dir() / "p100001.psv").read_text().splitlines()
    short = tmp_path / "short.psv"
    short.write_text("\n".join(lines[:2]) + "\n")
    with pytest.raises(DataError, match=r"short\.psv: 1 hourly row"):
        predict_files([short], tmp_path / "out", model=path)
    assert not (tmp_path / "out" / "short").exists()
    unlabelled = tmp_path / "bedside.psv"
    unlabelled.write_text("\n".join(line.rsplit("|", 1)[0] for line in lines) + "\n")
    (ok,) = predict_files([unlabelled], tmp_path / "out", model=path)  # predicted, not scored
    assert ok.summary is None and (ok.folder / "hours.csv").is_file()
    with pytest.raises(DataError, match="bedside: --score needs SepsisLabel"):
        predict_files([unlabelled], tmp_path / "out2", model=path, score=True)
    with pytest.raises(DataError, match="a 'beats' model, but --task vitals"):
        predict_files([unlabelled], tmp_path / "out3", model=resolve_model("beats"), task="vitals")
    with pytest.raises(DataError, match="no shipped vitals model"):
        predict_files([unlabelled], tmp_path / "out3", task="vitals")
    with pytest.raises(DataError, match="not a Challenge 2019 file"):
        predict_files([sepsis_dir() / "SUBSET.txt"], tmp_path / "out3", model=path)
