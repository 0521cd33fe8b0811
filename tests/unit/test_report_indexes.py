"""The model declares the title-key indexes the migration creates."""

import importlib.util

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

from strider_challenge.adapters import schema
from strider_challenge.domain.indexes import TITLE_KEY, TITLE_KEY_INDEXES, title_key
from strider_challenge.domain.model import Stream

MIGRATION = schema.MIGRATIONS / "versions" / "0004_answer_indexes.py"


def test_the_migration_creates_what_the_domain_defines() -> None:
    spec = importlib.util.spec_from_file_location("answer_indexes", MIGRATION)
    assert spec and spec.loader
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)

    assert migration.INDEXES == TITLE_KEY_INDEXES
    assert migration.KEY == TITLE_KEY


def test_the_title_key_per_dialect() -> None:
    assert title_key("m.title", "sqlite") == "lower(trim(m.title))"
    assert title_key("m.title", "postgresql") == 'lower(trim(m.title COLLATE "C"))'


def test_the_stream_table_declares_its_index_for_both_dialects() -> None:
    indexes = Stream.__table__.indexes  # type: ignore[attr-defined]
    compiled = sorted(
        str(CreateIndex(index).compile(dialect=dialect.dialect()))
        for index in indexes
        for dialect in (postgresql, sqlite)
        if index.name == "ix_stream_title_key"
    )

    prefix = "CREATE INDEX ix_stream_title_key ON stream "
    assert compiled == [
        prefix + '(lower(trim(movie_title COLLATE "C")), start_at)',
        prefix + '(lower(trim(movie_title COLLATE "C")), start_at)',
        prefix + "(lower(trim(movie_title)), start_at)",
        prefix + "(lower(trim(movie_title)), start_at)",
    ]
