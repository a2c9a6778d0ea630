"""The audit trail: one row per request, its CSV export and the comparison of versions.

A row holds the time, the model name and version, the SHA-256 of the input, its sampling rate
and length, the class counts, the latency and the status (with the error code of a rejected
request); never the signal. A client's opaque ``subject`` reference is kept only as an
HMAC-SHA256 under the registry's salt (``VITALKIT_AUDIT_SALT`` overrides it).

Examples
--------
>>> from vitalkit.serve.db import open_database
>>> trail = AuditTrail(open_database("sqlite://"))
>>> trail.write(AuditRow(request_id="r1", status=200, latency_ms=3.5, model="beats", version=1))
>>> list(trail.export()["status"])
[200]
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from vitalkit.serve.db import audit, settings

COLUMNS = [c.name for c in audit.columns if c.name != "id"]
"""Columns of the CSV export, in order."""


@dataclass
class AuditRow:
    """What one request leaves in the trail (see :data:`vitalkit.serve.db.audit`)."""

    request_id: str
    status: int
    latency_ms: float
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    model: str | None = None
    version: int | None = None
    arm: str | None = None
    input_sha256: str | None = None
    sampling_rate: float | None = None
    n_samples: int | None = None
    beat_source: str | None = None
    subject_hash: str | None = None
    error: str | None = None
    message: str | None = None
    n_beats: int | None = None
    class_counts: str | None = None
    shadow_version: int | None = None
    agreement: float | None = None


class AuditTrail:
    """Writes and reads the ``audit`` table of a registry database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._salt: bytes | None = None

    def write(self, row: AuditRow) -> None:
        """Insert one row and commit it (it is on disk when this returns)."""
        values = asdict(row)
        if values["message"]:
            values["message"] = values["message"][:2000]
        with self.engine.begin() as conn:
            conn.execute(audit.insert().values(**values))

    def subject_hash(self, subject: str) -> str:
        """HMAC-SHA256 of a subject reference under the registry's salt."""
        if self._salt is None:
            salt = os.environ.get("VITALKIT_AUDIT_SALT", "")
            if not salt:
                with self.engine.connect() as conn:
                    salt = conn.execute(
                        sa.select(settings.c.value).where(settings.c.key == "subject_salt")
                    ).scalar_one()
            self._salt = salt.encode()
        return hmac.new(self._salt, subject.encode(), hashlib.sha256).hexdigest()

    def export(self, since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
        """Rows with ``since <= time < until`` (either open), oldest first, columns :data:`COLUMNS`."""
        query = sa.select(*(audit.c[c] for c in COLUMNS)).order_by(audit.c.time, audit.c.id)
        if since is not None:
            query = query.where(audit.c.time >= since)
        if until is not None:
            query = query.where(audit.c.time < until)
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).all(), columns=COLUMNS)
        if len(frame):
            frame["time"] = pd.to_datetime(frame["time"], utc=True)
        for column in ("version", "n_samples", "n_beats", "shadow_version"):
            frame[column] = frame[column].astype("Int64")
        return frame

    def export_csv(
        self, path: str | Path, since: datetime | None = None, until: datetime | None = None
    ) -> int:
        """Write :meth:`export` to ``path`` (``-``: standard output); return the row count."""
        frame = self.export(since, until)
        if len(frame):
            frame["time"] = frame["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if str(path) == "-":
            import sys

            frame.to_csv(sys.stdout, index=False)
        else:
            frame.to_csv(path, index=False)
        return len(frame)

    def count(self) -> int:
        """Rows in the trail."""
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(audit)).scalar_one())


def class_counts(classes: list[str], predicted: np.ndarray) -> str:
    """The result summary of a request: beats per class as compact JSON, every class listed.

    >>> class_counts(["N", "V"], np.array(["N", "N", "V"]))
    '{"N":2,"V":1}'
    """
    values, counts = np.unique(np.asarray(predicted, dtype=str), return_counts=True)
    found = dict(zip(values.tolist(), counts.tolist(), strict=True))
    return json.dumps({c: int(found.get(c, 0)) for c in classes}, separators=(",", ":"))


def compare(frame: pd.DataFrame) -> pd.DataFrame:
    """Per model version: requests, rejected share, latency p50/p95/p99 of answered requests and
    the mean agreement with the other A/B arm (beats of the same class) where it was measured.

    >>> rows = pd.DataFrame({"model": ["m", "m", "m"], "version": [1, 1, 2], "status": [200, 422, 200],
    ...                      "latency_ms": [10.0, 1.0, 20.0], "agreement": [None, None, 0.5]})
    >>> compare(rows)[["requests", "rejected_%", "p50_ms", "agreement"]].values.tolist()
    [[2.0, 50.0, 10.0, nan], [1.0, 0.0, 20.0, 0.5]]
    """
    rows = []
    for (model, version), group in frame.dropna(subset=["version"]).groupby(["model", "version"]):
        answered = group.loc[group["status"] < 300, "latency_ms"].to_numpy(dtype=float)
        agreement = pd.to_numeric(group["agreement"], errors="coerce").dropna()
        p50, p95, p99 = np.percentile(answered, [50, 95, 99]) if answered.size else (np.nan,) * 3
        rows.append(
            {
                "model": model,
                "version": int(version),
                "requests": len(group),
                "rejected_%": round(100.0 * (group["status"] >= 300).mean(), 2),
                "p50_ms": round(float(p50), 2),
                "p95_ms": round(float(p95), 2),
                "p99_ms": round(float(p99), 2),
                "agreement": round(float(agreement.mean()), 4) if len(agreement) else np.nan,
                "compared": len(agreement),
            }
        )
    return pd.DataFrame(rows).set_index(["model", "version"]) if rows else pd.DataFrame()
