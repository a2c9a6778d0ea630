"""Several server processes on one port, each with its own ``SO_REUSEPORT`` socket, kept alive
by a small supervisor.

uvicorn's own ``--workers`` share one listening socket, and the worker whose event loop is idle
accepts every new connection, also while its inference threads keep the CPU busy: under load
one process served all the connections. With one socket per process the kernel spreads
connections over the processes. A process that dies (even by SIGKILL) is started again.

Examples
--------
>>> supervise("127.0.0.1", 8000, workers=2)   # doctest: +SKIP
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
import sys
import time
from types import FrameType

APP = "vitalkit.serve.app:app_from_env"
"""The app factory each process serves (settings from :data:`vitalkit.serve.app.SETTINGS_ENV`)."""


def reuseport_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` that other processes may bind too."""
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    # Accepted connections inherit it: without it, small replies wait for delayed ACKs (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve_one(host: str, port: int, log_level: str) -> None:
    """One server process: uvicorn on its own ``SO_REUSEPORT`` socket."""
    import uvicorn

    config = uvicorn.Config(APP, factory=True, log_level=log_level, access_log=False)
    uvicorn.Server(config).run(sockets=[reuseport_socket(host, port)])


def supervise(host: str, port: int, workers: int, log_level: str = "warning") -> None:
    """Run ``workers`` server processes until SIGINT or SIGTERM; restart any that dies."""
    context = multiprocessing.get_context("spawn")
    processes: list[multiprocessing.process.BaseProcess] = []
    stopping = False

    def start() -> multiprocessing.process.BaseProcess:
        process = context.Process(target=serve_one, args=(host, port, log_level), daemon=False)
        process.start()
        return process

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    processes = [start() for _ in range(workers)]
    while not stopping:
        for i, process in enumerate(processes):
            if not process.is_alive():
                print(
                    f"vitalkit serve: worker {process.pid} exited ({process.exitcode}); starting another",
                    file=sys.stderr,
                )
                processes[i] = start()
        time.sleep(0.2)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(10)
        if process.is_alive():
            process.kill()
