"""Fixtures of the serving tests: a fresh registry database per test (SQLite always, PostgreSQL
too when ``VITALKIT_TEST_POSTGRES_URL`` names a server, as ``.ci/run`` sets it), the shipped
default beat model registered as production, and 10 s of MIT-BIH record 100."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from vitalkit.pretrained import resolve_model
from vitalkit.serve.app import ServeSettings, create_app
from vitalkit.serve.audit import AuditTrail
from vitalkit.serve.db import open_database
from vitalkit.serve.registry import Registry

POSTGRES_URL = os.environ.get("VITALKIT_TEST_POSTGRES_URL", "")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(
            not POSTGRES_URL, reason="VITALKIT_TEST_POSTGRES_URL not set (no PostgreSQL)"
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A URL of an empty registry database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def registry(db_url: str, tmp_path: Path) -> Registry:
    """An empty registry with its store in ``tmp_path``."""
    return Registry(open_database(db_url), tmp_path / "store")


@pytest.fixture
def beats_model() -> Path:
    """The shipped default beat model package."""
    return resolve_model("beats")


@pytest.fixture
def served(registry: Registry, beats_model: Path, db_url: str, tmp_path: Path):
    """``(client, registry)``: the app over a registry whose ``beats:1`` is production."""
    registry.register("beats", beats_model)
    registry.promote("beats", 1, "production")
    app = create_app(ServeSettings(registry_url=db_url, store_dir=str(tmp_path / "store")))
    with TestClient(app) as client:
        yield client, registry


@pytest.fixture
def trail(registry: Registry) -> AuditTrail:
    """The audit trail of the registry's database."""
    return AuditTrail(registry.engine)


@pytest.fixture(scope="session")
def segment_10s(ecg_segment: tuple) -> tuple[np.ndarray, float]:
    """The first 10 s of MIT-BIH record 100 (lead MLII, mV) and its rate."""
    signal, rate = ecg_segment
    return signal[: int(10 * rate)].copy(), float(rate)
