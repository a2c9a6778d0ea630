"""Members handed to a LocalCluster: spread over the workers, never more in flight than threads."""

from __future__ import annotations

import io
import os
import time
from typing import Any

from vitalkit.pipeline.batch_dask import make_client, run_members, thread_env


def _sleepy_member(run_id: str, seconds: float) -> dict[str, Any]:
    started = time.time()
    time.sleep(seconds)
    return {"status": "done", "pid": os.getpid(), "started": started, "finished": time.time()}


def test_members_are_spread_over_the_workers_as_they_free_up() -> None:
    jobs = {f"m{i:02d}": {"run_id": f"x-m{i:02d}", "seconds": 1.0 + 0.2 * i} for i in range(6)}
    results: dict[str, dict[str, Any]] = {}
    out = io.StringIO()
    with make_client(None, workers=2, threads=1, retries=0) as client:
        client.wait_for_workers(2)
        run_members(client, jobs, results.__setitem__, out=out, task=_sleepy_member)
    assert sorted(results) == sorted(jobs) and all(r["status"] == "done" for r in results.values())
    per_worker = [
        sum(r["pid"] == pid for r in results.values()) for pid in {r["pid"] for r in results.values()}
    ]
    assert sorted(per_worker) == [3, 3]
    # never more than two members at once, and the later ones were handed out as a worker freed up
    events = sorted(
        [(r["started"], 1) for r in results.values()] + [(r["finished"], -1) for r in results.values()]
    )
    in_flight = [sum(step for _, step in events[: i + 1]) for i in range(len(events))]
    assert max(in_flight) <= 2
    first = sorted(results.values(), key=lambda r: r["started"])[:2]  # these wait for the workers' imports
    assert all(r["started"] - r["submitted"] < 0.5 for r in results.values() if r not in first)
    assert out.getvalue().count(": done") == 6


def test_thread_env_caps_every_math_library() -> None:
    assert set(thread_env(3).values()) == {"3"} and "OMP_NUM_THREADS" in thread_env(3)
