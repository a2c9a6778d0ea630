"""Atomic writes, content hashes and the git state of a source tree.

Products are written to a temporary name in the same folder and renamed into place, so an
interrupted or failed step never leaves a half-written file where a good one was.

Examples
--------
>>> import tempfile, pathlib
>>> from vitalkit.io import write_json, read_json
>>> path = pathlib.Path(tempfile.mkdtemp()) / "metrics.json"
>>> write_json(path, {"accuracy": 0.95})
>>> read_json(path)["accuracy"]
0.95
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` on success.

    Parameters
    ----------
    path : str or Path
        Final destination. Its folder is created if needed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates 0600; products are ordinary files
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_dir(path: str | Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``path``; put it in place of ``path`` on success.

    A failure leaves ``path`` as it was (an earlier product survives) and removes the
    temporary folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> with atomic_dir(target) as tmp:
    ...     _ = (tmp / "a.txt").write_text("done")
    >>> (target / "a.txt").read_text()
    'done'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if path.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".old", dir=path.parent))
            os.replace(path, old / path.name)
            os.replace(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _to_jsonable(value.tolist())
    if isinstance(value, np.generic):
        return _to_jsonable(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path: str | Path, data: Any) -> None:
    """Write ``data`` as indented JSON, atomically; NumPy values and NaN become JSON."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_to_jsonable(data), indent=2, sort_keys=False) + "\n")


def read_json(path: str | Path) -> Any:
    """Read a JSON file, naming the file in the error when it is not valid JSON."""
    from vitalkit.errors import DataError

    path = Path(path)
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise DataError(path, "file not found") from None
    except json.JSONDecodeError as exc:
        raise DataError(path, f"not valid JSON ({exc.msg} at line {exc.lineno})") from None


def write_text(path: str | Path, text: str) -> None:
    """Write a text file atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def save_npz(path: str | Path, **arrays: np.ndarray) -> None:
    """Save arrays to an ``.npz`` file atomically (uncompressed, fast to load)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as handle:
            np.savez(handle, **arrays)


def sha256_file(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """Return the SHA-256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_json(data: Any) -> str:
    """Return the SHA-256 of a JSON-serializable value in canonical form."""
    text = json.dumps(_to_jsonable(data), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def hash_tree(folder: str | Path) -> dict[str, str]:
    """Return ``{relative path: sha256}`` for every file below ``folder``."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): sha256_file(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def save_frame(path: str | Path, frame: Any) -> None:
    """Write a DataFrame of numeric, string and categorical columns to ``.npz`` atomically, losslessly
    and without pickle (read it back with :func:`load_frame`).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> df = pd.DataFrame({"p": pd.Categorical(["a", "b", "a"]), "x": [0.1, float("nan"), 3.0]})
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "f.npz"
    >>> save_frame(path, df)
    >>> load_frame(path).equals(df)
    True
    """
    import pandas as pd

    arrays: dict[str, np.ndarray] = {}
    columns = []
    for i, name in enumerate(frame.columns):
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            arrays[f"c{i}"] = series.cat.codes.to_numpy()
            arrays[f"k{i}"] = np.asarray(series.cat.categories.astype(str), dtype=str)
            columns.append({"name": str(name), "kind": "category"})
        elif series.dtype == object:
            arrays[f"c{i}"] = series.to_numpy().astype(str)
            columns.append({"name": str(name), "kind": "str"})
        else:
            arrays[f"c{i}"] = series.to_numpy()
            columns.append({"name": str(name), "kind": "numeric"})
    meta = {
        "columns": columns,
        "index": frame.index.to_numpy().tolist() if frame.index.dtype == object else None,
    }
    arrays["index"] = frame.index.to_numpy() if frame.index.dtype != object else np.arange(len(frame))
    save_npz(path, meta=np.array(json.dumps(meta)), **arrays)


def load_frame(path: str | Path) -> Any:
    """Read a DataFrame written by :func:`save_frame` (``allow_pickle=False``)."""
    import pandas as pd

    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        out = {}
        for i, column in enumerate(meta["columns"]):
            values = data[f"c{i}"]
            if column["kind"] == "category":
                out[column["name"]] = pd.Categorical.from_codes(values, categories=list(data[f"k{i}"]))
            elif column["kind"] == "str":
                out[column["name"]] = values.astype(object)
            else:
                out[column["name"]] = values
        index = meta["index"] if meta["index"] is not None else data["index"]
    return pd.DataFrame(out, index=pd.Index(index))


def git_info(root: Path, pathspec: tuple[str, ...] = ()) -> dict[str, Any]:
    """Commit, branch and whether the work tree has uncommitted changes (None outside git).

    ``pathspec`` limits the dirty check to those paths (git pathspecs, ``:!`` excludes).
    """

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
            )
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no", "--", *pathspec)
    return {
        "commit": commit,
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty": bool(status) if status is not None else None,
    }
