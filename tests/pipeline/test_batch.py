"""Batches: spec and grid validation, the batch manifest, the comparison report, and a real
2-member batch on a 2-process LocalCluster with one worker killed mid-run, then ``--resume``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from vitalkit.errors import ParamsError
from vitalkit.io import write_json
from vitalkit.pipeline.batch import expand_grid, load_spec, new_manifest, set_dotted, to_run
from vitalkit.pipeline.batch_report import write_batch_index
from vitalkit.pipeline.batch_run import run_batch
from vitalkit.pipeline.lock import RunLock, RunLockedError

PROJECT = Path(__file__).resolve().parents[2]
# The smallest real parameter set the runner takes: the explore stage on two MIT-BIH records.
TINY = {
    "name": "tiny",
    "stages": ["explore"],
    "seed": 0,
    "report": {"show_code": False},
    "explore": {"records": ["100", "106"], "n_examples": 5},
}


def _spec(tmp_path: Path, **spec) -> Path:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(TINY))
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump({"name": "tiny", "base": "base.yaml", **spec}))
    return path


def test_grid_is_the_cartesian_product_first_key_slowest() -> None:
    grid = expand_grid({"models.m.train.lr": [1e-3, 3e-4], "seed": [0, 1, 2]})
    assert len(grid) == 6
    assert grid[0] == {"models.m.train.lr": 1e-3, "seed": 0}
    assert grid[-1] == {"models.m.train.lr": 3e-4, "seed": 2}
    assert set_dotted({"a": {"x": 1}}, "a.b.c", 2) == {"a": {"x": 1, "b": {"c": 2}}}


def test_every_member_is_written_and_validated(tmp_path: Path) -> None:
    spec = load_spec(_spec(tmp_path, grid={"seed": [0, 1], "explore.n_examples": [3]}), tmp_path / "b")
    assert [m.id for m in spec.members] == ["m00", "m01"]
    member = yaml.safe_load(spec.members[1].params_file.read_text())
    assert member["seed"] == 1 and member["explore"]["n_examples"] == 3 and member["name"] == "tiny-m01"
    manifest = new_manifest(spec, tmp_path / "b")
    assert manifest["members"]["m01"]["params"] == "members/m01.yaml"  # relative to the batch folder
    assert not Path(manifest["spec"]).is_absolute()
    assert str(tmp_path) not in json.dumps(manifest["members"])
    assert to_run(manifest, resume=True) == ["m00", "m01"]
    manifest["members"]["m00"]["status"] = "done"
    assert to_run(manifest, resume=True) == ["m01"]
    assert to_run(manifest, resume=False) == ["m00", "m01"]


def test_an_invalid_member_fails_the_whole_batch_before_anything_runs(tmp_path: Path) -> None:
    with pytest.raises(ParamsError) as err:
        load_spec(
            _spec(tmp_path, grid={"explore.n_examples": [3, "many"], "explore.bogus": [1]}), tmp_path / "b"
        )
    text = str(err.value)
    assert "member m00" in text and "member m01" in text and "bogus" in text and "many" in text


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"grid": {"seed": [0]}, "members": ["base.yaml"]}, "either 'grid'"),
        ({"grid": {"seed": []}}, "grid.seed"),
        ({"grid": {"seed": [0]}, "best_by": "evaluate.macro_f1"}, "never a test metric"),
        ({"grid": {"seed": [0]}, "colour": "red"}, "colour: unknown key"),
    ],
)
def test_spec_errors_name_the_field(tmp_path: Path, spec: dict, problem: str) -> None:
    with pytest.raises(ParamsError, match=problem):
        load_spec(_spec(tmp_path, **spec), tmp_path / "b")


def test_a_batch_of_the_same_spec_already_running_is_refused(tmp_path: Path) -> None:
    spec = _spec(tmp_path, grid={"seed": [0]})
    with RunLock(tmp_path / "reports" / ".batch-tiny"), pytest.raises(RunLockedError):
        run_batch(spec, reports_dir=tmp_path / "reports")
    assert not list((tmp_path / "reports").glob("batch-*"))


def _run_json(run_dir: Path, f1: float, test_f1: float) -> None:
    stages = [
        {
            "label": "train[m]",
            "status": "ok",
            "headline": {"metrics": {"best_val_macro_f1": f1, "epochs": 1}},
        },
        {
            "label": "evaluate",
            "status": "ok",
            "headline": {"metrics": {"macro_f1": test_f1, "macro_f1_ci95": [test_f1 - 0.1, test_f1 + 0.1]}},
        },
    ]
    write_json(run_dir / "run.json", {"run_id": run_dir.name, "stages": stages})
    (run_dir / "index.html").write_text("run")


def test_report_ranks_by_the_validation_metric_never_the_test_metric(tmp_path: Path) -> None:
    members = {}
    for member_id, f1, test_f1 in [("m00", 0.5, 0.9), ("m01", 0.7, 0.6)]:
        _run_json(tmp_path / f"t-{member_id}", f1, test_f1)
        members[member_id] = {
            "status": "done",
            "run_dir": str(tmp_path / f"t-{member_id}"),
            "duration_s": 3.0,
            "overrides": {"seed": int(member_id[-1])},
        }
    members["m02"] = {"status": "failed", "run_dir": None, "error": "KilledWorker", "overrides": {"seed": 2}}
    manifest = {
        "batch": "t",
        "spec": "s.yaml",
        "status": "failed",
        "best_by": "train[m].best_val_macro_f1",
        "best_mode": "max",
        "members": members,
    }
    page = write_batch_index(tmp_path, manifest).read_text()
    assert "<b>m01</b> = 0.7" in page  # not m00, whose test macro F1 is higher
    assert 'href="t-m00/index.html"' in page and 'href="t-m01/index.html"' in page
    assert "0.9 [0.8, 1]" in page  # headline value with its CI
    assert "train[m].epochs" not in page  # equal in every member: left out
    assert "KilledWorker" in page and "seed=2" in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page


def _wait_for(predicate, timeout: float) -> None:
    end = time.time() + timeout
    while not predicate():
        assert time.time() < end, "timed out"
        time.sleep(0.1)


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_member_and_resume_reruns_only_it(tmp_path: Path) -> None:
    spec = _spec(tmp_path, grid={"seed": [0, 1]})
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-m", "vitalkit.cli", "batch", str(spec), "--reports-dir", str(reports)]
    batch = subprocess.Popen([*command, "--retries", "0"], env=env, stdout=subprocess.PIPE, text=True)
    lock = None

    def running() -> bool:  # the member's run folder is locked by the worker process running it
        nonlocal lock
        found = list(reports.glob("batch-tiny-*/tiny-m00/.lock"))
        lock = found[0] if found else None
        return bool(lock and lock.read_text().strip() and (lock.parent / "run.json").is_file())

    _wait_for(running, 120)
    os.kill(int(lock.read_text()), signal.SIGKILL)
    out, _ = batch.communicate(timeout=300)
    assert batch.returncode == 2, out  # the CLI exit status of a VitalKit error
    batch_dir = lock.parent.parent
    manifest = json.loads((batch_dir / "batch.json").read_text())
    m00, m01 = manifest["members"]["m00"], manifest["members"]["m01"]
    assert manifest["status"] == "failed"
    assert m00["status"] == "failed" and "KilledWorker" in m00["error"]
    assert (
        m01["status"] == "done"
        and json.loads((batch_dir / m01["run_dir"] / "run.json").read_text())["status"] == "ok"
    )
    # no machine details: run folders and parameter files relative to the batch folder, no host or pid
    assert str(tmp_path) not in json.dumps(manifest["members"]) and not Path(manifest["spec"]).is_absolute()
    assert m01["run_dir"] == "tiny-m01" and m01["params"] == "members/m01.yaml"
    assert not {"host", "pid"} & {k for m in manifest["members"].values() for k in m}
    assert "failed" in (batch_dir / "index.html").read_text()

    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "running ['m00']" in resumed.stdout
    after = json.loads((batch_dir / "batch.json").read_text())
    assert after["status"] == "done"
    assert after["members"]["m00"]["status"] == "done"
    assert after["members"]["m01"] == m01  # untouched
    assert json.loads((batch_dir / m00["run_dir"] / "run.json").read_text())["status"] == "ok"
    assert str(tmp_path) not in json.dumps(after["members"])
    assert not list(reports.glob("batch-tiny-*/batch.json"))[1:]  # resumed in place, no new batch


def test_status_shows_a_batch_whose_driver_died_as_interrupted(tmp_path: Path, capsys) -> None:
    from vitalkit.pipeline.batch_run import batch_status

    spec_file = _spec(tmp_path, grid={"seed": [0, 1]})
    reports = tmp_path / "reports"
    batch_dir = reports / "batch-tiny-20261207-120000"
    manifest = new_manifest(load_spec(spec_file, batch_dir), batch_dir)
    manifest["status"] = "running"
    manifest["members"]["m00"].update(status="done", duration_s=12.0)
    manifest["members"]["m01"].update(status="running")
    write_json(batch_dir / "batch.json", manifest)
    write_batch_index(batch_dir, manifest)

    with RunLock(batch_dir):  # the driver is alive: shown as recorded
        batch_status(spec_file, reports_dir=reports)
        assert capsys.readouterr().out.splitlines()[0].startswith("batch-tiny-20261207-120000: running")
    batch_status(spec_file, reports_dir=reports)  # the driver died: nobody holds the lock
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("batch-tiny-20261207-120000: interrupted (resume with")
    assert out[1].split()[:2] == ["m00", "done"] and out[2].split()[:2] == ["m01", "interrupted"]
    assert 'class="interrupted">interrupted<' in (batch_dir / "index.html").read_text()
    assert json.loads((batch_dir / "batch.json").read_text())["status"] == "running"  # kept for --resume
    assert to_run(json.loads((batch_dir / "batch.json").read_text()), resume=True) == ["m01"]


def test_status_without_a_batch_names_the_folder(tmp_path: Path) -> None:
    from vitalkit.errors import SetupError
    from vitalkit.pipeline.batch_run import batch_status

    with pytest.raises(SetupError, match="no batch of 'tiny'"):
        batch_status(_spec(tmp_path), reports_dir=tmp_path / "reports")


@pytest.mark.slow
def test_a_killed_driver_is_shown_interrupted_and_resume_finishes_it(tmp_path: Path) -> None:
    spec = _spec(tmp_path, grid={"seed": [0]})
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    command = [sys.executable, "-m", "vitalkit.cli", "batch", str(spec), "--reports-dir", str(reports)]
    # its own session, so that kill -9 takes the driver and its Dask workers (a closed terminal)
    batch = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, start_new_session=True)
    _wait_for(lambda: bool(list(reports.glob("batch-tiny-*/tiny-m00/run.json"))), 120)
    os.killpg(batch.pid, signal.SIGKILL)
    batch.wait(timeout=60)
    batch_dir = next(reports.glob("batch-tiny-*"))
    assert json.loads((batch_dir / "batch.json").read_text())["status"] == "running"  # as it was left
    status = subprocess.run([*command, "--status"], env=env, capture_output=True, text=True, timeout=120)
    assert status.returncode == 0, status.stderr
    assert status.stdout.startswith(f"{batch_dir.name}: interrupted (resume with"), status.stdout
    assert "interrupted" in status.stdout.splitlines()[1]
    assert 'class="interrupted">interrupted<' in (batch_dir / "index.html").read_text()
    resumed = subprocess.run([*command, "--resume"], env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    status = subprocess.run([*command, "--status"], env=env, capture_output=True, text=True, timeout=120)
    assert status.stdout.splitlines()[0] == f"{batch_dir.name}: done"
