"""Alembic's entry point: migrate the connection `scli init-db` hands over."""

from alembic import context
from sqlmodel import SQLModel

from strider_challenge.domain import datasets, ledger  # noqa: F401 (tables)

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=True,
)
with context.begin_transaction():
    context.run_migrations()
