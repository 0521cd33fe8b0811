from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects.postgresql.psycopg2 import PGDialect_psycopg2
from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import Dialect

from strider_challenge.domain.columns import Instant, sqlite_instant

PLUS_ONE = timezone(timedelta(hours=1))
SQLITE: Dialect = SQLiteDialect_pysqlite()
POSTGRES: Dialect = PGDialect_psycopg2()  # type: ignore[no-untyped-call]


def test_sqlite_text_is_utc_and_sorts_as_time() -> None:
    late_local = datetime(2021, 12, 25, 0, 30, tzinfo=PLUS_ONE)  # 23:30 UTC on the 24th
    early_utc = datetime(2021, 12, 24, 23, 45, tzinfo=timezone.utc)

    assert sqlite_instant(late_local) == "2021-12-24 23:30:00.000000+00:00"
    assert sqlite_instant(late_local) < sqlite_instant(early_utc)


@pytest.mark.parametrize("dialect", [SQLITE, POSTGRES])
def test_naive_datetimes_are_refused(dialect: Dialect) -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        Instant().process_bind_param(datetime(2021, 1, 1), dialect)


def test_bind_and_result_round_trip_per_dialect() -> None:
    instant = Instant()
    value = datetime(2021, 12, 6, 19, 30, 19, 99000, tzinfo=PLUS_ONE)
    as_utc = value.astimezone(timezone.utc)

    stored = instant.process_bind_param(value, SQLITE)
    assert stored == "2021-12-06 18:30:19.099000+00:00"
    assert instant.process_result_value(stored, SQLITE) == as_utc
    assert instant.process_bind_param(value, POSTGRES) is value
    read = instant.process_result_value(value, POSTGRES)
    assert read == as_utc and read is not None and read.tzinfo == timezone.utc
    assert instant.process_bind_param(None, SQLITE) is None
    assert instant.process_result_value(None, SQLITE) is None
