"""The run manifest ``run.json``: what ran, on what, with which code, producing what.

It makes a run reproducible and resumable: parameters, git commit, package versions,
SHA-256 of the input data files and of every product, and per stage its status, duration,
fingerprint and headline metrics. It is rewritten atomically after every stage.

Examples
--------
>>> from vitalkit.pipeline.manifest import environment_info
>>> "torch" in environment_info()["packages"]
True
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from vitalkit.io import hash_tree, read_json, sha256_file, write_json

PACKAGES = (
    "vitalkit",
    "numpy",
    "scipy",
    "pandas",
    "torch",
    "lightning",
    "onnx",
    "onnxruntime",
    "onnxscript",
    "wfdb",
    "neurokit2",
    "scikit-learn",
    "matplotlib",
    "plotly",
    "papermill",
    "nbconvert",
    "jupyterlab",
    "wandb",
    "tensorboard",
)

VOLATILE = ("notebook.ipynb", "report.html", "logs/", "tensorboard/", "wandb/", "checkpoints/")
"""Product files left out of a stage's digest (they hold times and paths, not results)."""


def now() -> str:
    """UTC time in ISO 8601."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def environment_info() -> dict[str, Any]:
    """Python, platform and versions of the packages that shape results."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "packages": versions,
    }


def code_digest(package_dir: Path | None = None) -> str:
    """SHA-256 over the source of the ``vitalkit`` package (part of every fingerprint)."""
    package_dir = package_dir or Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package_dir.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".j2", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(package_dir)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def notebook_digest(path: Path) -> str:
    """SHA-256 of a notebook's cell types and sources (outputs and metadata ignored)."""
    nb = json.loads(Path(path).read_text())
    cells = [(c.get("cell_type"), "".join(c.get("source", []))) for c in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def product_digest(hashes: dict[str, str]) -> str:
    """Digest of a stage's result files (:data:`VOLATILE` ones excluded)."""
    kept = {k: v for k, v in sorted(hashes.items()) if not any(k == p or k.startswith(p) for p in VOLATILE)}
    return hashlib.sha256(json.dumps(kept, sort_keys=True).encode()).hexdigest()


_FILE_HASHES: dict[tuple[str, int, int], str] = {}


def data_hashes(files: list[Path], data_dir: Path) -> dict[str, str]:
    """SHA-256 of input data files, keyed by path relative to the data directory."""
    out = {}
    for f in sorted(set(files)):
        stat = f.stat()
        key = (str(f), stat.st_size, stat.st_mtime_ns)
        if key not in _FILE_HASHES:
            _FILE_HASHES[key] = sha256_file(f)
        try:
            name = str(f.resolve().relative_to(data_dir.resolve()))
        except ValueError:
            name = str(f)
        out[name] = _FILE_HASHES[key]
    return out


class Manifest:
    """Read-modify-write access to ``run.json``.

    Parameters
    ----------
    path : Path
        The ``run.json`` file.
    data : dict
        Its content.
    """

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    @classmethod
    def load(cls, path: Path) -> Manifest:
        """Read an existing manifest."""
        return cls(path, read_json(path))

    def save(self) -> None:
        """Write atomically, refreshing ``updated`` and the run-level headline."""
        self.data["updated"] = now()
        self.data["headline"] = {
            s["label"]: s.get("headline", {}).get("metrics", {})
            for s in self.data.get("stages", [])
            if s.get("headline")
        }
        write_json(self.path, self.data)

    def stage(self, label: str) -> dict[str, Any] | None:
        """The record of a stage instance, or None."""
        return next((s for s in self.data.get("stages", []) if s["label"] == label), None)

    def set_stage(self, record: dict[str, Any]) -> None:
        """Insert or replace a stage record (kept in run order) and save."""
        stages = self.data.setdefault("stages", [])
        for i, s in enumerate(stages):
            if s["label"] == record["label"]:
                stages[i] = record
                break
        else:
            stages.append(record)
        self.save()

    @staticmethod
    def products(folder: Path) -> dict[str, str]:
        """SHA-256 of every file in a product folder."""
        return hash_tree(folder)
