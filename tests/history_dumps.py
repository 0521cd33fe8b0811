"""Four nightly dumps of every model that exercise each kind of history event.

Over the nights a record is new, unchanged, changed, deleted (a full dump lacks it),
back, changed again within the same effective time (a forced correction), and, for
the incremental `stream`, only ever added or changed. `tests/fixtures/history_0005.json`
holds what the engine of schema revision 0005 wrote for them.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests import records

UTC = timezone.utc
NIGHT1 = datetime(2021, 12, 1, 1, tzinfo=UTC)

#: (night, forced): the fourth load repeats the third night's time as a correction.
NIGHTS = (
    (NIGHT1, False),
    (NIGHT1 + timedelta(days=1), False),
    (NIGHT1 + timedelta(days=2), False),
    (NIGHT1 + timedelta(days=2), True),
)


def _movies(night: int) -> list[dict[str, Any]]:
    movies = {
        "Alpha": records.movie("Alpha"),
        "Bravo": records.movie("Bravo", duration_mins="100" if night < 1 else "101"),
        "Charlie": records.movie("Charlie", original_language="French"),
        "Delta": records.movie("Delta", size_mb="900"),
    }
    present = {0: "ABC", 1: "ABD", 2: "ABCD", 3: "ABCD"}[night]
    if night == 3:
        movies["Delta"] = records.movie("Delta", size_mb="901")
    return [m for title, m in movies.items() if title[0] in present]


def _users(night: int) -> list[dict[str, Any]]:
    users = [records.user("ada@example.com"), records.user("bob@example.com")]
    if night >= 1:
        users[1] = records.user("bob@example.com", last_name="Builder")
    if night == 1:
        users.append(records.user("cy@example.com"))
    if night >= 2:
        users = users[1:]
    return users


def _streams(night: int) -> list[dict[str, Any]]:
    def at(day: int, hour: int, **overrides: Any) -> dict[str, Any]:
        start, end = (f"2021-12-{day}T{h:02d}:00:00.000+0100" for h in (hour, hour + 2))
        return records.stream(start, **{"end_at": end, **overrides})

    streams = [at(25, 6), at(26, 10, size_mb="10.5")]
    if night >= 1:
        streams[1] = at(26, 10, size_mb="11.25")
        streams.append(at(27, 21))
    if night >= 2:
        streams = [at(25, 6, end_at="2021-12-25T09:00:00.000+0100")]
    if night == 3:
        streams.append(at(28, 8, size_mb="1"))
    return streams


def _authors(night: int) -> list[dict[str, Any]]:
    ada = records.author("Ada Writer")
    kim = records.author("Kim Writer", nationalities=[{"slug": "kenyans"}])
    if night >= 1:
        ada = records.author(
            "Ada Writer", nationalities=list(reversed(ada["nationalities"]))
        )
    if night == 3:
        kim = records.author("Kim Writer", nationalities=[{"slug": "malians"}])
    return [ada] if night == 1 else [ada, kim]


def _books(night: int) -> list[dict[str, Any]]:
    publisher = {0: "Pan", 1: "PAN", 2: "PAN", 3: "Picador"}[night]
    books = [records.book("A"), records.book("B", publisher=publisher)]
    if night != 1:
        books.append(records.book("C"))
    if night >= 1:
        books.append(records.book("D", pages=None))
    return books


def _reviews(night: int) -> list[dict[str, Any]]:
    first = records.review("ALPHA", "A", "2021-12-02T06:11:35.525+0100")
    second = records.review("BRAVO", "B", "2021-12-03T06:11:35.525+0100")
    if night >= 1:
        first = {**first, "content": {"text": "Edited."}}
    if night == 3:
        first = {**first, "rating": {"rate": 5, "label": "FIVE"}}
    return [first] if night == 1 else [first, second]


#: Each model's file in a dump folder and its records on each night.
FILES = {
    "movie": ("internal/movies.csv", _movies),
    "user": ("internal/users.csv", _users),
    "stream": ("internal/streams.csv", _streams),
    "author": ("vendor/authors.json", _authors),
    "book": ("vendor/books.json", _books),
    "review": ("vendor/reviews.json", _reviews),
}


def write_night(folder: Path, night: int) -> Path:
    """Write the dump of one night (0 to 3) under `folder`; return the folder."""
    for model, (name, make) in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".csv"):
            records.write_csv(path, model, make(night))
        else:
            records.write_json(path, make(night))
    return folder


def nights(root: Path) -> Iterator[tuple[Path, datetime, bool]]:
    """Every night's dump folder under `root`, with its effective time and --force."""
    for night, (as_of, forced) in enumerate(NIGHTS):
        yield write_night(root / f"night{night}", night), as_of, forced
