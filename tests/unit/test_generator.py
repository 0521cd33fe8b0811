"""Unit tests of the deterministic sample-data generator."""

import csv
import json
import random
import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from strider_challenge.generator import (
    CHRISTMAS_TITLE,
    MAX_STREAMS,
    _unique,
    max_streams,
    slugify,
    write_dump,
    write_streams,
)

FILES = (
    "internal/movies.csv",
    "internal/users.csv",
    "internal/streams.csv",
    "vendor/authors.json",
    "vendor/books.json",
    "vendor/reviews.json",
)
STAMP = re.compile(r"^2021-12-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0100$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00\.000\+0000$")
FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into dictionaries."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def read_json(path: Path) -> Any:
    """Read a JSON file."""
    return json.loads(path.read_text(encoding="utf-8"))


def parse(stamp: str) -> datetime:
    """Parse a dump timestamp."""
    return datetime.strptime(stamp, FORMAT)


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    """Write the default sample once for the module."""
    target = tmp_path_factory.mktemp("dump")
    return target, write_dump(target)


def test_same_seed_gives_identical_bytes_and_other_seed_differs(
    tmp_path: Path,
) -> None:
    """Two runs with one seed are byte-identical; another seed changes every file."""
    sizes = {"streams": 500, "reviews": 40}
    write_dump(tmp_path / "a", seed=7, **sizes)
    write_dump(tmp_path / "b", seed=7, **sizes)
    write_dump(tmp_path / "c", seed=8, **sizes)
    for name in FILES:
        first = (tmp_path / "a" / name).read_bytes()
        assert first == (tmp_path / "b" / name).read_bytes(), name
        assert first != (tmp_path / "c" / name).read_bytes(), name


def test_counts_match_records_in_files(dump: tuple[Path, dict[str, int]]) -> None:
    """The returned counts are the defaults and equal the records in each file."""
    target, counts = dump
    assert counts == {
        "movie": 60,
        "user": 300,
        "stream": 3000,
        "author": 80,
        "book": 50,
        "review": 150,
    }
    assert len(read_csv(target / "internal/movies.csv")) == counts["movie"]
    assert len(read_csv(target / "internal/users.csv")) == counts["user"]
    assert len(read_csv(target / "internal/streams.csv")) == counts["stream"]
    assert len(read_json(target / "vendor/authors.json")) == counts["author"]
    assert len(read_json(target / "vendor/books.json")) == counts["book"]
    assert len(read_json(target / "vendor/reviews.json")) == counts["review"]


def test_csv_headers_and_line_ends(dump: tuple[Path, dict[str, int]]) -> None:
    """CSV files start with the exact headers and use LF line ends."""
    target, _ = dump
    expected = {
        "movies": "title,duration_mins,original_language,size_mb\n",
        "users": "first_name,last_name,email\n",
        "streams": "movie_title,user_email,size_mb,start_at,end_at\n",
    }
    for name, header in expected.items():
        text = (target / "internal" / f"{name}.csv").read_text(encoding="utf-8")
        assert text.startswith(header)
        assert "\r" not in text


def test_json_files_are_indented_like_the_vendor(
    dump: tuple[Path, dict[str, int]],
) -> None:
    """JSON arrays use 4-space indents and no space after colons."""
    target, _ = dump
    for name in FILES[3:]:
        text = (target / name).read_text(encoding="utf-8")
        data = json.loads(text)
        assert text == json.dumps(data, indent=4, separators=(",", ":"))


def test_movies_and_users(dump: tuple[Path, dict[str, int]]) -> None:
    """Titles and e-mails are unique, integers are integers, Unforgiven is listed."""
    target, _ = dump
    movies = read_csv(target / "internal/movies.csv")
    users = read_csv(target / "internal/users.csv")
    titles = [movie["title"] for movie in movies]
    assert len(set(titles)) == len(titles)
    assert CHRISTMAS_TITLE in titles
    assert any("," in title for title in titles)
    for movie in movies:
        assert int(movie["duration_mins"]) > 0 < int(movie["size_mb"])
        assert movie["original_language"]
    emails = [user["email"] for user in users]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z0-9._]+@[a-z-]+\.[a-z]+", e) for e in emails)


def test_streams_reference_catalog_with_unique_keys(
    dump: tuple[Path, dict[str, int]],
) -> None:
    """Streams link to movies and users, have valid stamps and unique keys."""
    target, _ = dump
    titles = {m["title"] for m in read_csv(target / "internal/movies.csv")}
    emails = {u["email"] for u in read_csv(target / "internal/users.csv")}
    streams = read_csv(target / "internal/streams.csv")
    keys = {(s["user_email"], s["movie_title"], s["start_at"]) for s in streams}
    assert len(keys) == len(streams)
    for stream in streams:
        assert stream["movie_title"] in titles
        assert stream["user_email"] in emails
        assert float(stream["size_mb"]) > 0
        assert "." in stream["size_mb"]
        assert STAMP.match(stream["start_at"]) and STAMP.match(stream["end_at"])
        assert parse(stream["end_at"]) > parse(stream["start_at"])


def test_unforgiven_is_streamed_on_christmas_morning(
    dump: tuple[Path, dict[str, int]],
) -> None:
    """Some Unforgiven streams overlap, and some span, 2021-12-25 07:00-12:00."""
    target, _ = dump
    window = (
        parse("2021-12-25T07:00:00.000+0100"),
        parse("2021-12-25T12:00:00.000+0100"),
    )
    spans = [
        (parse(s["start_at"]), parse(s["end_at"]))
        for s in read_csv(target / "internal/streams.csv")
        if s["movie_title"] == CHRISTMAS_TITLE
    ]
    overlapping = [(a, b) for a, b in spans if a < window[1] and b > window[0]]
    assert len(overlapping) >= 10
    assert any(a <= window[0] and b >= window[1] for a, b in overlapping)


def test_authors_quirks(dump: tuple[Path, dict[str, int]]) -> None:
    """One nameless author; the others have one slugged nationality in two entries."""
    target, _ = dump
    authors = read_json(target / "vendor/authors.json")
    nameless = [a for a in authors if a["metadata"]["name"] is None]
    assert nameless == [
        {
            "metadata": {"name": None, "birth_date": None, "died_at": None},
            "nationalities": [
                {"id": None, "label": "", "slug": None},
                {"id": None, "label": "unknown", "slug": None},
            ],
        }
    ]
    named = [a for a in authors if a["metadata"]["name"] is not None]
    slugs = []
    for author in named:
        entries = author["nationalities"]
        assert len(entries) == 2
        assert {"id": None, "label": "", "slug": None} in entries
        (slugged,) = [entry for entry in entries if entry["slug"] is not None]
        assert slugged["slug"] == slugify(slugged["label"])
        slugs.append(slugged["slug"])
        assert DAY.match(author["metadata"]["birth_date"])
        died = author["metadata"]["died_at"]
        assert died is None or DAY.match(died)
    assert "singaporeans" in slugs
    positions = {a["nationalities"][0]["slug"] is None for a in named}
    assert positions == {True, False}
    assert any((a["metadata"]["died_at"] or "") > "2022" for a in named)
    assert any(a["metadata"]["died_at"] is None for a in named)
    assert len({a["metadata"]["name"] for a in named}) == len(named)


def test_books_quirks(dump: tuple[Path, dict[str, int]]) -> None:
    """Book titles are unique; authors mostly exist, a few are missing."""
    target, _ = dump
    names = {a["metadata"]["name"] for a in read_json(target / "vendor/authors.json")}
    books = read_json(target / "vendor/books.json")
    assert len({book["name"] for book in books}) == len(books)
    missing = [book for book in books if book["author"] not in names]
    assert 0 < len(missing) < len(books) // 5
    assert all(isinstance(book["pages"], int) and book["publisher"] for book in books)


def test_reviews_quirks(dump: tuple[Path, dict[str, int]]) -> None:
    """Reviews carry the vendor's quirks and a unique (movie, book, created)."""
    target, _ = dump
    catalog = {m["title"].upper() for m in read_csv(target / "internal/movies.csv")}
    books = {b["name"].upper() for b in read_json(target / "vendor/books.json")}
    reviews = read_json(target / "vendor/reviews.json")
    sentinel_first = [r["movies"][0]["title"] == "end" for r in reviews]
    assert set(sentinel_first) == {True, False}
    triples = []
    for review, first in zip(reviews, sentinel_first):
        assert [m["id"] for m in review["movies"]] == [0, 0]
        movie = review["movies"][1 if first else 0]["title"]
        assert movie != "end" and movie == movie.upper()
        (book,) = review["books"]
        assert book["id"] is None and book["metadata"]["pages"] == "unknown"
        assert book["metadata"]["title"] in books
        rating = review["rating"]
        labels = ["ONE", "TWO", "THREE", "FOUR", "FIVE"]
        assert labels[rating["rate"] - 1] == rating["label"]
        assert review["content"]["text"].endswith(".")
        assert STAMP.match(review["created"]) and STAMP.match(review["updated"])
        triples.append((movie, book["metadata"]["title"], review["created"]))
    assert len(set(triples)) == len(triples)
    assert any(parse(r["updated"]) < parse(r["created"]) for r in reviews)
    pairs = Counter((movie, book) for movie, book, _ in triples)
    assert any(count > 1 for count in pairs.values())
    assert any(movie not in catalog for movie, _, _ in triples)
    assert sum(movie in catalog for movie, _, _ in triples) > len(triples) // 2


def test_write_streams_writes_count_rows_with_unique_starts(tmp_path: Path) -> None:
    """Write_streams writes `count` well-quoted rows whose start_at never repeats."""
    path = tmp_path / "deep" / "streams.csv"
    movies = ["Alpha", CHRISTMAS_TITLE, 'Say "Hi", Bob']
    written = write_streams(path, count=20_000, seed=3, movies=movies, emails=["a@b.c"])
    rows = read_csv(path)
    assert written == len(rows) == 20_000
    assert len({row["start_at"] for row in rows}) == len(rows)
    assert {row["movie_title"] for row in rows} == set(movies)


def test_write_streams_falls_back_to_first_movie_for_christmas(
    tmp_path: Path,
) -> None:
    """Without Unforgiven in the catalog, Christmas rows use the first movie."""
    path = tmp_path / "streams.csv"
    write_streams(path, count=101, movies=["Only", "Other"], emails=["x@y.z"])
    rows = read_csv(path)
    christmas = [rows[0], rows[50], rows[100]]
    assert all(row["movie_title"] == "Only" for row in christmas)
    assert all(row["start_at"].startswith("2021-12-25T") for row in christmas)


def test_write_streams_with_zero_rows_writes_only_the_header(tmp_path: Path) -> None:
    """A count of zero gives a header-only file."""
    path = tmp_path / "streams.csv"
    assert write_streams(path, count=0, movies=["A"], emails=["a@b.c"]) == 0
    assert path.read_text() == "movie_title,user_email,size_mb,start_at,end_at\n"


@pytest.mark.parametrize(
    ("count", "movies", "emails"),
    [
        (-1, ["A"], ["e"]),
        (MAX_STREAMS + 1, ["A"], ["e"]),
        (1, [], ["e"]),
        (1, ["A"], []),
    ],
)
def test_write_streams_rejects_bad_arguments(
    tmp_path: Path, count: int, movies: list[str], emails: list[str]
) -> None:
    """Impossible requests raise before any file is created."""
    path = tmp_path / "streams.csv"
    with pytest.raises(ValueError):
        write_streams(path, count=count, movies=movies, emails=emails)
    assert not path.exists()


@pytest.mark.parametrize(
    "sizes", [{"movies": 0}, {"authors": 0}, {"streams": -1}, {"reviews": -1}]
)
def test_write_dump_rejects_bad_sizes(tmp_path: Path, sizes: dict[str, int]) -> None:
    """Impossible sizes raise before any file is created."""
    with pytest.raises(ValueError):
        write_dump(tmp_path / "dump", **sizes)
    assert not (tmp_path / "dump").exists()


def test_smallest_dump_has_only_the_nameless_author(tmp_path: Path) -> None:
    """With one author every book names a missing author; no reviews gives []."""
    counts = write_dump(
        tmp_path, movies=1, users=1, streams=2, authors=1, books=3, reviews=0
    )
    assert counts == {
        "movie": 1,
        "user": 1,
        "stream": 2,
        "author": 1,
        "book": 3,
        "review": 0,
    }
    movies = read_csv(tmp_path / "internal/movies.csv")
    assert [movie["title"] for movie in movies] == [CHRISTMAS_TITLE]
    (author,) = read_json(tmp_path / "vendor/authors.json")
    assert author["metadata"]["name"] is None
    books = read_json(tmp_path / "vendor/books.json")
    assert all(book["author"] for book in books)
    assert (tmp_path / "vendor/reviews.json").read_text() == "[]"


def test_many_users_keep_unique_emails(tmp_path: Path) -> None:
    """E-mail collisions are resolved with a counter in the local part."""
    write_dump(tmp_path, users=3000, streams=0, reviews=5)
    emails = [u["email"] for u in read_csv(tmp_path / "internal/users.csv")]
    assert len(set(emails)) == 3000
    assert any(re.search(r"\d@", email) for email in emails)


def test_unique_appends_a_counter_on_collision() -> None:
    """A clashing value (case-insensitively) gets the next free counter."""
    seen = {"SAME", "SAME 2"}
    assert _unique(random.Random(1), lambda _: "same", seen) == "same 3"
    assert "SAME 3" in seen


def test_slugify() -> None:
    """Labels become lower-case, dash-separated slugs."""
    assert slugify("Singaporeans") == "singaporeans"
    assert slugify("Virgin Islanders (British)") == "virgin-islanders-british"


def test_write_streams_of_one_night_start_on_that_day_only(tmp_path: Path) -> None:
    """A one-day span puts every start on that day, unique, with no Christmas rows."""
    path = tmp_path / "night.csv"
    movies = ["Alpha", CHRISTMAS_TITLE]
    write_streams(
        path,
        count=5_000,
        movies=movies,
        emails=["a@b.c"],
        first_day=date(2022, 1, 1),
        days=1,
    )
    rows = read_csv(path)
    starts = [row["start_at"] for row in rows]
    assert len(set(starts)) == len(rows) == 5_000
    assert all(start.startswith("2022-01-01T") for start in starts)
    assert all(start[23:28] == "+0100" for start in starts)
    assert max(row["end_at"] for row in rows) < "2022-01-03"


def test_write_streams_keeps_christmas_when_the_span_holds_it(tmp_path: Path) -> None:
    """A span that holds Christmas gives its every 50th stream to Christmas morning."""
    path = tmp_path / "xmas.csv"
    write_streams(
        path,
        count=101,
        movies=["Only"],
        emails=["x@y.z"],
        first_day=date(2021, 12, 24),
        days=2,
    )
    rows = read_csv(path)
    assert all(rows[i]["start_at"].startswith("2021-12-25T") for i in (0, 50, 100))
    assert max_streams() == MAX_STREAMS < max_streams(first_day=date(2021, 12, 26))


def test_write_streams_changed_copy_keeps_keys_and_moves_some_sizes(
    tmp_path: Path,
) -> None:
    """`changed` alters that fraction of sizes, by 0.5, and nothing else."""
    kwargs: dict[str, Any] = {
        "count": 10_000,
        "movies": ["A", "B"],
        "emails": ["a@b.c"],
    }
    write_streams(tmp_path / "same.csv", **kwargs)
    write_streams(tmp_path / "changed.csv", changed=0.1, **kwargs)
    same, changed = read_csv(tmp_path / "same.csv"), read_csv(tmp_path / "changed.csv")
    moved = 0
    for before, after in zip(same, changed, strict=True):
        assert {k: v for k, v in before.items() if k != "size_mb"} == {
            k: v for k, v in after.items() if k != "size_mb"
        }
        if before["size_mb"] != after["size_mb"]:
            assert float(after["size_mb"]) - float(before["size_mb"]) == pytest.approx(
                0.5
            )
            moved += 1
    assert 800 < moved < 1_200


@pytest.mark.parametrize(
    "span",
    [
        {"days": 0},
        {"changed": -0.1},
        {"changed": 1.5},
        {"count": 43_200_001, "first_day": date(2022, 1, 1), "days": 1},
    ],
)
def test_write_streams_rejects_bad_spans(tmp_path: Path, span: dict[str, Any]) -> None:
    """A span without days, a fraction outside 0..1 or too many starts raise first."""
    path = tmp_path / "streams.csv"
    arguments: dict[str, Any] = {"count": 1, "movies": ["A"], "emails": ["e"], **span}
    with pytest.raises(ValueError):
        write_streams(path, **arguments)
    assert not path.exists()
