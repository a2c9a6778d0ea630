"""A content-addressed store of model files: each file kept once, under its SHA-256.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> (folder / "m.onnx").write_bytes(b"model")
5
>>> digest, stored = put(folder / "store", folder / "m.onnx")
>>> digest[:12], stored.relative_to(folder / "store").as_posix()[:10]
('9372c470eead', 'sha256/93/')
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from vitalkit import config
from vitalkit.errors import DataError


def default_store() -> Path:
    """``VITALKIT_MODEL_STORE``, or ``data/registry/store`` in the project."""
    value = os.environ.get("VITALKIT_MODEL_STORE", "").strip()
    return (
        Path(value).expanduser().resolve() if value else config.project_root() / "data" / "registry" / "store"
    )


def file_sha256(path: str | Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def path_of(store: str | Path, digest: str, suffix: str = ".onnx") -> Path:
    """Where the file of ``digest`` lives in the store."""
    return Path(store) / "sha256" / digest[:2] / f"{digest}{suffix}"


def put(store: str | Path, source: str | Path) -> tuple[str, Path]:
    """Copy ``source`` into the store (once: an existing copy is kept); return its SHA-256 and path.

    The copy is written to a temporary file, checked against the source's digest and renamed,
    so a store file is always complete.
    """
    source = Path(source)
    digest = file_sha256(source)
    target = path_of(store, digest, source.suffix or ".onnx")
    if target.is_file() and file_sha256(target) == digest:
        return digest, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        if file_sha256(tmp) != digest:
            raise DataError(source, "the file changed while it was copied into the model store")
        os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return digest, target


def verified(path: str | Path, digest: str) -> Path:
    """``path`` after checking its SHA-256.

    Raises
    ------
    DataError
        The store file is missing or its content no longer matches the registered digest.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(path, "model file missing from the store")
    if file_sha256(path) != digest:
        raise DataError(
            path, f"model file changed in the store (SHA-256 differs from the registered {digest})"
        )
    return path
