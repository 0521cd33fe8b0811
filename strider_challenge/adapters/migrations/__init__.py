"""Alembic migrations: the schema's history, applied by `scli init-db`."""
