"""One process per run folder: an advisory lock held for the whole run.

``vitalkit run`` takes ``<run>/.lock`` (``fcntl.flock``, released by the kernel when the process
ends, even after ``kill -9``) before it touches anything in the folder. A second ``run``,
``--resume`` or ``--only`` of the same folder meanwhile refuses at once, naming the process
that holds it; it never sweeps the other run's temporary stage folders.

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
from pathlib import Path
from types import TracebackType

from vitalkit.errors import VitalKitError

LOCK_NAME = ".lock"


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
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
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
