"""The model registry: immutable versions of exported beat models, and their labels.

A version enters from a model package (:func:`vitalkit.export.package.load_package` validates
its metadata), its file is copied into the content-addressed store and its SHA-256 recorded;
it is never changed afterwards, only retired. ``production`` and ``candidate`` are labels that
:func:`promote` moves between versions of one model.

Examples
--------
>>> from vitalkit.serve.db import open_database
>>> registry = Registry(open_database("sqlite://"), "/tmp/store")                 # doctest: +SKIP
>>> v = registry.register("beats", "vitalkit/pretrained/beats_ds1.onnx")           # doctest: +SKIP
>>> registry.promote("beats", v.version, "production").labels                     # doctest: +SKIP
['production']
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackageError, load_package
from vitalkit.serve import store
from vitalkit.serve.db import labels, model_versions

LABELS = ("production", "candidate")
"""Labels :func:`Registry.promote` moves."""


class RegistryError(DataError):
    """An unknown model or version, a retired version, or a label that cannot move."""


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(timezone.utc)


@dataclass
class ModelVersion:
    """One registered version."""

    name: str
    version: int
    sha256: str
    file: Path
    source: str
    task: str
    classes: list[str]
    sampling_rate_hz: float
    metadata: dict[str, Any]
    registered_at: datetime
    retired_at: datetime | None = None
    labels: list[str] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``name:version``."""
        return f"{self.name}:{self.version}"

    def summary(self) -> dict[str, Any]:
        """Name, version, labels, task, classes, rate, SHA-256 and dates, as JSON-ready values."""
        return {
            "name": self.name,
            "version": self.version,
            "labels": list(self.labels),
            "status": "retired" if self.retired_at else "active",
            "task": self.task,
            "classes": list(self.classes),
            "sampling_rate_hz": self.sampling_rate_hz,
            "sha256": self.sha256,
            "registered_at": self.registered_at.isoformat(),
            "retired_at": self.retired_at.isoformat() if self.retired_at else None,
            "source": self.source,
        }


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive: they were stored as UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


class Registry:
    """Model versions and labels in a registry database, files in a content-addressed store.

    Parameters
    ----------
    engine : sqlalchemy.engine.Engine
        From :func:`vitalkit.serve.db.open_database`.
    store_dir : path
        The content-addressed store (:func:`vitalkit.serve.store.default_store`).
    cache_s : float
        How long :meth:`get` may answer from memory (0: every call reads the database). The
        server keeps lookups for a second: three queries per request cost more than the model;
        a ``promote`` or ``retire`` made by another process takes effect within ``cache_s``,
        one made through this object at once.
    """

    def __init__(self, engine: Engine, store_dir: str | Path, cache_s: float = 0.0) -> None:
        self.engine = engine
        self.store_dir = Path(store_dir)
        self.cache_s = float(cache_s)
        self._cache: dict[tuple[str, int | str], tuple[float, ModelVersion]] = {}
        self._cache_lock = threading.Lock()

    def _version(self, row: Any, row_labels: list[str]) -> ModelVersion:
        return ModelVersion(
            name=row.name,
            version=row.version,
            sha256=row.sha256,
            file=self.store_dir / row.file,
            source=row.source,
            task=row.task,
            classes=row.classes.split(","),
            sampling_rate_hz=row.sampling_rate_hz,
            metadata=json.loads(row.metadata_json),
            registered_at=_aware(row.registered_at),
            retired_at=_aware(row.retired_at),
            labels=row_labels,
        )

    def register(self, name: str, path: str | Path) -> ModelVersion:
        """Validate a model package, copy it into the store and record it as the next version.

        Raises
        ------
        ModelPackageError
            The file is not a valid VitalKit model package (names the file and the problem).
        RegistryError
            A model that is not a beat model, or a bad name.
        """
        path = Path(path)
        if not name or not all(c.isalnum() or c in "-_." for c in name) or len(name) > 100:
            raise RegistryError(name or "''", "model names are 1-100 letters, digits, '-', '_' or '.'")
        package = load_package(path)
        if package.task != "beats":
            raise RegistryError(path, f"a {package.task!r} model; only beat models are served")
        digest, stored = store.put(self.store_dir, path)
        try:
            with self.engine.begin() as conn:
                last = conn.execute(
                    sa.select(sa.func.max(model_versions.c.version)).where(model_versions.c.name == name)
                ).scalar()
                conn.execute(
                    model_versions.insert().values(
                        name=name,
                        version=(last or 0) + 1,
                        sha256=digest,
                        file=stored.relative_to(self.store_dir).as_posix(),
                        source=str(path.resolve()),
                        task=package.task,
                        classes=",".join(package.classes),
                        sampling_rate_hz=float(package.metadata.get("sampling_rate_hz", 0.0)),
                        metadata_json=json.dumps(package.metadata, sort_keys=True),
                        registered_at=utcnow(),
                    )
                )
        except sa.exc.IntegrityError:
            raise RegistryError(
                name, "another version was registered at the same moment; run again"
            ) from None
        return self.get(name, (last or 0) + 1)

    def _labels(self, conn: sa.Connection, name: str | None = None) -> dict[tuple[str, int], list[str]]:
        query = sa.select(labels).order_by(labels.c.label.desc())
        if name is not None:
            query = query.where(labels.c.name == name)
        found: dict[tuple[str, int], list[str]] = {}
        for row in conn.execute(query):
            found.setdefault((row.name, row.version), []).append(row.label)
        return found

    def list(self, name: str | None = None, include_retired: bool = True) -> list[ModelVersion]:
        """Every version (of one model), by name then version."""
        query = sa.select(model_versions).order_by(model_versions.c.name, model_versions.c.version)
        if name is not None:
            query = query.where(model_versions.c.name == name)
        if not include_retired:
            query = query.where(model_versions.c.retired_at.is_(None))
        with self.engine.connect() as conn:
            found = self._labels(conn, name)
            return [self._version(r, found.get((r.name, r.version), [])) for r in conn.execute(query)]

    def get(self, name: str, version: int | str | None = None) -> ModelVersion:
        """One version, or the one labelled ``version`` (``'production'``, ``'candidate'``);
        ``None`` means production.

        Raises
        ------
        RegistryError
            Unknown model, version or label (listing what exists).
        """
        version = "production" if version is None else version
        if isinstance(version, str) and version.isdigit():
            version = int(version)
        if self.cache_s <= 0:
            return self._get(name, version)
        key, now = (name, version), time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_s:
            return hit[1]
        found = self._get(name, version)
        with self._cache_lock:
            self._cache[key] = (now, found)
        return found

    def _forget(self) -> None:
        """Drop the lookups kept by :meth:`get` (after a change made through this object)."""
        with self._cache_lock:
            self._cache.clear()

    def _get(self, name: str, version: int | str) -> ModelVersion:
        with self.engine.connect() as conn:
            if isinstance(version, str):
                if version not in LABELS:
                    raise RegistryError(
                        f"{name}:{version}", f"a version is a number or one of {list(LABELS)}"
                    )
                number = conn.execute(
                    sa.select(labels.c.version).where(labels.c.name == name, labels.c.label == version)
                ).scalar()
                if number is None:
                    self._known(conn, name)
                    raise RegistryError(
                        name,
                        f"no {version} version (vitalkit models promote {name} VERSION --label {version})",
                    )
                version = number
            row = conn.execute(
                sa.select(model_versions).where(
                    model_versions.c.name == name, model_versions.c.version == version
                )
            ).first()
            if row is None:
                versions = self._known(conn, name)
                raise RegistryError(f"{name}:{version}", f"unknown version; {name} has versions {versions}")
            return self._version(row, self._labels(conn, name).get((name, version), []))

    def _known(self, conn: sa.Connection, name: str) -> list[int]:
        versions = list(
            conn.execute(
                sa.select(model_versions.c.version)
                .where(model_versions.c.name == name)
                .order_by(model_versions.c.version)
            ).scalars()
        )
        if not versions:
            names = sorted(set(conn.execute(sa.select(model_versions.c.name)).scalars()))
            raise RegistryError(name, f"unknown model; registered models: {names or 'none'}")
        return versions

    def promote(self, name: str, version: int, label: str = "production") -> ModelVersion:
        """Move ``label`` to ``version`` (a version cannot be both production and candidate).

        Raises
        ------
        RegistryError
            Unknown label or version, or a retired version.
        """
        if label not in LABELS:
            raise RegistryError(label, f"unknown label; labels are {list(LABELS)}")
        target = self.get(name, int(version))
        if target.retired_at is not None:
            raise RegistryError(target.ref, "retired; a retired version cannot be promoted")
        with self.engine.begin() as conn:
            conn.execute(
                labels.delete().where(
                    labels.c.name == name,
                    sa.or_(labels.c.label == label, labels.c.version == target.version),
                )
            )
            conn.execute(
                labels.insert().values(name=name, label=label, version=target.version, updated_at=utcnow())
            )
        self._forget()
        return self.get(name, target.version)

    def retire(self, name: str, version: int) -> ModelVersion:
        """Mark a version retired and take its labels away (its row and file stay)."""
        target = self.get(name, int(version))
        if target.retired_at is None:
            with self.engine.begin() as conn:
                conn.execute(
                    model_versions.update()
                    .where(model_versions.c.name == name, model_versions.c.version == target.version)
                    .values(retired_at=utcnow())
                )
                conn.execute(labels.delete().where(labels.c.name == name, labels.c.version == target.version))
        self._forget()
        return self.get(name, target.version)

    def file(self, version: ModelVersion) -> Path:
        """The version's store file, after checking its SHA-256."""
        return store.verified(version.file, version.sha256)


__all__ = ["LABELS", "ModelPackageError", "ModelVersion", "Registry", "RegistryError"]
