"""The ``vitalkit models``, ``vitalkit serve`` and ``vitalkit audit`` commands (argparse side in
:mod:`vitalkit.cli`; this module does the work and prints).

Examples
--------
``vitalkit models register beats vitalkit/pretrained/beats_ds1.onnx --label production``
``vitalkit serve --port 8000 --candidate-percent 10``
``vitalkit audit --since 2026-12-06T00:00 --out audit.csv``
"""

from __future__ import annotations

import argparse
import os
import tempfile
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from vitalkit.errors import DataError

if TYPE_CHECKING:
    from vitalkit.serve.registry import Registry

# The registry, the audit trail and pandas are imported by the commands that use them: the CLI
# builds its parser from this module, and they pull in ONNX, SQLAlchemy and the model packages.


def _registry(args: argparse.Namespace) -> Registry:
    from vitalkit.serve.db import open_database
    from vitalkit.serve.registry import Registry
    from vitalkit.serve.store import default_store

    return Registry(open_database(args.registry), args.store or default_store())


def _print_versions(versions: list) -> None:
    import pandas as pd

    if not versions:
        print("no registered models")
        return
    table = pd.DataFrame(
        [
            {
                "model": v.ref,
                "labels": ",".join(v.labels) or "-",
                "status": "retired" if v.retired_at else "active",
                "classes": ",".join(v.classes),
                "rate_hz": v.sampling_rate_hz,
                "sha256": v.sha256[:12],
                "registered": v.registered_at.strftime("%Y-%m-%d %H:%M:%S"),
            }
            for v in versions
        ]
    )
    print(table.to_string(index=False))


def models_command(args: argparse.Namespace) -> int:
    """``vitalkit models register|list|show|promote|retire|compare``."""
    from vitalkit.serve.audit import AuditTrail, compare

    registry = _registry(args)
    action = args.action
    if action == "register":
        version = registry.register(args.name, args.file)
        if args.label:
            version = registry.promote(args.name, version.version, args.label)
        print(
            f"registered {version.ref} (sha256 {version.sha256}){' as ' + args.label if args.label else ''}"
        )
    elif action == "list":
        _print_versions(registry.list(args.name))
    elif action == "show":
        version = registry.get(args.name, args.version)
        for key, value in version.summary().items():
            print(f"{key:16} {value}")
        metrics = version.metadata.get("metrics", {})
        if metrics:
            print(f"{'metrics':16} {metrics}")
    elif action == "promote":
        version = registry.promote(args.name, args.version, args.label)
        print(f"{version.ref} is now {args.label}")
    elif action == "retire":
        version = registry.retire(args.name, args.version)
        print(f"{version.ref} retired")
    elif action == "compare":
        frame = AuditTrail(registry.engine).export(_moment(args.since), _moment(args.until))
        table = compare(frame[frame["model"] == args.name])
        print(table.to_string() if len(table) else f"no audited requests of {args.name} in the period")
    return 0


def _moment(text: str | None) -> datetime | None:
    """An ISO date or time; naive ones are UTC."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise DataError(text, "not an ISO date or time (2026-12-06 or 2026-12-06T10:00)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def audit_command(args: argparse.Namespace) -> int:
    """``vitalkit audit [--since T] [--until T] [--out FILE]``: the period's rows as CSV."""
    from vitalkit.serve.audit import AuditTrail
    from vitalkit.serve.db import open_database

    trail = AuditTrail(open_database(args.registry))
    n = trail.export_csv(args.out, _moment(args.since), _moment(args.until))
    if args.out != "-":
        print(f"{n} audit rows -> {args.out}")
    return 0


def serve_command(args: argparse.Namespace) -> int:
    """``vitalkit serve``: migrate the registry once, then run uvicorn (``--workers`` > 1: that many
    processes, each on its own ``SO_REUSEPORT`` socket, restarted when they die)."""
    import uvicorn

    from vitalkit.serve.app import SETTINGS_ENV, ServeSettings, settings_env
    from vitalkit.serve.db import open_database
    from vitalkit.serve.store import default_store

    open_database(args.registry)  # migrate before the workers start
    settings = ServeSettings(
        registry_url=args.registry,
        store_dir=str(args.store or default_store()),
        default_model=args.model,
        candidate_percent=args.candidate_percent,
        shadow=not args.no_shadow,
        threads=args.threads,
        detector=args.detector,
        max_body_bytes=args.max_body_bytes,
        slots=args.slots,
        registry_refresh_s=args.registry_refresh_s,
    )
    os.environ[SETTINGS_ENV] = settings_env(settings)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, str(args.threads))
    if args.workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="vitalkit-metrics-")
    if args.workers > 1:
        from vitalkit.serve.workers import supervise

        supervise(args.host, args.port, args.workers, args.log_level)
        return 0
    uvicorn.run(
        "vitalkit.serve.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        log_level=args.log_level,
        access_log=False,
    )
    return 0


def add_registry_options(parser: argparse.ArgumentParser) -> None:
    """``--registry URL`` and ``--store DIR``."""
    parser.add_argument(
        "--registry",
        help="registry database URL (default VITALKIT_REGISTRY_URL or sqlite:///data/registry/registry.db)",
    )
    parser.add_argument(
        "--store", help="model file store (default VITALKIT_MODEL_STORE or data/registry/store)"
    )


def benchmark_serve_command(args: argparse.Namespace) -> int:
    """``vitalkit benchmark serve``: the load table and the kill test (:mod:`vitalkit.serve.loadtest`)."""
    from vitalkit.serve.loadtest import benchmark, format_table

    table, kill = benchmark(
        concurrency=args.concurrency,
        requests=args.requests,
        time_limit_s=args.time_limit,
        workers=args.workers,
        threads=args.threads,
        registry_url=args.registry,
        kill_requests=args.kill_requests,
    )
    print(
        f"10-second segments, POST /v1/predict (float32 body) on loopback, {args.workers} server "
        f"process(es), {os.cpu_count()} CPU(s)"
    )
    print(format_table(table))
    print(
        "kill test (SIGKILL of one worker at concurrency 8, restarted by the supervisor): "
        + ", ".join(f"{k} {v}" for k, v in kill.items())
    )
    return 0


def add_benchmark_serve(bench_sub: argparse._SubParsersAction) -> None:
    """``vitalkit benchmark serve`` and its options."""
    parser = bench_sub.add_parser(
        "serve", help="load and kill test of vitalkit serve on loopback (throughput, p50/p99, audit rows)"
    )
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--requests", type=int, default=200, help="requests per cell (default 200)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per cell at most")
    parser.add_argument("--kill-requests", type=int, default=200, help="requests of the kill test")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads per server process")
    parser.add_argument("--registry", help="registry URL (default: a throwaway SQLite file)")
    parser.set_defaults(func=benchmark_serve_command)
