"""Content fingerprints of data files (and of code), for cache keys that change when the data change.

A cache of features computed from a recording must not be reused for another recording that
happens to have the same name (another data folder, a corrected file, a different mirror).
Every cache in VitalKit therefore puts a fingerprint of the files it read into its key: the
SHA-256 of their contents, never their paths, sizes or times (a copy of the data elsewhere
shares the cache; an edited file does not).

Hashing is memoised per process by ``(path, size, mtime)``, so a cache lookup over thousands of
records reads each file once per process.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "r1.hea").write_text("r1 1 360 10"); _ = (folder / "r1.dat").write_bytes(b"ab")
>>> a = record_fingerprint(folder / "r1")
>>> _ = (folder / "r1.dat").write_bytes(b"ac")
>>> record_fingerprint(folder / "r1") != a
True
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from vitalkit.errors import DataError
from vitalkit.io import sha256_file

SIGNAL_EXTENSIONS: tuple[str, ...] = ("hea", "dat", "mat")
"""The files of a record that hold its samples (WFDB header and data; CinC's MATLAB files)."""

TAG_LENGTH = 12
"""Hex characters of a fingerprint used in cache names."""

_DIGESTS: dict[tuple[str, int, int], str] = {}


def file_digest(path: str | Path) -> str:
    """SHA-256 of a file's contents, memoised by path, size and modification time.

    Raises
    ------
    DataError
        When the file does not exist.
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise DataError(path, "file not found (cannot fingerprint it for the cache)") from None
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        _DIGESTS[key] = sha256_file(path)
    return _DIGESTS[key]


def files_fingerprint(paths: Iterable[str | Path]) -> str:
    """Fingerprint of a set of files: their names and contents, in name order (not their folder).

    Examples
    --------
    >>> files_fingerprint([])
    'e3b0c44298fc'
    """
    digest = hashlib.sha256()
    for path in sorted((Path(p) for p in paths), key=lambda p: p.name):
        digest.update(f"{path.name}\0{file_digest(path)}\n".encode())
    return digest.hexdigest()[:TAG_LENGTH]


def record_fingerprint(base: str | Path, extensions: Sequence[str] = SIGNAL_EXTENSIONS) -> str:
    """Fingerprint of a record's files ``<base>.<ext>`` that exist, for ``ext`` in ``extensions``
    (add annotation extensions, e.g. ``'atr'`` or ``'q1c'``, when the cached result reads them).

    Raises
    ------
    DataError
        When none of the files exists.
    """
    base = Path(base)
    files = [base.with_name(f"{base.name}.{ext}") for ext in extensions]
    present = [f for f in files if f.is_file()]
    if not present:
        raise DataError(base, f"no {'/'.join(extensions)} file of this record (cannot fingerprint it)")
    return files_fingerprint(present)


def records_fingerprint(bases: Iterable[str | Path], extensions: Sequence[str] = SIGNAL_EXTENSIONS) -> str:
    """Fingerprint of many records (a cache computed from a whole set of recordings)."""
    digest = hashlib.sha256()
    for base in bases:
        digest.update(f"{Path(base).name}\0{record_fingerprint(base, extensions)}\n".encode())
    return digest.hexdigest()[:TAG_LENGTH]


def array_fingerprint(*arrays: np.ndarray) -> str:
    """Fingerprint of arrays' dtypes, shapes and bytes (for caches keyed by a signal in memory).

    Examples
    --------
    >>> array_fingerprint(np.zeros(3)) == array_fingerprint(np.zeros(3))
    True
    >>> array_fingerprint(np.zeros(3)) == array_fingerprint(np.zeros(3, dtype=np.float32))
    False
    """
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:TAG_LENGTH]


def code_fingerprint(*code: Any, versions: Sequence[str] = ()) -> str:
    """Fingerprint of the source of modules or functions (and of version strings): the part of a
    cache key that changes when the code computing the cached values changes.

    Parameters
    ----------
    *code : module or function
        Whatever :func:`inspect.getsource` reads.
    versions : sequence of str
        Library versions the values depend on (``neurokit2.__version__`` ...).

    Examples
    --------
    >>> import json, csv
    >>> code_fingerprint(json) == code_fingerprint(json)
    True
    >>> code_fingerprint(json) == code_fingerprint(csv), len(code_fingerprint(json))
    (False, 12)
    """
    digest = hashlib.sha256()
    for item in code:
        digest.update(inspect.getsource(item).encode())
    for version in versions:
        digest.update(f"\0{version}".encode())
    return digest.hexdigest()[:TAG_LENGTH]
