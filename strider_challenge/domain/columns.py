"""Column types shared by the tables, so that every database stores the same values."""

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

#: JSON documents: `jsonb` on PostgreSQL, canonical JSON text elsewhere.
Document = JSON().with_variant(JSONB(), "postgresql")


def sqlite_instant(value: datetime) -> str:
    """Render an aware datetime as fixed-width UTC text, so text order is time order."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: an instant needs an offset")
    return value.astimezone(timezone.utc).isoformat(" ", "microseconds")


class Instant(TypeDecorator[datetime]):
    """A point in time: `timestamptz` on PostgreSQL, UTC text on SQLite; read as UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Store text on SQLite, whose own datetime type drops the offset."""
        if dialect.name == "sqlite":
            return dialect.type_descriptor(String())
        return dialect.type_descriptor(DateTime(timezone=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Refuse naive datetimes; render UTC text on SQLite."""
        if value is None:
            return None
        if dialect.name == "sqlite":
            return sqlite_instant(value)
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: an instant needs an offset")
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return every instant in UTC, whatever the database session's time zone."""
        if value is None:
            return None
        instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        assert isinstance(instant, datetime)
        return instant.astimezone(timezone.utc)
