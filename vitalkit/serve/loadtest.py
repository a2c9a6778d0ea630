"""``make benchmark-serve``: a bounded load test and a kill test of ``vitalkit serve`` on loopback.

A throwaway registry (SQLite in a temporary folder, or ``--registry URL``) gets the shipped
default beat model as production; ``vitalkit serve`` is started as a child process with
``--workers`` processes; an ``httpx`` async loop sends 10-second segments of MIT-BIH records
at concurrency 1, 8 and 32, with the default detector and with the reference R peaks as the
client's own (a fixed request count and time limit per cell). Every cell checks that the audit
trail gained exactly one row per request sent. The kill test sends requests at concurrency 8,
SIGKILLs one worker (its pid from ``/health``) midway, lets the supervisor restart it and checks that
every request that got a reply has its audit row, once. Figures depend on the machine: this is a
benchmark, not a timed test.

Examples
--------
>>> table, kill = benchmark(concurrency=(1, 8), requests=40)      # doctest: +SKIP
>>> print(format_table(table))                                    # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

from vitalkit import config
from vitalkit.data.physionet import ensure_records
from vitalkit.data.records import Record
from vitalkit.data.wfdb_io import read_wfdb
from vitalkit.errors import VitalKitError
from vitalkit.inference.beats import reference_beats
from vitalkit.pretrained import resolve_model
from vitalkit.serve.audit import AuditTrail
from vitalkit.serve.db import open_database
from vitalkit.serve.registry import Registry

SEGMENT_S = 10.0
"""Length of every request's segment."""

RECORDS = ("100", "105", "119", "201", "208", "213")
"""MIT-BIH records the segments are cut from (normal, noisy, bigeminy, AF, PVCs, fusion)."""


@dataclass
class Payload:
    """A request body ready to send: float32 samples and query parameters."""

    body: bytes
    params: dict[str, str]


def segments(n: int, with_rpeaks: bool, data_dir: Path | None = None) -> list[Payload]:
    """``n`` distinct 10-second segments (lead MLII, 360 Hz) as binary bodies; with the reference
    R peaks of each segment as ``rpeaks`` when ``with_rpeaks``."""
    payloads: list[Payload] = []
    bases = ensure_records("mitdb", RECORDS, data_dir=data_dir or config.data_dir())
    length = int(SEGMENT_S * 360)
    for i in range(n):
        record = _record(bases[i % len(bases)])
        start = (i // len(bases)) * length % (record.n_samples - length)
        signal = record.channel("MLII")[start : start + length]
        params = {"sampling_rate": f"{record.sampling_rate:g}"}
        if with_rpeaks:
            peaks, _ = reference_beats(record)
            inside = peaks[(peaks >= start) & (peaks < start + length)] - start
            params["rpeaks"] = ",".join(map(str, inside.tolist()))
        payloads.append(Payload(signal.astype("<f4").tobytes(), params))
    return payloads


_RECORDS: dict[Path, Record] = {}


def _record(base: Path) -> Record:
    if base not in _RECORDS:
        _RECORDS[base] = read_wfdb(base, channels=["MLII"], annotator="atr")
    return _RECORDS[base]


@dataclass
class Server:
    """A ``vitalkit serve`` child process on a loopback port."""

    registry: str
    store: Path
    workers: int = 2
    threads: int = 1
    port: int = 0
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 120.0) -> None:
        """Start it and wait until ``/health`` answers."""
        if not self.port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                self.port = s.getsockname()[1]
        self.log = Path(tempfile.mkstemp(prefix="vitalkit-serve-", suffix=".log")[1])
        command = [
            sys.executable,
            "-m",
            "vitalkit.cli",
            "serve",
            "--registry",
            self.registry,
            "--store",
            str(self.store),
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--threads",
            str(self.threads),
        ]
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": tempfile.mkdtemp(prefix="vitalkit-metrics-")}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise VitalKitError(f"vitalkit serve exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.stop()
        raise VitalKitError(f"vitalkit serve did not answer /health within {timeout_s:g} s")

    def worker_pids(self) -> set[int]:
        """Pids that answered ``/health`` (new connections reach the worker processes in turn)."""
        pids = set()
        for _ in range(16):
            try:
                pids.add(httpx.get(self.url + "/health", timeout=5).json()["pid"])
            except httpx.HTTPError:
                pass
        return pids

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 10 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class LoadResult:
    """What one load cell sent and got back."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    failed: int = 0
    wall_s: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.statuses) + self.failed


def load(
    url: str,
    payloads: Sequence[Payload],
    concurrency: int,
    requests: int,
    time_limit_s: float,
    midway: Callable[[], None] | None = None,
) -> LoadResult:
    """Send ``requests`` requests (fewer if ``time_limit_s`` runs out) ``concurrency`` at a time;
    ``midway`` is called once, before the middle request goes out."""
    result = LoadResult()
    queue = iter(range(requests))
    deadline = time.monotonic() + time_limit_s
    headers = {"content-type": "application/octet-stream"}

    async def worker(client: httpx.AsyncClient) -> None:
        for i in queue:
            if time.monotonic() > deadline:
                return
            if midway is not None and i == requests // 2:
                midway()
            payload = payloads[i % len(payloads)]
            start = time.perf_counter()
            try:
                reply = await client.post(
                    "/v1/predict", content=payload.body, params=payload.params, headers=headers
                )
            except httpx.HTTPError:
                result.failed += 1  # the connection died with its worker: no reply
                continue
            result.latencies_ms.append(1000.0 * (time.perf_counter() - start))
            result.statuses.append(reply.status_code)
            result.request_ids.append(reply.headers.get("x-request-id", ""))

    async def run() -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=url, timeout=60.0, limits=limits) as client:
            start = time.perf_counter()
            await asyncio.gather(*(worker(client) for _ in range(concurrency)))
            result.wall_s = time.perf_counter() - start

    asyncio.run(run())
    return result


def benchmark(
    concurrency: Sequence[int] = (1, 8, 32),
    requests: int = 200,
    time_limit_s: float = 30.0,
    workers: int = 2,
    threads: int = 1,
    registry_url: str | None = None,
    kill_requests: int = 200,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The load table (one row per beat source and concurrency) and the kill test's counts.

    Raises
    ------
    VitalKitError
        A cell whose audit rows differ from its requests, a non-200 reply, or a reply of the
        kill test without its audit row (the table so far is in the message).
    """
    scratch = Path(tempfile.mkdtemp(prefix="vitalkit-loadtest-"))
    url = registry_url or f"sqlite:///{scratch / 'registry.db'}"
    engine = open_database(url)
    registry = Registry(engine, scratch / "store")
    registry.promote("beats", registry.register("beats", resolve_model("beats")).version)
    trail = AuditTrail(engine)
    server = Server(url, scratch / "store", workers=workers, threads=threads)
    server.start()
    rows = []
    try:
        for source in ("detector", "rpeaks"):
            payloads = segments(24, with_rpeaks=source == "rpeaks")
            load(server.url, payloads[:2], 2, 4, time_limit_s)  # warm both workers
            for c in concurrency:
                before = trail.count()
                result = load(server.url, payloads, c, requests, time_limit_s)
                audited = trail.count() - before
                lat = np.asarray(result.latencies_ms)
                rows.append(
                    {
                        "beats": source,
                        "concurrency": c,
                        "requests": result.sent,
                        "ok": sum(s == 200 for s in result.statuses),
                        "segments_per_s": round(len(lat) / result.wall_s, 1),
                        "p50_ms": round(float(np.percentile(lat, 50)), 1),
                        "p99_ms": round(float(np.percentile(lat, 99)), 1),
                        "audit_rows": audited,
                    }
                )
                if audited != result.sent or rows[-1]["ok"] != result.sent:
                    raise VitalKitError(f"load test: {rows[-1]} (audit rows or replies differ from requests)")
        kill = kill_test(server, trail, segments(24, with_rpeaks=False), kill_requests, time_limit_s)
    finally:
        server.stop()
    return pd.DataFrame(rows), kill


def kill_test(
    server: Server, trail: AuditTrail, payloads: Sequence[Payload], requests: int, time_limit_s: float
) -> dict[str, int]:
    """SIGKILL one worker midway through a concurrency-8 load; every replied request must have
    exactly one audit row, and the restarted worker must answer again."""
    victim = min(server.worker_pids())
    before = trail.export()
    result = load(
        server.url,
        payloads,
        8,
        requests,
        max(time_limit_s, 60.0),
        midway=lambda: os.kill(victim, signal.SIGKILL),
    )
    for _ in range(100):  # the supervisor restarts the dead worker
        if victim not in server.worker_pids() and len(server.worker_pids()) >= min(server.workers, 2):
            break
        time.sleep(0.2)
    after_restart = load(server.url, payloads, 2, 8, time_limit_s)
    rows = trail.export()
    new = rows[~rows["request_id"].isin(before["request_id"])]
    replied = set(result.request_ids + after_restart.request_ids)
    counts = {
        "requests_sent": result.sent + after_restart.sent,
        "replies": len(replied),
        "no_reply_killed_in_flight": result.failed,
        "audit_rows": len(new),
        "replies_without_audit_row": len(replied - set(new["request_id"])),
        "duplicate_audit_rows": int(new["request_id"].duplicated().sum()),
        "replies_after_restart": sum(s == 200 for s in after_restart.statuses),
        "killed_pid": victim,
    }
    if (
        counts["replies_without_audit_row"]
        or counts["duplicate_audit_rows"]
        or not counts["replies_after_restart"]
    ):
        raise VitalKitError(f"kill test: {counts}")
    return counts


def format_table(table: pd.DataFrame) -> str:
    """The load table as Markdown."""
    head = "| " + " | ".join(table.columns) + " |"
    rule = "|" + "|".join(" --- " for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, rule, *body])
