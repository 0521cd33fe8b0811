"""The charts' SQL, read as text: what each dialect is asked."""

from strider_challenge.adapters.queries import (
    POSTGRES,
    SQLITE,
    bars_sql,
    daily_starts_sql,
    in_progress_sql,
)


def test_one_offset_shifts_every_start_by_one_modifier() -> None:
    assert daily_starts_sql(SQLITE, 1, 2) == (
        "SELECT date(s.start_at, :shift_0) AS bucket, count(*) FROM stream AS s "
        "WHERE s.start_at >= :month_start AND s.start_at < :month_end "
        "GROUP BY bucket"
    )
    assert daily_starts_sql(POSTGRES, 1, 2) == (
        "WITH buckets (bucket) AS (VALUES (CAST(:day_0 AS DATE)), "
        "(CAST(:day_1 AS DATE))) SELECT bucket, count(*) FROM stream AS s "
        "CROSS JOIN buckets WHERE CAST((s.start_at AT TIME ZONE 'UTC') + "
        "CAST(:shift_0 AS INTERVAL) AS DATE) = bucket AND s.start_at >= :month_start "
        "AND s.start_at < :month_end GROUP BY bucket"
    )


def test_each_offset_applies_from_its_instant() -> None:
    case = (
        "CASE WHEN s.start_at < :from_1 THEN :shift_0 "
        "WHEN s.start_at < :from_2 THEN :shift_1 ELSE :shift_2 END"
    )

    assert f"date(s.start_at, {case})" in daily_starts_sql(SQLITE, 3, 31)
    assert f"CAST({case} AS INTERVAL)" in daily_starts_sql(POSTGRES, 3, 31)
    assert "(CAST(:day_30 AS DATE))) SELECT" in daily_starts_sql(POSTGRES, 3, 31)


def test_in_progress_counts_each_instant_among_the_movies_streams() -> None:
    sql = in_progress_sql(SQLITE, 3)

    assert sql.startswith(
        "WITH instants (i, at) AS (VALUES (0, :at_0), (1, :at_1), (2, :at_2)), "
    )
    assert "lower(trim(s.movie_title)) = lower(trim(CAST(:movie AS TEXT)))" in sql
    assert "s.start_at <= :at_2 AND s.end_at >= :at_0" in sql
    assert "SELECT start_at, 0, 1, NULL FROM cut " in sql
    assert "SELECT end_at, 2, -1, NULL FROM cut" in sql
    assert "sum(delta) OVER (ORDER BY at, kind ROWS UNBOUNDED PRECEDING)" in sql
    assert 'COLLATE "C"' in in_progress_sql(POSTGRES, 1)


def test_bars_are_counted_among_the_listed_bars() -> None:
    assert bars_sql(SQLITE, "size", 3) == (
        "SELECT CAST((s.size_mb - CAST(:low AS DOUBLE PRECISION)) "
        "/ CAST(:width AS DOUBLE PRECISION) AS INTEGER) AS bucket, count(*) "
        "FROM stream AS s GROUP BY bucket"
    )
    assert bars_sql(POSTGRES, "size", 3).startswith(
        "WITH buckets (bucket) AS (VALUES (0), (1), (2)) SELECT bucket, count(*) "
        "FROM stream AS s CROSS JOIN buckets WHERE floor((s.size_mb - "
    )
    assert "- :low * 1000000) / (:width * 1000000) AS bucket" in bars_sql(
        SQLITE, "duration", 1
    )
    assert (
        "floor((date_part('epoch', s.end_at - s.start_at) - :low) / :width) = bucket"
        in bars_sql(POSTGRES, "duration", 1)
    )
