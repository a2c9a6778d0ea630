"""``vitalkit batch SPEC``: validate a batch, lock it, run its members on Dask, keep its manifest.

A batch lives in ``<reports>/batch-<name>-<time>/``: ``batch.json`` (the batch manifest),
``members/*.yaml`` (each member's parameter file), ``logs/`` (each member's runner output), one
ordinary run folder per member (``<name>-m00`` ...) and ``index.html`` (the comparison). While it
runs, ``<reports>/.batch-<name>/.lock`` (:class:`~vitalkit.pipeline.lock.RunLock`) is held, so
two scheduled batches of the same spec never run at once: the second refuses at once; and so is
the batch folder's own ``.lock``, so that a reader knows whether the batch's driver is alive:
``vitalkit batch SPEC --status`` (:func:`batch_status`) shows a batch whose driver died as
``interrupted`` instead of ``running`` forever. ``resume`` continues the latest batch of the spec,
re-running only members not ``done`` (each resumed member reuses its run's unchanged stages).

Examples
--------
>>> run_batch("params/batch-smoke.yaml", workers=2, threads=1)  # doctest: +SKIP
PosixPath('reports/batch-smoke-sweep-20261206-121000')
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any, TextIO

from vitalkit import config
from vitalkit.errors import SetupError, StageError
from vitalkit.pipeline.batch import (
    interrupted_batch,
    load_spec,
    member_result,
    merge_manifest,
    new_manifest,
    read_manifest,
    shown_manifest,
    to_run,
    write_manifest,
)
from vitalkit.pipeline.batch_dask import make_client, run_members
from vitalkit.pipeline.batch_report import write_batch_index
from vitalkit.pipeline.lock import RunLock, RunLockedError
from vitalkit.pipeline.manifest import now
from vitalkit.pipeline.params import load_yaml
from vitalkit.pipeline.runner import check_kernel, claim_run_dir, kernel_name


def latest_batch(reports_dir: Path, name: str) -> Path | None:
    """The most recent batch folder of a spec name, or None."""
    found = [p.parent for p in reports_dir.glob(f"batch-{name}-*/batch.json")]
    found = [p for p in found if (read_manifest(p) or {}).get("batch") == name]
    return max(found, key=lambda p: p.name) if found else None


def run_batch(
    spec_file: str | Path,
    resume: bool = False,
    scheduler: str | None = None,
    workers: int = 2,
    threads: int = 1,
    retries: int = 1,
    reports_dir: str | Path | None = None,
    out: TextIO | None = None,
) -> Path:
    """Validate every member, then run those to run on Dask; return the batch folder.

    Raises
    ------
    ParamsError
        When the spec or any member is invalid (nothing has run).
    SetupError
        When the Jupyter kernel is not installed or the reports folder cannot hold the batch.
    StageError
        When a member failed (after the manifest and report are written).
    """
    out = out or sys.stdout
    reports = Path(reports_dir) if reports_dir else config.reports_dir()
    name = str(load_yaml(spec_file).get("name"))
    with RunLock(reports / f".batch-{name}"), contextlib.ExitStack() as held:
        check_kernel(kernel_name())
        batch_dir = latest_batch(reports, name) if resume else None
        if batch_dir is None:
            batch_dir = claim_run_dir(reports, f"batch-{name}")
        held.enter_context(RunLock(batch_dir))  # alive while this process is: see batch_status
        print(f"validating {spec_file} (every member) ...", file=out, flush=True)
        spec = load_spec(spec_file, batch_dir)
        manifest = read_manifest(batch_dir) if resume else None
        manifest = merge_manifest(manifest, new_manifest(spec, batch_dir))
        pending = to_run(manifest, resume)
        manifest.update(status="running", updated=now(), scheduler=scheduler)
        manifest.update(workers=workers, threads=threads)
        print(
            f"batch {batch_dir.name}: {len(manifest['members'])} member(s), running {pending or 'none'} "
            f"on {scheduler or f'LocalCluster({workers} workers x {threads} threads)'}",
            file=out,
            flush=True,
        )
        (batch_dir / "logs").mkdir(exist_ok=True)
        jobs: dict[str, dict[str, Any]] = {}
        for member_id in pending:
            member = manifest["members"][member_id]
            # relative to the batch folder (batch.json names no machine path; merge_manifest has
            # rewritten an older manifest's paths)
            member.update(status="running", error=None, run_dir=f"{name}-{member_id}")
            jobs[member_id] = {
                "params_file": str(batch_dir / member["params"]),
                "reports_dir": str(batch_dir),
                "run_id": f"{name}-{member_id}",
                "resume": resume,
                "threads": threads,
                "log_file": str(batch_dir / "logs" / f"{member_id}.log"),
            }
        write_manifest(batch_dir, manifest)
        write_batch_index(batch_dir, manifest)

        def on_result(member_id: str, result: dict[str, Any]) -> None:
            member = manifest["members"][member_id]
            member.update(member_result(result))  # no absolute run folder, host or pid
            manifest["updated"] = now()
            write_manifest(batch_dir, manifest)
            write_batch_index(batch_dir, manifest)

        if jobs:
            start = time.perf_counter()
            with make_client(scheduler, workers, threads, retries) as client:
                manifest["cluster_start_s"] = round(time.perf_counter() - start, 2)
                start = time.perf_counter()
                run_members(client, jobs, on_result, out=out)
                manifest["wall_s"] = round(time.perf_counter() - start, 2)
        statuses = [m["status"] for m in manifest["members"].values()]
        manifest["status"] = "done" if all(s == "done" for s in statuses) else "failed"
        manifest["updated"] = now()
        write_manifest(batch_dir, manifest)
        index = write_batch_index(batch_dir, manifest)
    failed = [k for k, m in manifest["members"].items() if m["status"] != "done"]
    if failed:
        raise StageError(
            f"batch {batch_dir.name}: member(s) {failed} failed (see {batch_dir / 'batch.json'} and "
            f"{batch_dir / 'logs'}); re-run only them with `vitalkit batch {spec_file} --resume`"
        )
    print(f"done: {index}", file=out, flush=True)
    return batch_dir


def batch_status(
    spec_file: str | Path, reports_dir: str | Path | None = None, out: TextIO | None = None
) -> Path:
    """Print the latest batch of a spec: its folder, status and every member's status, duration and
    error; return the batch folder.

    A batch whose ``batch.json`` says ``running`` while no process holds its folder's lock has lost
    its driver and is shown ``interrupted`` (:func:`~vitalkit.pipeline.batch.shown_manifest`), and
    its ``index.html`` is rewritten to say so (holding the lock, reading ``batch.json`` again
    under it; a folder in use or read-only keeps its page). ``batch.json`` is not changed:
    ``--resume`` continues the batch.

    Raises
    ------
    SetupError
        When no batch of the spec has started under the reports folder.

    Examples
    --------
    >>> batch_status("params/batch-smoke.yaml")  # doctest: +SKIP
    batch-smoke-sweep-20261206-121000: interrupted (resume with `vitalkit batch ... --resume`)
    """
    out = out or sys.stdout
    reports = Path(reports_dir) if reports_dir else config.reports_dir()
    name = str(load_yaml(spec_file).get("name"))
    batch_dir = latest_batch(reports, name)
    if batch_dir is None:
        raise SetupError(f"reports folder {reports}", f"no batch of {name!r} ({spec_file}) has started there")
    recorded = read_manifest(batch_dir) or {}
    shown = shown_manifest(batch_dir, recorded)
    if shown is not recorded:
        try:
            with RunLock(batch_dir):
                current = read_manifest(batch_dir) or {}
                if current.get("status") == "running":
                    write_batch_index(batch_dir, interrupted_batch(current))
        except (RunLockedError, OSError):
            pass
    hint = f" (resume with `vitalkit batch {spec_file} --resume`)" if shown["status"] != "done" else ""
    print(f"{batch_dir.name}: {shown['status']}{hint}", file=out)
    for member_id, member in shown["members"].items():
        duration = member.get("duration_s")
        took = f"{duration:.0f} s" if isinstance(duration, int | float) else "-"
        error = f"  {str(member['error']).splitlines()[0][:120]}" if member.get("error") else ""
        print(f"  {member_id}  {member['status']:<11s} {took:>7s}{error}", file=out)
    return batch_dir
