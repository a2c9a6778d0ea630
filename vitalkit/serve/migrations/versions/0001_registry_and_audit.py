"""Registry and audit tables.

Revision ID: 0001
Revises:
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "model_versions",
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
    op.create_table(
        "labels",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("label", sa.String(20), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(32), nullable=False, unique=True),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
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
    op.create_index("ix_audit_time", "audit", ["time"])
    settings = op.create_table(
        "settings",
        sa.Column("key", sa.String(50), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    # The salt of subject hashes: random per registry, never shown (VITALKIT_AUDIT_SALT overrides).
    op.bulk_insert(settings, [{"key": "subject_salt", "value": secrets.token_hex(32)}])


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_audit_time", "audit")
    op.drop_table("audit")
    op.drop_table("labels")
    op.drop_table("model_versions")
