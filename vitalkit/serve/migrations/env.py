"""Alembic environment of the registry: runs on the connection :func:`vitalkit.serve.db.migrate`
hands over (no ``alembic.ini``, no URL of its own)."""

from alembic import context

from vitalkit.serve.db import metadata


def run_migrations() -> None:
    """Run the pending migrations on the handed-over connection."""
    connection = context.config.attributes["connection"]
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if getattr(context, "config", None) is not None:  # run by Alembic (not imported by a collector)
    run_migrations()
