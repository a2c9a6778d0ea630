"""Exceptions raised by VitalKit.

Every error a user can cause (bad data, bad parameters) is a :class:`VitalKitError`
whose message names the file or parameter and the problem, so that notebooks and the
command line can show it without a traceback from deep inside a library.

Examples
--------
>>> from vitalkit.errors import CorruptRecordError
>>> str(CorruptRecordError("mitdb/100.dat", "truncated: 10 of 20 bytes"))
'mitdb/100.dat: truncated: 10 of 20 bytes'
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any


class VitalKitError(Exception):
    """Base class of every error VitalKit raises on purpose."""


class DataError(VitalKitError):
    """A problem with input data, naming the file (or record) and the problem.

    Parameters
    ----------
    source : str or Path
        The file, record or folder concerned.
    problem : str
        What is wrong, in words a user can act on.
    """

    def __init__(self, source: str | Path, problem: str) -> None:
        self.source = str(source)
        self.problem = problem
        super().__init__(f"{self.source}: {problem}")


class RecordNotFoundError(DataError):
    """A record (or one of its files) is absent and could not be downloaded."""


class CorruptRecordError(DataError):
    """A record exists but is truncated, inconsistent or fails its checksum."""


class DownloadError(DataError):
    """Downloading a file from PhysioNet (or the configured mirror) failed."""


class ParamsError(VitalKitError):
    """An invalid parameter set; the message lists every problem found."""

    def __init__(self, source: str | Path, problems: list[str]) -> None:
        self.source = str(source)
        self.problems = list(problems)
        listing = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"invalid parameter set {self.source}:\n{listing}")


class SetupError(VitalKitError):
    """A problem outside the parameter set: the environment a run needs (Jupyter kernel, stage
    notebooks, reports folder) or a command-line option that does not fit it (``--only``,
    ``--run-id``). The message names the thing, the problem and what to do.

    Parameters
    ----------
    subject : str or Path
        What is wrong: ``Jupyter kernel 'vitalkit'``, ``reports folder /x``, ``--only`` ...
    problem : str
        What is wrong with it, and how to put it right.

    Examples
    --------
    >>> str(SetupError("--only", "needs an earlier run"))
    '--only: needs an earlier run'
    """

    def __init__(self, subject: str | Path, problem: str) -> None:
        self.subject = str(subject)
        self.problem = problem
        super().__init__(f"{self.subject}: {problem}")


class StageError(VitalKitError):
    """A pipeline stage failed; earlier products are left intact."""


def collect(problems: list[str], fn: Callable[[], Any]) -> Any:
    """Call ``fn``; on a :class:`VitalKitError` append its message to ``problems`` and return None.

    Examples
    --------
    >>> problems: list[str] = []
    >>> collect(problems, lambda: 1)
    1
    >>> def fail() -> None:
    ...     raise DataError("x.csv", "empty")
    >>> collect(problems, fail), problems
    (None, ['x.csv: empty'])
    """
    try:
        return fn()
    except VitalKitError as exc:
        problems.append(str(exc))
        return None
