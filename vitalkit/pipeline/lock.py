"""One process per run folder: an advisory lock held for the whole run.

``vitalkit run`` takes ``<run>/.lock`` (``fcntl.flock``, released by the kernel when the process
ends, even after ``kill -9``) before it touches anything in the folder. A second ``run``,
``--resume`` or ``--only`` of the same folder meanwhile refuses at once, naming the process
that holds it; it never sweeps the other run's temporary stage folders.

Readers (``vitalkit summary``, ``vitalkit compare``, the run's ``index.html``) show a run through
:func:`effective_manifest`: a run whose ``run.json`` says ``running`` but whose lock no process
holds has died (``kill -9``, power loss) and is shown ``interrupted``, as ``--resume`` reports it.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with RunLock(folder):
...     try:
...         RunLock(folder).acquire()
...     except RunLockedError as exc:
...         print("refused")
refused
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from vitalkit.errors import VitalKitError

LOCK_NAME = ".lock"

_TRIES = 3
"""Attempts to take a lock before refusing, 20 ms apart: a reader's :func:`lock_held` probe holds
a shared lock for microseconds, which must not make a starting run refuse."""


class RunLockedError(VitalKitError):
    """The run folder is in use by another VitalKit process."""


class RunLock:
    """Exclusive, non-blocking lock of a run folder (a context manager)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        """Take the lock or raise :class:`RunLockedError` naming the holder."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        for attempt in range(_TRIES):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if attempt + 1 < _TRIES:
                    time.sleep(0.02)
        else:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise RunLockedError(
                f"{self.path.parent}: in use by another vitalkit process (pid {holder}); wait for it to "
                "finish or start a new run"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        """Let go of the lock (the file stays; it is only a handle)."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def lock_held(run_dir: str | Path) -> bool:
    """Whether a live process holds the lock of ``run_dir`` (a probe: it creates and writes nothing,
    so it works on a read-only folder).

    A folder without a lock file is not held. A lock file that cannot be read counts as held
    (nothing is known, so the recorded status is kept).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with RunLock(folder):
    ...     print(lock_held(folder))
    True
    >>> lock_held(folder)  # released: the lock file stays, nobody holds it
    False
    """
    try:
        fd = os.open(Path(run_dir) / LOCK_NAME, os.O_RDONLY)
    except FileNotFoundError:
        return False
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:  # held (BlockingIOError), or a file system without flock: unknown, so held
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def effective_manifest(run_dir: str | Path, manifest: Any) -> Any:
    """A run's ``run.json`` as readers show it: marked ``running`` while no process holds the run's
    lock, the run died, so it and its ``running`` stages are ``interrupted`` (a copy; the file is
    not changed). Anything else comes back as it is.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> run = {"status": "running", "stages": [{"label": "explore", "status": "running"}]}
    >>> shown = effective_manifest(folder, run)  # no process holds the folder's lock
    >>> shown["status"], shown["stages"][0]["status"], run["status"]
    ('interrupted', 'interrupted', 'running')
    >>> with RunLock(folder):
    ...     effective_manifest(folder, run)["status"]
    'running'
    """
    if not isinstance(manifest, dict) or manifest.get("status") != "running" or lock_held(run_dir):
        return manifest
    return interrupted(manifest)


def interrupted(manifest: dict[str, Any]) -> dict[str, Any]:
    """A copy of a run's manifest with the run and its ``running`` stages marked ``interrupted``.

    Examples
    --------
    >>> interrupted({"status": "running", "stages": [{"status": "ok"}, {"status": "running"}]})
    {'status': 'interrupted', 'stages': [{'status': 'ok'}, {'status': 'interrupted'}]}
    """
    shown = {**manifest, "status": "interrupted"}
    if isinstance(manifest.get("stages"), list):
        shown["stages"] = [
            {**s, "status": "interrupted"} if isinstance(s, dict) and s.get("status") == "running" else s
            for s in manifest["stages"]
        ]
    return shown
