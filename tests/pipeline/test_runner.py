"""The runner end to end on real records: smoke run, resume, failures, bad parameters."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from vitalkit.cli import main
from vitalkit.errors import ParamsError, SetupError, StageError
from vitalkit.pipeline.runner import run_params

PROJECT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped smoke parameter set, run once for this module (real MIT-BIH slice)."""
    reports = tmp_path_factory.mktemp("reports")
    return run_params(PROJECT / "params" / "smoke.yaml", reports_dir=reports, progress=False)


@pytest.mark.slow
def test_smoke_run_products_carry_no_machine_paths(smoke_run: Path) -> None:
    """Manifest, executed notebooks and reports name the run, data and notebooks portably."""
    from vitalkit import config

    machine = {str(smoke_run), str(smoke_run.resolve()), str(PROJECT), str(config.data_dir().resolve())}
    texts = [p for p in smoke_run.rglob("*") if p.suffix in {".json", ".ipynb", ".html", ".md", ".csv"}]
    assert len(texts) > 10
    leaks = {str(p.relative_to(smoke_run)): m for p in texts for m in machine if m in p.read_text()}
    assert leaks == {}
    binaries = [*smoke_run.rglob("*.onnx"), *smoke_run.rglob("*.ckpt")]  # exporter notes, Lightning state
    assert len(binaries) >= 3
    leaks = {str(p.relative_to(smoke_run)) for p in binaries for m in machine if m.encode() in p.read_bytes()}
    assert leaks == set()
    manifest = json.loads((smoke_run / "run.json").read_text())
    assert not Path(manifest["data"]["data_dir"]).is_absolute()
    executed = json.loads((smoke_run / "02_preprocess" / "notebook.ipynb").read_text())
    assert executed["metadata"]["papermill"]["input_path"] == "notebooks/02_preprocess.ipynb"


@pytest.mark.slow
def test_smoke_run_writes_every_product(smoke_run: Path) -> None:
    manifest = json.loads((smoke_run / "run.json").read_text())
    assert manifest["status"] == "ok"
    assert [s["label"] for s in manifest["stages"]] == [
        "explore",
        "preprocess",
        "train[resnet1d]",
        "train[rf_transfer]",
        "evaluate",
        "export",
    ]
    for stage in manifest["stages"]:
        folder = smoke_run / stage["folder"]
        assert stage["status"] == "ok" and stage["duration_s"] > 0
        assert (folder / "report.html").is_file() and (folder / "notebook.ipynb").is_file()
        for rel, digest in stage["products"].items():  # manifest hashes match the files
            import hashlib

            assert hashlib.sha256((folder / rel).read_bytes()).hexdigest() == digest
    assert manifest["environment"]["packages"]["torch"].startswith("2.")
    assert "mitdb/100.dat" in manifest["data"]["files"]
    assert (smoke_run / "05_export" / "resnet1d" / "model.onnx").is_file()
    assert (smoke_run / "05_export" / "resnet1d" / "model_card.md").is_file()
    # the classical default is saved without pickle and exported as a self-describing package
    assert (smoke_run / "03_train_rf_transfer" / "model.skops").is_file()
    assert not list(smoke_run.glob("*/model.pkl"))
    from vitalkit.export.package import load_package

    package = load_package(smoke_run / "05_export" / "rf_transfer" / "model.onnx")
    doc = package.metadata
    assert package.input_names == ["rr"] and doc["model"]["kind"] == "classical"
    assert doc["provenance"]["run_id"] == smoke_run.name and len(doc["provenance"]["data_sha256"]) == 64
    records = json.loads((smoke_run / "02_preprocess" / "split.json").read_text())["records"]
    assert doc["provenance"]["training_records"] == sorted(records["train"] + records["val"])
    assert "accuracy" in doc["metrics"]["test"] and doc["metrics"]["selection"]["cross_validated"]
    assert load_package(smoke_run / "05_export" / "resnet1d" / "model.onnx").input_names == ["window", "rr"]
    export = manifest["headline"]["export"]
    assert export["onnx_max_abs_diff"] <= 1e-4
    evaluate = manifest["headline"]["evaluate"]
    assert 0 <= evaluate["accuracy"] <= 1 and len(evaluate["accuracy_ci95"]) == 2
    # the index opens with the test figures of the primary model, whatever the stage order
    index = (smoke_run / "index.html").read_text()
    first_row = index.index("<td>", index.index("Headline"))
    assert index[first_row : first_row + 40].startswith("<td>evaluate</td>"), index[first_row:][:80]
    from vitalkit.pipeline.report import headline_text

    assert headline_text(manifest).splitlines()[1].split()[:2] == ["evaluate", "primary_model"]
    # the cross-validated model: out-of-fold predictions, CV figures beside the test figures,
    # S without record 232, per-type table
    assert (smoke_run / "03_train_rf_transfer" / "cv_oof.npz").is_file()
    # its record smoothing: neighbours from the same record, in the CV and in the exported package
    with np.load(smoke_run / "03_train_rf_transfer" / "cv_oof.npz") as oof:
        assert oof["neighbours"].shape[1] == 10 and float(oof["keep"]) == 0.5
        assert (oof["record"][oof["neighbours"]] == oof["record"][:, None]).all()
    exported = load_package(smoke_run / "05_export" / "rf_transfer" / "model.onnx")
    assert exported.record_smoothing == {"neighbours": 10, "keep": 0.5}
    assert "record_smoothing" in exported.metadata["look_ahead"]
    ev = smoke_run / "04_evaluate"
    for name in ("cv_table.csv", "without_records.csv", "S_by_record.csv", "beat_types.csv"):
        assert (ev / name).is_file(), name
    metrics = json.loads((ev / "metrics.json").read_text())
    assert metrics["models"]["rf_transfer"]["selected_on"] == "cv" and metrics["ranking"][0] == "rf_transfer"
    split = json.loads((smoke_run / "02_preprocess" / "split.json").read_text())
    assert not set(split["records"]["test"]) & set(split["records"]["train"] + split["records"]["val"])


@pytest.mark.slow
def test_reports_load_nothing_from_the_network(smoke_run: Path) -> None:
    pages = [smoke_run / "index.html", *smoke_run.glob("*/report.html")]
    assert len(pages) == 7  # index + explore, preprocess, two trainings, evaluate, export

    for page in pages:
        html = page.read_text()
        external = re.findall(r"""<(?:script|link|img)[^>]+(?:src|href)=["'](https?:)?//""", html)
        assert not external, (page, external)
        assert "cdn." not in html.lower() or "Plotly.newPlot" in html
        for src in re.findall(r"""<script src="([^"]+)">""", html):
            assert (page.parent / src).resolve().is_file(), (page, src)
        # copied out of the run folder, the page says why its figures are missing
        assert 'id="vk-plotly-missing"' in html and 'typeof Plotly === "undefined"' in html, page
    assert (smoke_run / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert "Plotly.newPlot" in (smoke_run / "04_evaluate" / "report.html").read_text()
    assert "Plotly.newPlot" in (smoke_run / "index.html").read_text()
    # code hidden by default; the injected parameters stay visible
    report = (smoke_run / "02_preprocess" / "report.html").read_text()
    assert "build_beat_dataset" not in report and "n_val_records" in report
    assert ".tmp-" not in report  # executed notebooks point at the final folder


@pytest.mark.slow
def test_resume_skips_unchanged_stages(smoke_run: Path) -> None:
    before = json.loads((smoke_run / "run.json").read_text())
    run_params(
        PROJECT / "params" / "smoke.yaml",
        resume=True,
        run_id=smoke_run.name,
        reports_dir=smoke_run.parent,
        progress=False,
    )
    after = json.loads((smoke_run / "run.json").read_text())
    assert all(s["reused"] for s in after["stages"])
    assert [s["products"] for s in after["stages"]] == [s["products"] for s in before["stages"]]


@pytest.mark.slow
def test_a_changed_upstream_product_stops_the_stage_that_reads_it(
    smoke_run: Path, tmp_path: Path, capsys
) -> None:
    """A tampered product (here the classical model file) is caught before any stage reads it."""
    copy = tmp_path / smoke_run.name
    shutil.copytree(smoke_run, copy)
    model = copy / "03_train_rf_transfer" / "model.skops"
    model.write_bytes(model.read_bytes()[:-10] + b"tampered!!")
    rc = main(
        [
            "run",
            str(PROJECT / "params" / "smoke.yaml"),
            "--reports-dir",
            str(tmp_path),
            "--run-id",
            copy.name,
            "--only",
            "evaluate",
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "model.skops: product of train[rf_transfer] changed after the stage wrote it" in err
    assert (copy / "04_evaluate" / "report.html").read_bytes() == (
        smoke_run / "04_evaluate" / "report.html"
    ).read_bytes()


def _mini_params(tmp_path: Path) -> Path:
    data = {
        "name": "mini",
        "stages": ["explore", "preprocess"],
        "seed": 0,
        "explore": {"records": ["100", "101"], "n_examples": 3},
        "preprocess": {
            "train_records": ["106", "118", "119", "209", "223"],
            "test_records": ["100"],
            "n_val_records": 1,
        },
    }
    path = tmp_path / "mini.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.slow
def test_failed_stage_leaves_earlier_products_intact(tmp_path: Path, monkeypatch, copy_records) -> None:
    data_dir = copy_records(["100", "101", "106", "118", "119", "209", "223"], tmp_path / "data")
    monkeypatch.setenv("VITALKIT_DATA_DIR", str(data_dir))
    params = _mini_params(tmp_path)
    reports = tmp_path / "reports"
    run_dir = run_params(params, reports_dir=reports, progress=False)
    good = json.loads((run_dir / "run.json").read_text())
    good_products = {s["label"]: s["products"] for s in good["stages"]}
    # damage record 119 without changing its size: validation passes, reading fails (checksum)
    dat = data_dir / "mitdb" / "119.dat"
    raw = bytearray(dat.read_bytes())
    raw[600_000:600_030] = bytes(30)
    dat.write_bytes(bytes(raw))
    with pytest.raises(StageError) as err:
        run_params(params, resume=True, reports_dir=reports, progress=False)
    assert "stage preprocess failed" in str(err.value) and "119.dat: checksum mismatch" in str(err.value)
    manifest = json.loads((run_dir / "run.json").read_text())
    stages = {s["label"]: s for s in manifest["stages"]}
    assert stages["preprocess"]["status"] == "failed" and manifest["status"] == "failed"
    assert "119.dat: checksum mismatch" in stages["preprocess"]["error"]
    # the recorded error names the file relative to the data folder, the terminal's in full
    assert str(tmp_path) not in stages["preprocess"]["error"], stages["preprocess"]["error"]
    assert "$VITALKIT_DATA_DIR/mitdb/119.dat" in stages["preprocess"]["error"]
    assert str(data_dir / "mitdb" / "119.dat") in str(err.value)
    assert (run_dir / "02_preprocess.failed" / "report.html").is_file()
    from vitalkit.io import hash_tree

    assert hash_tree(run_dir / "02_preprocess") == good_products["preprocess"]  # still the good one
    assert hash_tree(run_dir / "01_explore") == good_products["explore"]
    assert "failed" in (run_dir / "index.html").read_text()


def test_truncated_record_is_a_clear_error_before_anything_runs(
    tmp_path: Path, monkeypatch, capsys, copy_records
) -> None:
    data_dir = copy_records(["100", "101", "106", "118", "119", "209", "223"], tmp_path / "data")
    monkeypatch.setenv("VITALKIT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("VITALKIT_PHYSIONET_MIRROR", "http://127.0.0.1:9/")

    dat = data_dir / "mitdb" / "106.dat"
    dat.write_bytes(dat.read_bytes()[:50_000])
    reports = tmp_path / "reports"
    code = main(["run", str(_mini_params(tmp_path)), "--reports-dir", str(reports)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{dat}: truncated" in err
    assert not reports.exists() or not any(reports.iterdir())  # nothing ran, nothing written


def test_unknown_parameter_rejected_before_anything_runs(tmp_path: Path, capsys) -> None:
    data = yaml.safe_load((PROJECT / "params" / "smoke.yaml").read_text())
    data["train"]["learning_rate"] = 0.1
    params = tmp_path / "typo.yaml"
    params.write_text(yaml.safe_dump(data))
    reports = tmp_path / "reports"
    with pytest.raises(ParamsError, match=r"train\.learning_rate: unknown parameter"):
        run_params(params, reports_dir=reports, progress=False)
    assert not reports.exists()
    assert main(["run", str(params), "--reports-dir", str(reports)]) == 2
    assert "train.learning_rate: unknown parameter of 03_train.ipynb" in capsys.readouterr().err


def test_only_needs_an_earlier_run(tmp_path: Path) -> None:
    with pytest.raises(SetupError, match=r"^--only: needs an earlier run of 'mini'"):
        run_params(_mini_params(tmp_path), only=["preprocess"], reports_dir=tmp_path / "r", progress=False)


def test_option_mistakes_name_the_option_not_a_parameter_set(tmp_path: Path, capsys) -> None:
    params, reports = _mini_params(tmp_path), tmp_path / "reports"
    earlier = reports / "mini-20260101-000000"
    earlier.mkdir(parents=True)
    (earlier / "run.json").write_text(
        json.dumps({"run_id": earlier.name, "params_name": "mini", "status": "ok", "stages": []})
    )
    with pytest.raises(SetupError, match=r"^--only: \['tarin'\] not among this set's stages"):
        run_params(params, only=["tarin"], reports_dir=reports, progress=False)
    with pytest.raises(SetupError, match=r"^--run-id: no run 'mini-x' to continue in "):
        run_params(params, run_id="mini-x", resume=True, reports_dir=reports, progress=False)
    other = reports / "smoke-20260101-000000"
    other.mkdir()
    (other / "run.json").write_text(json.dumps({"run_id": other.name, "params_name": "smoke", "stages": []}))
    rc = main(["run", str(params), "--reports-dir", str(reports), "--run-id", other.name, "--resume"])
    err = capsys.readouterr().err
    assert rc == 2 and "invalid parameter set" not in err
    assert f"--run-id: run {other.name} belongs to parameter set 'smoke', not 'mini'" in err


def test_a_missing_kernel_is_named_with_both_ways_to_register_it(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("VITALKIT_KERNEL", "no-such-kernel-here")
    assert main(["run", str(_mini_params(tmp_path)), "--reports-dir", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "invalid parameter set" not in err
    assert "Jupyter kernel 'no-such-kernel-here': not installed" in err
    assert "in a checkout `make install`" in err
    assert "with an installed package `vitalkit init DIR`" in err
    assert "python -m ipykernel install --sys-prefix --name no-such-kernel-here" in err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_only_reruns_one_stage_of_the_latest_run(tmp_path: Path) -> None:
    params = _mini_params(tmp_path)
    reports = tmp_path / "reports"
    run_dir = run_params(params, reports_dir=reports, progress=False)
    first = json.loads((run_dir / "run.json").read_text())
    again = run_params(params, only=["preprocess"], reports_dir=reports, progress=False)
    assert again == run_dir
    second = json.loads((run_dir / "run.json").read_text())
    assert second["stages"][0]["started"] == first["stages"][0]["started"]  # explore untouched
    assert second["stages"][1]["started"] != first["stages"][1]["started"]
    shutil.rmtree(run_dir)


def test_runs_of_one_set_in_the_same_second_get_their_own_folders(tmp_path: Path) -> None:
    from vitalkit.pipeline.runner import claim_run_dir

    first, second = claim_run_dir(tmp_path, "smoke"), claim_run_dir(tmp_path, "smoke")
    assert first != second and first.is_dir() and second.is_dir()
    assert second.name.startswith(first.name[: len("smoke-YYYYmmdd-HHMMSS")])


def test_a_reports_folder_that_is_a_file_is_named(tmp_path: Path) -> None:
    from vitalkit.pipeline.runner import claim_run_dir

    a_file = tmp_path / "reports"
    a_file.write_text("not a folder")
    with pytest.raises(SetupError) as err:
        claim_run_dir(a_file, "smoke")
    assert str(err.value) == (
        f"reports folder {a_file}: is a file, not a folder; "
        "name another with --reports-dir or VITALKIT_REPORTS_DIR"
    )
    assert a_file.read_text() == "not a folder"
    with pytest.raises(
        SetupError, match=r"^reports folder .*/reports/sub: cannot be created \(Not a directory\)"
    ):
        claim_run_dir(a_file / "sub", "smoke")


def test_a_run_folder_in_use_is_refused_and_a_dead_run_is_reported_interrupted(
    tmp_path: Path, capsys
) -> None:
    from vitalkit.pipeline.lock import RunLock

    run_dir = tmp_path / "smoke-20260101-000000"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(
        json.dumps({"run_id": run_dir.name, "params_name": "smoke", "status": "running", "stages": []})
    )
    with RunLock(run_dir):  # another process running this folder
        rc = main(
            [
                "run",
                str(PROJECT / "params" / "smoke.yaml"),
                "--reports-dir",
                str(tmp_path),
                "--run-id",
                run_dir.name,
                "--resume",
                "--no-progress",
            ]
        )
        err = capsys.readouterr().err
        assert rc == 2 and "in use by another vitalkit process (pid" in err
    from vitalkit.pipeline.params import load_params
    from vitalkit.pipeline.runner import Runner, RunOptions

    params = load_params(PROJECT / "params" / "smoke.yaml", check_data=False)
    said = io.StringIO()
    runner = Runner(params, RunOptions(reports_dir=tmp_path, run_id=run_dir.name, resume=True), out=said)
    try:
        assert runner.manifest.data["previous_status"] == "interrupted"  # died while "running"
        assert "was interrupted (its process ended)" in said.getvalue()
    finally:
        runner.lock.release()
