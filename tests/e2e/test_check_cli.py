"""`scli check`: the data-quality report, on SQLite and PostgreSQL."""

import json
from pathlib import Path
from typing import Any

import pytest

from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.datasets import DATASETS
from tests import records
from tests.e2e.helpers import scli
from tests.report_data import load_dump

FINDINGS = (
    "streams_without_movie",
    "streams_without_user",
    "books_without_author",
    "reviews_without_movie",
    "reviews_without_book",
    "deleted_still_referenced",
)


def checked(database_url: str, *options: str) -> dict[str, Any]:
    result = scli(database_url, "check", "--format", "json", *options)
    assert result.exit_code == 0, result.stderr
    found: dict[str, Any] = json.loads(result.stdout)
    return found


def counts(found: dict[str, Any]) -> dict[str, int]:
    return {name: finding["count"] for name, finding in found.items()}


def example(table: str, key: str, referenced_by: int) -> dict[str, Any]:
    return {"table": table, "key": key, "referenced_by": referenced_by}


@pytest.fixture
def suspicious(database_url: str, tmp_path: Path) -> str:
    """A small dump with one of each finding, and links that differ only in case."""
    engine = create_database_engine(database_url)
    load_dump(
        engine,
        tmp_path / "one",
        movie=[records.movie("Unforgiven"), records.movie("Heat")],
        user=[records.user("ada@example.com"), records.user("bo@example.com")],
        stream=[
            records.stream(movie_title="  unforgiven"),  # case and spaces: linked
            records.stream(movie_title="Heat", user_email="BO@example.com"),
            records.stream(movie_title="Alien", start_at="2021-12-01T00:00:00Z"),
            records.stream(movie_title="alien", start_at="2021-12-02T00:00:00Z"),
            records.stream(user_email="cy@example.com"),
        ],
        author=[records.author("Ada Writer")],
        book=[records.book("The Long Goodbye"), records.book("Ghost", author="Nobody")],
        review=[records.review(), records.review("HEAT", "NO SUCH BOOK")],
    )
    engine.dispose()
    # The next full dump of movies lacks Heat: deleted, and still named.
    path = records.write_csv(
        tmp_path / "movies.csv", "movie", [records.movie("Unforgiven")]
    )
    loaded = scli(
        database_url, "load", "-m", "movie", "-f", str(path), "--max-deletes", "50"
    )
    assert loaded.exit_code == 0, loaded.stderr
    return database_url


def test_each_finding_counts_and_lists_its_examples(suspicious: str) -> None:
    found = checked(suspicious)

    assert list(found) == list(FINDINGS)
    assert found == {
        "streams_without_movie": {
            "count": 2,
            "examples": [example("movie", "Alien", 2)],
        },
        "streams_without_user": {
            "count": 1,
            "examples": [example("user", "cy@example.com", 1)],
        },
        "books_without_author": {
            "count": 1,
            "examples": [example("author", "Nobody", 1)],
        },
        "reviews_without_movie": {"count": 0, "examples": []},
        "reviews_without_book": {
            "count": 1,
            "examples": [example("book", "NO SUCH BOOK", 1)],
        },
        "deleted_still_referenced": {
            "count": 1,
            "examples": [example("movie", "Heat", 2)],
        },
    }


def test_the_table_and_strict(suspicious: str) -> None:
    table = scli(suspicious, "check")
    strict = scli(suspicious, "check", "--strict")

    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].startswith("scli check: 5 of 6 checks found records")
    (deleted,) = [line for line in lines if line.startswith("deleted_still")]
    assert deleted.split()[1] == "1" and deleted.endswith("movie Heat (2)")
    (books,) = [line for line in lines if line.startswith("books_without_author")]
    assert books.endswith("Nobody (1)")
    assert strict.exit_code == 1 and strict.stdout == table.stdout


def test_only_the_first_five_examples_are_listed(
    database_url: str, tmp_path: Path
) -> None:
    engine = create_database_engine(database_url)
    authors = [f"Author {letter}" for letter in "GFEDCBA"]
    load_dump(
        engine,
        tmp_path,
        book=[records.book(f"Book {a}", author=a) for a in authors],
    )
    engine.dispose()

    books = checked(database_url)["books_without_author"]

    assert books["count"] == 7
    assert [e["key"] for e in books["examples"]] == sorted(authors)[:5]


def test_a_clean_database_passes_strict(database_url: str) -> None:
    assert scli(database_url, "init-db", "-q").exit_code == 0

    result = scli(database_url, "check", "--strict")

    assert result.exit_code == 0
    assert result.stdout.startswith("scli check: 0 of 6 checks found records")
    assert counts(checked(database_url)) == dict.fromkeys(FINDINGS, 0)


def test_without_tables_it_fails_in_one_line(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        assert scli(database_url, "init-db", "-q").exit_code == 0
        engine = create_database_engine(database_url)
        with engine.begin() as connection:
            connection.exec_driver_sql('DROP TABLE "user"')
        engine.dispose()
    result = scli(database_url, "check")

    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert result.stderr.startswith("scli: error: the database has no ")
    assert "user" in result.stderr


def test_a_format_it_does_not_know_is_a_usage_error() -> None:
    result = scli("sqlite://", "check", "--format", "csv")

    assert result.exit_code == 2
    assert "'csv' is not one of table, json" in result.stderr


def test_the_case_data(database_url: str, case_data: Path) -> None:
    """The case data's quirks, as its README lists them, and no rule broken."""
    assert scli(database_url, "init-db", "-q").exit_code == 0
    loaded = scli(database_url, "load-dump", str(case_data), "-q")
    assert loaded.exit_code == 0, loaded.stderr

    found = checked(database_url)
    rejections = json.loads(
        scli(
            database_url,
            "query",
            "--format",
            "json",
            "SELECT error, count(*) AS n FROM rejected_record GROUP BY error",
        ).stdout
    )

    assert counts(found) == {
        "streams_without_movie": 0,
        "streams_without_user": 0,
        # "8 books name an author missing from authors.json"
        "books_without_author": 8,
        # "89 of the reviewed movie titles are not in the catalog", in 248 reviews
        "reviews_without_movie": 248,
        "reviews_without_book": 0,
        "deleted_still_referenced": 0,
    }
    assert [e["key"] for e in found["books_without_author"]["examples"]] == [
        "Grisel Robel",
        "Jacquie Rath",
        "Msgr. Kyung Rippin",
        "Rupert Flatley",
        "Steve Nicolas",
    ]
    # Every business rule rejects no record of the case data: its one rejection is
    # the nameless author, refused by the schema.
    sentences = {rule.sentence for d in DATASETS.values() for rule in d.rules}
    by_error = {row["error"]: row["n"] for row in rejections}
    assert {s: by_error.get(s, 0) for s in sentences} == dict.fromkeys(sentences, 0)
    assert sum(by_error.values()) == 1
    assert list(by_error) == ["metadata.name: Input should be a valid string"]
