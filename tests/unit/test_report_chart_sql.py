"""The charts' SQL, read as text: what each dialect is asked."""

from strider_challenge.adapters.queries import (
    POSTGRES,
    SQLITE,
    bars_sql,
    daily_starts_sql,
    in_progress_sql,
)


def test_one_offset_shifts_every_start_by_one_modifier() -> None:
    assert daily_starts_sql(SQLITE, 1) == (
        "SELECT date(s.start_at, :shift_0) AS day, count(*) FROM stream AS s "
        "WHERE s.start_at >= :month_start AND s.start_at < :month_end GROUP BY 1"
    )
    assert (
        "CAST((s.start_at AT TIME ZONE 'UTC') + CAST(:shift_0 AS INTERVAL) AS DATE)"
        in daily_starts_sql(POSTGRES, 1)
    )


def test_each_offset_applies_from_its_instant() -> None:
    case = (
        "CASE WHEN s.start_at < :from_1 THEN :shift_0 "
        "WHEN s.start_at < :from_2 THEN :shift_1 ELSE :shift_2 END"
    )

    assert f"date(s.start_at, {case})" in daily_starts_sql(SQLITE, 3)
    assert f"CAST({case} AS INTERVAL)" in daily_starts_sql(POSTGRES, 3)


def test_in_progress_counts_each_instant_among_the_movies_streams() -> None:
    sql = in_progress_sql(SQLITE, 3)

    assert sql.startswith(
        "WITH instants (i, at) AS (VALUES (0, :at_0), (1, :at_1), (2, :at_2)), "
    )
    assert "lower(trim(s.movie_title)) = lower(trim(CAST(:movie AS TEXT)))" in sql
    assert "s.start_at <= :at_2 AND s.end_at >= :at_0" in sql
    assert "cut.start_at <= instants.at AND cut.end_at >= instants.at" in sql
    assert 'COLLATE "C"' in in_progress_sql(POSTGRES, 1)


def test_bars_are_whole_bars_from_low() -> None:
    assert bars_sql(SQLITE, "size") == (
        "SELECT CAST((s.size_mb - CAST(:low AS DOUBLE PRECISION)) "
        "/ CAST(:width AS DOUBLE PRECISION) AS INTEGER) AS bar, count(*) "
        "FROM stream AS s GROUP BY 1"
    )
    assert bars_sql(POSTGRES, "size").startswith("SELECT floor((s.size_mb - ")
    assert "- :low * 1000000) / (:width * 1000000) AS bar" in bars_sql(
        SQLITE, "duration"
    )
    assert "floor((date_part('epoch', s.end_at - s.start_at) - :low) / :width)" in (
        bars_sql(POSTGRES, "duration")
    )
