"""The merge plan, read as SQL: what each load runs, per database and mode."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from strider_challenge.adapters.merge_plan import (
    ACTIONS,
    DELETED,
    DISTINCT,
    IF_DUPLICATES,
    INSERTED,
    REMOVED,
    REPEATS,
    FreshDays,
    Step,
    merge_plan,
    staging_table,
)
from strider_challenge.domain.datasets import DATASETS, get_dataset

DIALECTS = ("postgresql", "sqlite")
DAY = datetime(2022, 1, 1, tzinfo=timezone.utc)
FRESH = FreshDays("_loading_stream", "start_at", ((DAY, DAY + timedelta(days=2)),))


def sql(steps: tuple[Step, ...]) -> list[str]:
    return [step.sql for step in steps]


def counted(steps: tuple[Step, ...]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for step in steps:
        if step.counts:
            found.setdefault(step.counts, []).append(step.sql)
    return found


def test_a_first_load_on_postgresql_is_one_insert_of_the_last_row_of_each_key() -> None:
    (step,) = merge_plan(get_dataset("user"), "postgresql", full=True, first=True)

    assert step == Step(
        'INSERT INTO "user" (email, first_name, last_name, valid_from, first_seen_at,'
        " last_seen_at) SELECT DISTINCT ON (email) email, first_name, last_name, :t,"
        " :t, :t FROM _staging_user ORDER BY email, _seq DESC",
        counts=INSERTED,
    )


def test_a_first_load_on_sqlite_replaces_in_key_order_then_drops_its_table() -> None:
    steps = merge_plan(get_dataset("user"), "sqlite", full=True, first=True)

    assert sql(steps) == [
        "INSERT OR REPLACE INTO user (email, first_name, last_name, valid_from,"
        " first_seen_at, last_seen_at) SELECT email, first_name, last_name, :t, :t, :t"
        " FROM _staging_user ORDER BY email, _seq",
        "SELECT count(*) FROM user",
        "DROP TABLE _staging_user",
    ]
    assert counted(steps) == {INSERTED: ["SELECT count(*) FROM user"]}


def test_a_first_load_of_fresh_days_goes_through_the_loader() -> None:
    (step,) = merge_plan(
        get_dataset("stream"), "postgresql", full=False, first=True, fresh=FRESH
    )

    assert step.sql.startswith("INSERT INTO _loading_stream (user_email, movie_title,")
    assert "DISTINCT ON (user_email, movie_title, start_at)" in step.sql


def test_a_trusted_first_load_inserts_the_staged_rows_as_they_are() -> None:
    (step,) = merge_plan(
        get_dataset("stream"),
        "postgresql",
        full=False,
        first=True,
        fresh=FRESH,
        trust_fresh_keys=True,
    )

    assert step == Step(
        "INSERT INTO _loading_stream (user_email, movie_title, start_at, end_at,"
        " size_mb, valid_from, first_seen_at, last_seen_at) SELECT user_email,"
        " movie_title, start_at, end_at, size_mb, :t, :t, :t FROM _staging_stream",
        counts=INSERTED,
    )


def test_a_trusted_merge_looks_for_repeats_only_outside_the_fresh_days() -> None:
    trusted = merge_plan(
        get_dataset("stream"),
        "postgresql",
        full=False,
        first=False,
        fresh=FRESH,
        trust_fresh_keys=True,
    )
    checked = merge_plan(
        get_dataset("stream"), "postgresql", full=False, first=False, fresh=FRESH
    )

    (count,) = counted(trusted)[REPEATS]
    assert " WHERE NOT (start_at >= to_timestamp(1640995200) AND" in count
    assert " WHERE " not in counted(checked)[REPEATS][0]
    assert sql(trusted)[1:] == sql(checked)[1:]


def test_sqlite_plans_do_not_depend_on_trust() -> None:
    for first in (True, False):
        plans = {
            trust: merge_plan(
                get_dataset("user"),
                "sqlite",
                full=True,
                first=first,
                trust_fresh_keys=trust,
            )
            for trust in (True, False)
        }
        assert plans[True] == plans[False]


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_full_dump_classifies_with_one_full_join_and_marks_the_absent(
    dialect: str,
) -> None:
    steps = merge_plan(get_dataset("book"), dialect, full=True, first=False)
    text = "\n".join(sql(steps))

    classify = next(s for s in sql(steps) if "_classified" in s and "CREATE" in s)
    assert classify.count(" JOIN ") == 1 and " FULL JOIN book AS t" in classify
    assert "WHEN s.title IS NULL THEN 'absent'" in classify
    assert "WHERE (s.title IS NOT NULL OR t.deleted_at IS NULL)" in classify
    assert counted(steps)[DELETED] == [
        "UPDATE book SET deleted_at = :t FROM _classified AS c"
        " WHERE book.title = c.title AND c.action = 'absent'"
    ]
    # Once the absent are marked, every record still current was seen: no join.
    assert (
        "UPDATE book SET last_seen_at = :t WHERE deleted_at IS NULL"
        " AND last_seen_at < :t" in text
    )
    repeats = REPEATS if dialect == "postgresql" else DISTINCT
    assert ACTIONS in counted(steps) and repeats in counted(steps)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_an_incremental_load_never_marks_deleted(dialect: str) -> None:
    steps = merge_plan(get_dataset("stream"), dialect, full=False, first=False)
    text = "\n".join(sql(steps))

    assert "LEFT JOIN stream AS t" in text and "FULL JOIN" not in text
    assert "absent" not in text.replace("IN ('changed', 'absent')", "")
    assert "deleted_at = :t" not in text
    assert "c.action = 'same' AND stream.last_seen_at < :t" in text
    assert DELETED not in counted(steps)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_version_moves_to_the_history_only_once_it_ends_after_it_began(
    dialect: str,
) -> None:
    steps = merge_plan(get_dataset("movie"), dialect, full=True, first=False)

    (move,) = [s for s in sql(steps) if s.startswith("INSERT INTO movie_history")]
    assert move == (
        "INSERT INTO movie_history (title, duration_mins, original_language, size_mb,"
        " valid_from, valid_to) SELECT t.title, t.duration_mins, t.original_language,"
        " t.size_mb, t.valid_from, :t FROM movie AS t JOIN _classified AS c"
        " ON t.title = c.title WHERE c.action IN ('changed', 'absent')"
        " AND t.valid_from < :t"
    )
    (update,) = [s for s in sql(steps) if "valid_from = :t" in s]
    assert "c.action IN ('changed', 'back')" in update
    assert "deleted_at = NULL" in update


def test_postgresql_compares_rows_with_is_distinct_from_and_sqlite_with_is_not() -> (
    None
):
    def classify(dialect: str) -> str:
        steps = merge_plan(get_dataset("user"), dialect, full=False, first=False)
        return next(s for s in sql(steps) if "CASE" in s)

    assert (
        "ROW(t.first_name, t.last_name) IS DISTINCT FROM ROW(s.first_name, s.last_name)"
        in classify("postgresql")
    )
    assert "t.first_name IS NOT s.first_name OR t.last_name IS NOT s.last_name" in (
        classify("sqlite")
    )


def test_postgresql_deduplicates_in_place_only_when_keys_repeat() -> None:
    steps = merge_plan(get_dataset("user"), "postgresql", full=False, first=False)

    conditional = [s for s in steps if s.when == IF_DUPLICATES]
    assert conditional == [
        Step(
            "DELETE FROM _staging_user AS earlier USING _staging_user AS later"
            " WHERE earlier.email = later.email AND earlier._seq < later._seq",
            counts=REMOVED,
            when=IF_DUPLICATES,
        )
    ]
    assert steps[0] == Step(
        "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM _staging_user"
        " GROUP BY email HAVING count(*) > 1) AS k",
        counts=REPEATS,
    )
    assert "ANALYZE _classified" in sql(steps)


def test_sqlite_sorts_the_staging_into_a_keyed_batch_and_drops_both_after() -> None:
    steps = merge_plan(get_dataset("user"), "sqlite", full=False, first=False)

    assert sql(steps)[:3] == [
        "CREATE TEMP TABLE _batch (email, first_name, last_name, _seq,"
        " PRIMARY KEY (email)) WITHOUT ROWID",
        "INSERT OR REPLACE INTO _batch SELECT email, first_name, last_name, _seq"
        " FROM _staging_user ORDER BY email, _seq",
        "SELECT count(*) FROM _batch",
    ]
    assert sql(steps)[-3:] == [
        "DROP TABLE _classified",
        "DROP TABLE _staging_user",
        "DROP TABLE _batch",
    ]
    assert not any(s.when for s in steps) and "ANALYZE" not in " ".join(sql(steps))


def test_fresh_days_skip_the_classification_and_go_to_their_partitions() -> None:
    steps = merge_plan(
        get_dataset("stream"), "postgresql", full=False, first=False, fresh=FRESH
    )
    start, end = DAY.timestamp(), (DAY + timedelta(days=2)).timestamp()
    fresh = (
        f"(start_at >= to_timestamp({start:.0f})"
        f" AND start_at < to_timestamp({end:.0f}))"
    )

    (fill,) = [s for s in steps if s.sql.startswith("INSERT INTO _loading_stream")]
    assert fill.sql.endswith(f"FROM _staging_stream WHERE {fresh}")
    assert fill.counts == INSERTED
    classify = next(s for s in sql(steps) if "CASE" in s)
    assert f"FROM (SELECT * FROM _staging_stream WHERE NOT {fresh}) AS s" in classify


@pytest.mark.parametrize("dialect", DIALECTS)
@pytest.mark.parametrize("model", DATASETS)
@pytest.mark.parametrize("full", [True, False])
@pytest.mark.parametrize("first", [True, False])
def test_every_plan_binds_only_the_load_time_and_quotes_what_it_must(
    dialect: str, model: str, full: bool, first: bool
) -> None:
    steps = merge_plan(get_dataset(model), dialect, full=full, first=first)

    for step in steps:
        assert set(re.findall(r"(?<![:\w]):(\w+)", step.sql)) <= {"t"}, step.sql
        assert "'20" not in step.sql  # no timestamp literal, whose colons would bind
    if model == "user" and dialect == "postgresql":
        assert all('"user"' in s for s in sql(steps) if " user " in f" {s} ")
    assert staging_table(get_dataset(model)) in " ".join(sql(steps))
