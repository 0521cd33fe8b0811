"""Each rule of the report's definitions changes an answer, on SQLite and PostgreSQL.

Every test loads a small dump through the load service and asserts the number the
definition gives; the comment says what the wrong rule would give instead.
"""

from dataclasses import asdict
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records
from tests.report_data import (
    RULES_DUMP,
    answer,
    load_dump,
    nationality,
    run_report,
    stream,
)

OUTAGE = "users_affected_by_outage"
BOOKS = "pct_streamed_movies_based_on_books"
NATIONALITY = "movies_from_nationality_authors_streamed_in_month"
LAST_WEEK = "users_watched_half_movie_last_week"
AVERAGE = "avg_stream_duration_seconds"
MEDIAN = "median_stream_size_gb"


def christmas(
    start: str, end: str, user: str, movie: str = "Unforgiven"
) -> dict[str, str]:
    """A stream on Christmas day, times in business time."""
    return stream(f"2021-12-25T{start}+0100", f"2021-12-25T{end}+0100", user, movie)


def test_the_outage_counts_every_stream_in_progress_during_it(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven"), records.movie("Alien")],
        stream=[
            christmas("06:30:00.000", "08:00:00.000", "started-before@x"),
            christmas("05:00:00.000", "13:00:00.000", "spans-it@x"),
            christmas("11:59:00.000", "14:00:00.000", "starts-inside@x"),
            christmas("06:00:00.000", "07:00:00.000", "ends-at-07@x"),
            christmas("12:00:00.000", "12:30:00.000", "starts-at-12@x"),
            christmas("09:00:00.000", "10:00:00.000", "started-before@x"),
            christmas("05:00:00.000", "06:59:59.999", "ended-before@x"),
            christmas("12:00:00.001", "13:00:00.000", "started-after@x"),
            christmas("08:00:00.000", "09:00:00.000", "other-movie@x", "Alien"),
            christmas("08:00:00.000", "09:00:00.000", "upper-case@x", " UNFORGIVEN "),
        ],
    )

    # Six distinct users; counting the streams that start in the window gives 3.
    assert answer(engine, OUTAGE) == 6
    # The options move the window and the movie.
    assert (
        answer(
            engine,
            OUTAGE,
            outage_start="2021-12-25 05:00",
            outage_end="2021-12-25 06:59",
        )
        == 4
    )
    assert answer(engine, OUTAGE, outage_movie="alien") == 1


def test_the_outage_is_in_business_time_not_utc(engine: Engine, tmp_path: Path) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven")],
        stream=[
            # 07:15-07:45 business time: cut by the outage.
            stream(
                "2021-12-25T06:15:00.000+0000", "2021-12-25T06:45:00.000+0000", "a@x"
            ),
            # 12:30-13:30 and 12:10-12:50 business time: after it; inside 07-12 UTC.
            stream(
                "2021-12-25T11:30:00.000+0000", "2021-12-25T12:30:00.000+0000", "b@x"
            ),
            stream(
                "2021-12-25T11:10:00.000+0000", "2021-12-25T11:50:00.000+0000", "c@x"
            ),
        ],
    )

    assert answer(engine, OUTAGE) == 1
    assert answer(engine, OUTAGE, zone="+00:00") == 2
    assert answer(engine, OUTAGE, zone="Europe/Paris") == 1


def test_movies_link_to_reviews_case_insensitively_and_never_to_the_sentinel(
    engine: Engine, tmp_path: Path
) -> None:
    december = ("2021-12-10T10:00:00.000+0100", "2021-12-10T12:00:00.000+0100")
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie(t) for t in ("Unforgiven", "Alien", "Heat", "End", "Ran")],
        stream=[
            stream(*december, "a@x", title)
            for title in ("Unforgiven", "Alien", "Heat", "End")
        ],
        review=[
            records.review("UNFORGIVEN", "BOOK ONE"),
            records.review("  alien ", "BOOK TWO"),
            # Ran is based on a book but never streamed: not counted at all.
            records.review("RAN", "BOOK THREE"),
        ],
    )
    # A review row naming the sentinel, as an older loader could have stored it.
    copy_review(engine, "UNFORGIVEN", movie_title="'end'", book_title="'BOOK FOUR'")

    # 2 of the 4 streamed movies; case-sensitive links give 0.00, the sentinel 75.00.
    assert answer(engine, BOOKS) == Decimal("50.00")

    load_more(engine, tmp_path, review=[records.review("END", "BOOK FIVE")])

    # A real review of the movie "End" (written in upper case) does link it.
    assert answer(engine, BOOKS) == Decimal("75.00")


def test_an_author_counts_when_any_of_their_nationalities_matches(
    engine: Engine, tmp_path: Path
) -> None:
    in_december = ("2021-12-10T10:00:00.000+0100", "2021-12-10T12:00:00.000+0100")
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven"), records.movie("Alien")],
        stream=[
            stream(*in_december, "a@x", "Unforgiven"),
            stream(*in_december, "a@x", "Alien"),
        ],
        author=[
            # Stored sorted by slug: singaporeans is the second nationality.
            records.author(
                "Ada Writer",
                nationalities=[nationality("Singaporeans"), nationality("Chileans")],
            ),
            records.author("Bo Writer", nationalities=[nationality("Chileans")]),
        ],
        book=[
            records.book("The Long Goodbye", author="  ADA writer"),
            records.book("Dune", author="Bo Writer"),
        ],
        review=[
            records.review("UNFORGIVEN", "the long goodbye "),
            records.review("ALIEN", "DUNE"),
        ],
    )

    assert answer(engine, NATIONALITY) == 1  # the first nationality only: 0
    assert answer(engine, NATIONALITY, nationality="chileans") == 2
    assert answer(engine, NATIONALITY, nationality="peruvians") == 0


def test_a_movie_counts_for_the_month_when_a_stream_overlaps_it(
    engine: Engine, tmp_path: Path
) -> None:
    titles = ("Unforgiven", "Alien", "Heat", "Ran")
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie(title) for title in titles],
        stream=[
            # Started in November, ended in December: counts.
            stream(
                "2021-11-30T23:30:00.000+0100", "2021-12-01T01:30:00.000+0100", "a@x"
            ),
            # Ended at midnight, business time: does not count.
            stream(
                "2021-11-30T22:00:00.000+0100",
                "2021-12-01T00:00:00.000+0100",
                "a@x",
                "Alien",
            ),
            # December 31st 23:30 UTC is January 1st in business time.
            stream(
                "2021-12-31T23:30:00.000+0000",
                "2022-01-01T01:00:00.000+0000",
                "a@x",
                "Heat",
            ),
            stream(
                "2021-12-31T22:30:00.000+0000",
                "2021-12-31T22:45:00.000+0000",
                "a@x",
                "Ran",
            ),
        ],
        author=[records.author("Ada Writer")],
        book=[records.book("The Long Goodbye", author="Ada Writer")],
        review=[
            records.review(
                title.upper(),
                "THE LONG GOODBYE",
                created=f"2021-12-0{i}T10:00:00.000+0100",
            )
            for i, title in enumerate(titles, start=1)
        ],
    )

    # Unforgiven and Ran; starts in December only: Ran; months read as UTC: 3.
    assert answer(engine, NATIONALITY) == 2
    assert answer(engine, NATIONALITY, zone="UTC") == 3
    assert answer(engine, NATIONALITY, month="2021-11") == 2


def test_the_last_week_is_the_last_seven_days_and_half_is_half(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven", duration_mins="131")],  # half: 65.5 min
        stream=[
            stream(
                "2021-12-24T23:00:00.000+0100", "2021-12-25T00:10:00.000+0100", "u1@x"
            ),
            stream(
                "2021-12-24T22:00:00.000+0100", "2021-12-24T23:59:59.999+0100", "u2@x"
            ),
            stream(
                "2021-12-31T23:00:00.000+0100", "2022-01-01T00:30:00.000+0100", "u3@x"
            ),
            stream(
                "2022-01-01T00:00:00.000+0100", "2022-01-01T01:30:00.000+0100", "u4@x"
            ),
            stream(
                "2021-12-26T10:00:00.000+0100", "2021-12-26T11:05:29.999+0100", "u5@x"
            ),
            stream(
                "2021-12-26T10:00:00.000+0100", "2021-12-26T11:05:30.000+0100", "u6@x"
            ),
            stream(
                "2021-12-27T10:00:00.000+0100",
                "2021-12-27T13:00:00.000+0100",
                "u7@x",
                "Not In The Catalog",
            ),
            stream(
                "2021-12-27T10:00:00.000+0100",
                "2021-12-27T13:00:00.000+0100",
                "u8@x",
                "unforgiven",
            ),
            # January 1st 00:10-01:30 business time: inside the last week in UTC.
            stream(
                "2021-12-31T23:10:00.000+0000", "2022-01-01T00:30:00.000+0000", "u9@x"
            ),
        ],
    )

    # u1 (overlaps the start), u3 (starts on the 31st), u6 (exactly half), u8.
    # Starts in the window: 3; the window in UTC: u3, u4, u6, u8, u9.
    assert answer(engine, LAST_WEEK) == 4
    assert answer(engine, LAST_WEEK, zone="UTC") == 5


def test_durations_and_the_median_are_exact_before_rounding(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven")],
        stream=[
            # 2.250 s and 2.750 s: the mean is exactly 2.5 s, rounded up to 3.
            stream(
                "2021-12-10T10:00:00.000+0100",
                "2021-12-10T10:00:02.250+0100",
                "a@x",
                size_mb="1000.0",
            ),
            stream(
                "2021-12-10T11:00:00.000+0100",
                "2021-12-10T11:00:02.750+0100",
                "b@x",
                size_mb="1250.0",
            ),
        ],
    )

    # The median interpolates 1000 and 1250: 1.125 GB, rounded up to 1.13.
    assert (answer(engine, AVERAGE), answer(engine, MEDIAN)) == (3, Decimal("1.13"))

    load_more(
        engine,
        tmp_path,
        stream=[
            stream(
                "2021-12-11T10:00:00.000+0100",
                "2021-12-12T10:00:00.000+0100",  # one day
                "c@x",
                size_mb="3000.0",
            )
        ],
    )

    # Three sizes: the middle one. (86,400 + 5) s / 3 streams.
    assert (answer(engine, AVERAGE), answer(engine, MEDIAN)) == (
        28802,
        Decimal("1.25"),
    )


def test_an_empty_database_has_no_answers(engine: Engine) -> None:
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))

    report = run_report(engine)

    assert report.empty
    assert set(report.answers.as_dict().values()) == {None}


def test_streams_without_a_catalog_have_counts_but_no_percentage(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        stream=[
            christmas("06:30:00.000", "08:00:00.000", "a@x"),
            christmas("06:30:00.000", "08:00:00.000", "b@x"),
        ],
    )

    answers = run_report(engine).answers.as_dict()

    assert answers == {
        BOOKS: None,
        OUTAGE: 2,
        NATIONALITY: 0,
        AVERAGE: 5400,
        MEDIAN: Decimal("0.61"),
        LAST_WEEK: 0,
    }


def test_the_rules_dump_answers(engine: Engine, tmp_path: Path) -> None:
    load_dump(engine, tmp_path, **RULES_DUMP)

    report = run_report(engine)

    assert report.answers.as_dict() == {
        BOOKS: Decimal("60.00"),
        OUTAGE: 2,
        NATIONALITY: 2,
        AVERAGE: 4886,
        MEDIAN: Decimal("0.61"),
        LAST_WEEK: 2,
    }
    assert asdict(report.figures)["total_stream_microseconds"] == 34_202_250_000


def copy_review(engine: Engine, of_movie: str, **values: str) -> None:
    """Insert a copy of a loaded review with some columns replaced (SQL literals)."""
    with engine.begin() as connection:
        columns = [c["name"] for c in inspect(connection).get_columns("review")]
        chosen = ", ".join(values.get(column, column) for column in columns)
        connection.execute(
            text(
                f"INSERT INTO review ({', '.join(columns)}) SELECT {chosen} "
                "FROM review WHERE movie_title = :title"
            ),
            {"title": of_movie},
        )


def load_more(engine: Engine, tmp_path: Path, **rows: list[dict[str, str]]) -> None:
    """Load more records into the same database, from another folder."""
    load_dump(engine, tmp_path / f"more{len(list(tmp_path.iterdir()))}", **rows)
