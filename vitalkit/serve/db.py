"""The registry database: tables, connection and the migrations that create them.

The registry and the audit trail live in one database reached by SQLAlchemy: a SQLite file by
default (nothing to start), or any URL SQLAlchemy takes (``postgresql+psycopg://...``). The
schema is made by the Alembic migrations shipped in ``vitalkit/serve/migrations``, run by
:func:`open_database` on every open (a no-op when the database is current).

Examples
--------
>>> db = open_database("sqlite://")        # in memory
>>> sorted(t for t in metadata.tables)
['audit', 'labels', 'model_versions', 'settings']
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from vitalkit import config
from vitalkit.errors import DataError

MIGRATIONS = Path(__file__).parent / "migrations"

metadata = sa.MetaData()

model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("file", sa.String(500), nullable=False),
    sa.Column("source", sa.String(1000), nullable=False),
    sa.Column("task", sa.String(20), nullable=False),
    sa.Column("classes", sa.String(200), nullable=False),
    sa.Column("sampling_rate_hz", sa.Float, nullable=False),
    sa.Column("metadata_json", sa.Text, nullable=False),
    sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
    sa.UniqueConstraint("name", "version", name="uq_model_versions_name_version"),
)
"""One row per registered version; rows are never updated except ``retired_at``."""

labels = sa.Table(
    "labels",
    metadata,
    sa.Column("name", sa.String(100), primary_key=True),
    sa.Column("label", sa.String(20), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)
"""Which version of a model carries ``production`` / ``candidate``."""

audit = sa.Table(
    "audit",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("request_id", sa.String(32), nullable=False, unique=True),
    sa.Column("time", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("model", sa.String(100), nullable=True),
    sa.Column("version", sa.Integer, nullable=True),
    sa.Column("arm", sa.String(20), nullable=True),
    sa.Column("input_sha256", sa.String(64), nullable=True),
    sa.Column("sampling_rate", sa.Float, nullable=True),
    sa.Column("n_samples", sa.Integer, nullable=True),
    sa.Column("beat_source", sa.String(20), nullable=True),
    sa.Column("subject_hash", sa.String(64), nullable=True),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("error", sa.String(60), nullable=True),
    sa.Column("message", sa.Text, nullable=True),
    sa.Column("n_beats", sa.Integer, nullable=True),
    sa.Column("class_counts", sa.String(500), nullable=True),
    sa.Column("latency_ms", sa.Float, nullable=False),
    sa.Column("shadow_version", sa.Integer, nullable=True),
    sa.Column("agreement", sa.Float, nullable=True),
)
"""One row per request: never the signal, the subject only as a salted hash."""

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(50), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Registry-wide settings (the subject salt)."""


def default_url() -> str:
    """``VITALKIT_REGISTRY_URL``, or a SQLite file ``data/registry/registry.db`` in the project."""
    url = os.environ.get("VITALKIT_REGISTRY_URL", "").strip()
    return url or f"sqlite:///{config.project_root() / 'data' / 'registry' / 'registry.db'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA synchronous=FULL")  # a committed row is on disk before the reply
    cursor.execute("PRAGMA busy_timeout=30000")  # several server processes share the file
    cursor.close()


def create_db_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, full sync and a busy timeout (the folder is
    created), an in-memory SQLite one shared connection."""
    if url.startswith("sqlite"):
        database = sa.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
            sa.event.listen(engine, "connect", _sqlite_pragmas)
            return engine
        return sa.create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
    return sa.create_engine(url, pool_pre_ping=True, pool_size=8, max_overflow=32)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with the shipped Alembic migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def open_database(url: str | None = None, migrate_schema: bool = True) -> Engine:
    """Connect to the registry database (default :func:`default_url`) and migrate it to the
    current schema.

    Raises
    ------
    DataError
        The URL does not parse or the database cannot be reached, naming it (password hidden).
    """
    url = url or default_url()
    try:
        engine = create_db_engine(url)
        if migrate_schema:
            migrate(engine)
    except (sa.exc.ArgumentError, sa.exc.OperationalError, ModuleNotFoundError) as exc:
        shown = sa.make_url(url).render_as_string(hide_password=True) if "://" in url else url
        raise DataError(shown, f"registry database unusable ({type(exc).__name__}: {exc})") from None
    return engine
