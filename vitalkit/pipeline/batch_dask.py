"""Run the members of a batch on Dask distributed: a ``LocalCluster`` here, or any scheduler.

Each member is an ordinary run (:class:`vitalkit.pipeline.runner.Runner`) executed inside a Dask
worker, its run folder ``<batch dir>/<batch>-<member>`` fixed in advance so that ``--resume``
finds it again. The worker limits the math libraries of the member's notebook kernels to
``threads`` threads (``OMP_NUM_THREADS`` and friends, inherited by the kernel process, which
torch and joblib read), so ``workers x threads`` never oversubscribes the cores.

A stage failure is a result (the member is marked ``failed``; it is deterministic, so it is not
retried). A worker that dies mid-member (killed, out of memory) makes Dask re-run the member
once on another worker (``retries``, Dask's ``allowed-failures``); if that dies too, the member
is marked ``failed``. The other members are unaffected. Every change of a member's status is
written to ``batch.json`` atomically.

Examples
--------
>>> thread_env(1)["OMP_NUM_THREADS"]
'1'
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from vitalkit.errors import VitalKitError

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "LOKY_MAX_CPU_COUNT")


PRELOAD = ("vitalkit.pipeline.runner",)
"""Modules every local worker imports at start (``dask worker --preload`` for remote ones)."""


def thread_env(threads: int) -> dict[str, str]:
    """Environment variables that cap torch, BLAS and joblib at ``threads`` threads."""
    return {var: str(threads) for var in THREAD_VARS}


def run_member(
    params_file: str, reports_dir: str, run_id: str, resume: bool, threads: int, log_file: str
) -> dict[str, Any]:
    """Run one member (on a worker or here); return its status, run folder, timings and error.

    Examples
    --------
    >>> run_member("m00.yaml", "reports/batch-x", "x-m00", False, 1, "m00.log")  # doctest: +SKIP
    {'status': 'done', 'run_dir': 'reports/batch-x/x-m00', ...}
    """
    started = time.time()  # before the imports: a serial `vitalkit run` pays them too
    from vitalkit.pipeline.params import load_params
    from vitalkit.pipeline.runner import Runner, RunOptions

    os.environ.update(thread_env(threads))
    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("PYTHONHASHSEED", "0")
    run_dir = Path(reports_dir) / run_id
    resume = resume and (run_dir / "run.json").is_file()
    # the worker's pid groups members by worker for `vitalkit benchmark batch`; batch.json leaves it
    # out with the absolute run folder (vitalkit.pipeline.batch.member_result)
    result: dict[str, Any] = {"run_dir": str(run_dir), "pid": os.getpid()}
    with open(log_file, "a") as log:
        try:
            options = RunOptions(reports_dir=Path(reports_dir), resume=resume, run_id=run_id, progress=False)
            Runner(load_params(params_file), options, out=log).run()
            result.update(status="done", error=None)
        except VitalKitError as exc:
            print(f"failed: {exc}", file=log, flush=True)
            result.update(status="failed", error=str(exc).splitlines()[0])
    result.update(started=started, finished=time.time(), duration_s=round(time.time() - started, 2))
    return result


def make_client(scheduler: str | None, workers: int, threads: int, retries: int) -> Any:
    """A Dask client: to ``scheduler`` (``tcp://host:8786``), or to a new ``LocalCluster`` of
    ``workers`` processes with one Dask thread each (each member uses ``threads`` math threads).

    The local workers import the runner when they start (Dask's ``preload``, :data:`PRELOAD`):
    torch, Lightning, neurokit2 and papermill take about 10 s to import, which each worker's
    first member would otherwise pay inside the batch, once per worker; this way both workers
    pay it at once, in the cluster's start.
    """
    import dask
    from dask.distributed import Client, LocalCluster

    dask.config.set({"distributed.scheduler.allowed-failures": retries})
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        env=thread_env(threads),
        preload=list(PRELOAD),
    )
    return Client(cluster)


def run_members(
    client: Any,
    jobs: dict[str, dict[str, Any]],
    on_result: Any,
    out: TextIO | None = None,
    task: Callable[..., dict[str, Any]] | None = None,
) -> None:
    """Run every job (``member id -> run_member kwargs``) on the cluster and call
    ``on_result(id, result)`` as each finishes; a member whose workers died is reported ``failed``
    with the reason.

    Members are handed out as worker threads free up, never more at once than the cluster has
    threads. Submitted all at once, Dask places tasks whose duration it does not know yet eagerly
    and can stack them on one worker: measured, the third and fourth of 4 members ran one after
    the other on one worker of two while the other sat idle (ratio to serial 1.27). A member
    runs for minutes, so a scheduler queue one member deep costs nothing. ``task`` replaces
    :func:`run_member` (tests).
    """
    from dask.distributed import as_completed

    pending = list(jobs.items())
    running: dict[Any, tuple[str, float]] = {}
    queue = as_completed()

    def fill() -> None:
        """Submit members until every worker thread has one (at least one in flight)."""
        while pending and len(running) < max(1, sum(client.nthreads().values())):
            member_id, kwargs = pending.pop(0)
            key = f"{kwargs['run_id']}-{time.time_ns()}"
            future = client.submit(task or run_member, key=key, pure=False, **kwargs)
            running[future] = (member_id, time.time())
            queue.add(future)

    fill()
    for future in queue:
        member_id, submitted = running.pop(future)
        try:
            result = future.result()
        except Exception as exc:  # KilledWorker, lost scheduler ...
            result = {"status": "failed", "error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
        result.update(submitted=submitted, received=time.time())
        print(
            f"  {member_id}: {result['status']}" + (f" ({result['error']})" if result.get("error") else ""),
            file=out,
            flush=True,
        )
        on_result(member_id, result)
        fill()
