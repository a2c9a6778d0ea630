"""Faults across OS processes (issue 13): the real ``vitalkit run`` command, each run its own process.

- ``kill -9`` of a run's process group while its second stage executes, then ``--resume``: the
  finished stage is reused, the killed one re-run, every product matches its SHA-256 in
  ``run.json`` and no temporary folder is left;
- two runs of one set started together: both finish in folders of their own; a ``--resume`` of
  the set meanwhile is refused at once naming the running process, which is not harmed.

The set is the smallest real slice with two stages: explore on one MIT-BIH record, preprocess on
six (about 35 s for a whole run on 2 cores).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
import yaml

from vitalkit import config
from vitalkit.io import hash_tree
from vitalkit.pipeline.lock import LOCK_NAME, effective_manifest, lock_held

PROJECT = Path(__file__).resolve().parents[2]

MINI = {
    "name": "mini",
    "stages": ["explore", "preprocess"],
    "seed": 0,
    "report": {"show_code": False},
    "explore": {"records": ["100"], "n_examples": 3},
    "preprocess": {
        "train_records": ["106", "118", "119", "209", "223"],
        "test_records": ["100"],
        "n_val_records": 1,
    },
}


class Runs:
    """Starts ``vitalkit run`` processes, each in a session of its own, and ends any still alive."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.params = tmp_path / "mini.yaml"
        self.params.write_text(yaml.safe_dump(MINI))
        self.reports = tmp_path / "reports"
        self.env = {**os.environ, "PYTHONPATH": str(PROJECT), "VITALKIT_DATA_DIR": str(config.data_dir())}
        self.started: list[subprocess.Popen[str]] = []
        self._logs = 0

    def command(self, *extra: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "vitalkit.cli",
            "run",
            str(self.params),
            "--reports-dir",
            str(self.reports),
            "--no-progress",
            *extra,
        ]

    def start(self, *extra: str) -> subprocess.Popen[str]:
        """A run in the background; its stdout and stderr go to one log file (see :func:`output`)."""
        self._logs += 1
        log = self.tmp_path / f"run-{self._logs}.log"
        with log.open("w") as out:
            proc = subprocess.Popen(
                self.command(*extra),
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                start_new_session=True,  # its own process group, to kill as a whole
            )
        proc.log = log  # type: ignore[attr-defined]
        self.started.append(proc)
        return proc

    def call(self, *extra: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        """A run in the foreground, to its end."""
        command = self.command(*extra)
        return subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)

    def end_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def runs(tmp_path: Path) -> Iterator[Runs]:
    started = Runs(tmp_path)
    try:
        yield started
    finally:
        started.end_all()


def output(proc: subprocess.Popen[str]) -> str:
    return proc.log.read_text()  # type: ignore[attr-defined]


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    end = time.monotonic() + timeout
    while not (found := predicate()):
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.1)
    return found


def _manifest(run_dir: Path) -> dict[str, Any] | None:
    try:
        return json.loads((run_dir / "run.json").read_text())
    except FileNotFoundError:
        return None


def _stages(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in manifest["stages"]}


def _data_products(manifest: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Each stage's products but the executed notebook and its report (which name their run)."""
    named = {"notebook.ipynb", "report.html"}
    return {
        s["label"]: {k: v for k, v in s["products"].items() if k not in named} for s in manifest["stages"]
    }


def assert_consistent(run_dir: Path) -> dict[str, Any]:
    """A finished run: status ok, and each stage folder holds exactly the files ``run.json`` lists,
    with the SHA-256 recorded there; no temporary, old or failed folder and no stray hidden file."""
    manifest = json.loads((run_dir / "run.json").read_text())
    assert manifest["status"] == "ok" and manifest["run_id"] == run_dir.name
    stages = _stages(manifest)
    assert list(stages) == ["explore", "preprocess"]
    for label, stage in stages.items():
        assert stage["status"] == "ok", label
        assert stage["products"], label
        assert hash_tree(run_dir / stage["folder"]) == stage["products"], label
    leftovers = [p.name for p in run_dir.iterdir() if p.name.startswith(".") and p.name != LOCK_NAME]
    assert leftovers == [] and not list(run_dir.glob("*.failed"))
    assert not lock_held(run_dir)
    return manifest


@pytest.mark.slow
def test_kill_9_during_the_second_stage_then_resume_reuses_the_first_and_completes(runs: Runs) -> None:
    first = runs.start()

    def preprocess_running() -> tuple[Path, dict[str, Any]] | None:
        for run_dir in runs.reports.glob("mini-*"):
            manifest = _manifest(run_dir)
            stages = _stages(manifest) if manifest else {}
            tmp = run_dir / f".02_preprocess.tmp-{first.pid}"
            # the kernel has run cells of the notebook (papermill saves it after each one)
            if stages.get("preprocess", {}).get("status") == "running" and (tmp / "notebook.ipynb").is_file():
                return run_dir, manifest
        assert first.poll() is None, output(first)
        return None

    run_dir, before = _wait_for(preprocess_running, 120, "the preprocess stage to start")
    assert _stages(before)["explore"]["status"] == "ok"
    kernels = psutil.Process(first.pid).children(recursive=True)
    assert kernels, "papermill's kernel is not running"
    os.killpg(first.pid, signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    # the kernel lives in a session of its own; it notices its parent is gone and ends
    _, alive = psutil.wait_procs(kernels, timeout=15)
    assert not alive, f"kernel processes outlived the killed run: {alive}"

    assert (run_dir / f".02_preprocess.tmp-{first.pid}").is_dir()  # what the kill left behind
    assert not (run_dir / "02_preprocess").exists()
    assert not lock_held(run_dir)  # the kernel released the dead process's lock
    stale = _manifest(run_dir)
    assert stale is not None and stale["status"] == "running"
    assert effective_manifest(run_dir, stale)["status"] == "interrupted"  # as summary/index show it
    # what a kill in the middle of rewriting run.json would leave (vitalkit.io.atomic_path's temp)
    half_written = run_dir / ".run.json.x1y2z3.tmp"
    half_written.write_text('{"run_id": ')

    resumed = runs.call("--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert f"run {run_dir.name} was interrupted (its process ended); continuing it" in resumed.stdout
    assert "explore: unchanged, reusing 01_explore/" in resumed.stdout
    assert "preprocess: running 02_preprocess.ipynb" in resumed.stdout
    assert [p.name for p in runs.reports.iterdir()] == [run_dir.name]  # continued in place
    assert not half_written.exists()

    after = assert_consistent(run_dir)
    assert after["previous_status"] == "interrupted"
    explore, preprocess = _stages(after)["explore"], _stages(after)["preprocess"]
    explored = _stages(before)["explore"]
    assert explore["reused"] is True
    assert {k: explore[k] for k in ("started", "finished", "fingerprint", "products")} == {
        k: explored[k] for k in ("started", "finished", "fingerprint", "products")
    }  # the record of the first process's execution, not a new one
    assert preprocess["reused"] is False and preprocess["started"] > explore["finished"]


@pytest.mark.slow
def test_two_runs_started_together_finish_apart_and_a_resume_meanwhile_is_refused(runs: Runs) -> None:
    a, b = runs.start(), runs.start()

    def both_running() -> list[Path] | None:
        for proc in (a, b):
            assert proc.poll() is None, output(proc)
        folders = sorted(p.parent for p in runs.reports.glob("mini-*/run.json"))
        return folders if len(folders) == 2 else None

    folders = _wait_for(both_running, 120, "both runs to write run.json")
    assert {f.name for f in folders} == {json.loads((f / "run.json").read_text())["run_id"] for f in folders}

    # the latest run of the set is in use: refused at once (no waiting for the lock), naming its pid
    start = time.monotonic()
    refused = runs.call("--resume", timeout=60)
    elapsed = time.monotonic() - start
    holders = {int((f / LOCK_NAME).read_text()): f for f in folders}
    assert set(holders) == {a.pid, b.pid}  # each run holds the lock of its own folder
    assert refused.returncode == 2, refused.stdout + refused.stderr
    pids = [pid for pid in holders if f"in use by another vitalkit process (pid {pid})" in refused.stderr]
    assert len(pids) == 1, refused.stderr
    assert str(holders[pids[0]]) in refused.stderr and "Traceback" not in refused.stderr
    assert elapsed < 30, f"a refused --resume took {elapsed:.0f} s"
    assert a.poll() is None and b.poll() is None  # both still running

    for proc in (a, b):
        assert proc.wait(300) == 0, output(proc)
    assert sorted(runs.reports.iterdir()) == folders  # the refused resume created nothing
    manifests = [assert_consistent(f) for f in folders]
    by_pid = {pid: json.loads((f / "run.json").read_text())["run_id"] for pid, f in holders.items()}
    for proc in (a, b):
        assert f"VitalKit run {by_pid[proc.pid]}:" in output(proc)  # each wrote only its own folder
    assert "previous_status" not in manifests[0] and "previous_status" not in manifests[1]
    # the same set on the same data: the same data products, byte for byte, in two folders
    assert _data_products(manifests[0]) == _data_products(manifests[1])
