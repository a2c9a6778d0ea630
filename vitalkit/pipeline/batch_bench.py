"""``vitalkit benchmark batch SPEC``: the same members one after another, then on a LocalCluster.

Prints the serial wall time (``workers x threads`` torch threads, one member at a time), the
Dask wall time (``workers`` processes x ``threads`` threads), their ratio, the cluster start
time and two per-member figures of the time workers were not running a member:

* ``idle_per_member_s``: from submission to the last result, summed over workers and divided
  by the members. It includes load imbalance: a worker that finishes its last member while the
  other still runs one waits, which no scheduler removes.
* ``overhead_per_member_s``: Dask's own share, the gaps a worker spent between members (from
  submission to its first member's start, from one member's end to its next member's start,
  from its last member's end to that result reaching the client), summed and divided by the
  members.

Examples
--------
>>> overhead_per_member([{"pid": 1, "duration_s": 9.0}, {"pid": 2, "duration_s": 8.0}], 10.0)
1.5
>>> dask_gaps_per_member([
...     {"pid": 1, "submitted": 0.0, "started": 0.5, "finished": 4.0, "received": 4.1},
...     {"pid": 1, "submitted": 0.0, "started": 4.3, "finished": 8.0, "received": 8.2},
... ])
0.5
"""

from __future__ import annotations

import itertools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, TextIO

from vitalkit.pipeline.batch import load_spec
from vitalkit.pipeline.batch_dask import make_client, run_member, run_members


def overhead_per_member(results: list[dict[str, Any]], wall_s: float) -> float:
    """Idle worker time per member: sum over workers of (wall - time running members) / members."""
    busy: dict[Any, float] = defaultdict(float)
    for r in results:
        busy[r["pid"]] += r["duration_s"]
    return round(sum(wall_s - b for b in busy.values()) / len(results), 2)


def dask_gaps_per_member(results: list[dict[str, Any]]) -> float:
    """Time each worker spent between members (Dask's own overhead), summed, per member.

    Needs each result's ``submitted``, ``started``, ``finished`` and ``received`` times (epoch
    seconds, as :func:`vitalkit.pipeline.batch_dask.run_members` records them).
    """
    by_worker: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        by_worker[r["pid"]].append(r)
    gaps = 0.0
    for members in by_worker.values():
        members.sort(key=lambda r: r["started"])
        gaps += members[0]["started"] - members[0]["submitted"]
        gaps += sum(b["started"] - a["finished"] for a, b in itertools.pairwise(members))
        gaps += members[-1]["received"] - members[-1]["finished"]
    return round(gaps / len(results), 2)


def benchmark_batch(spec_file: str, workers: int = 2, threads: int = 1, out: TextIO | None = None) -> dict:
    """Run the spec's members serially, then on Dask, in fresh folders; print and return the figures."""
    out = out or sys.stdout
    root = Path(tempfile.mkdtemp(prefix="vitalkit-batch-bench-"))
    spec = load_spec(spec_file, root / "spec")
    figures: dict[str, Any] = {"members": len(spec.members), "workers": workers, "threads": threads}
    for mode in ("serial", "dask"):
        reports = root / mode
        reports.mkdir()
        jobs = {
            m.id: dict(
                params_file=str(m.params_file),
                reports_dir=str(reports),
                run_id=m.id,
                resume=False,
                threads=threads,
                log_file=str(reports / f"{m.id}.log"),
            )
            for m in spec.members
        }
        results: list[dict[str, Any]] = []
        if mode == "serial":
            start = time.perf_counter()
            for kwargs in jobs.values():
                results.append(run_member(**{**kwargs, "threads": workers * threads}))
            figures["serial_s"] = round(time.perf_counter() - start, 2)
        else:
            start = time.perf_counter()
            with make_client(None, workers, threads, retries=1) as client:
                client.wait_for_workers(workers)
                figures["cluster_start_s"] = round(time.perf_counter() - start, 2)
                start = time.perf_counter()
                run_members(client, jobs, lambda _id, r, into=results: into.append(r), out=out)
                figures["dask_s"] = round(time.perf_counter() - start, 2)
            figures["idle_per_member_s"] = overhead_per_member(results, figures["dask_s"])
            figures["overhead_per_member_s"] = dask_gaps_per_member(results)
        failed = [r for r in results if r["status"] != "done"]
        if failed:
            raise RuntimeError(f"{mode}: {len(failed)} member(s) failed: {failed[0].get('error')}")
    figures["ratio"] = round(figures["dask_s"] / figures["serial_s"], 3)
    for key, value in figures.items():
        print(f"{key:>24}: {value}", file=out, flush=True)
    print(f"runs under {root}", file=out)
    return figures
