"""Deterministic, streaming generator of a sample dump shaped like the company's.

Everything is invented from small word pools; only the formats and quirks of the real
December 2021 dump are imitated. The same seed and sizes always give byte-identical
files, and stream rows are written as they are generated so memory stays flat.
"""

import csv
import io
import json
import random
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

#: The movie that must be streamed on Christmas morning.
CHRISTMAS_TITLE = "Unforgiven"
#: Nationality slug that some authors always get.
SINGAPOREANS = "singaporeans"
#: Title-less sentinel the vendor puts next to the real movie of a review.
SENTINEL_TITLE = "end"

MOVIE_HEADER = ("title", "duration_mins", "original_language", "size_mb")
USER_HEADER = ("first_name", "last_name", "email")
STREAM_HEADER = ("movie_title", "user_email", "size_mb", "start_at", "end_at")
#: The first day of the sample dump's month (its timestamps are written at +0100).
DUMP_FIRST_DAY = date(2021, 12, 1)
#: The days of streams the sample dump spans.
DUMP_DAYS = 30

_MINUTE_MS = 60_000
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000
#: The sample's stream starts lie in the first 30 days of December; ends may reach
#: December 31. Reviews are created and updated over the same span.
_START_SPAN_MS = DUMP_DAYS * _DAY_MS
#: A prime beyond any half span of days: `i -> i * step mod half` is a bijection.
_STEP = 800_972_063
#: While a span holds Christmas, every `_XMAS_EVERY`-th stream is a Christmas-morning
#: stream of `CHRISTMAS_TITLE`, from 05:30 for six hours.
_XMAS_EVERY = 50
_CHRISTMAS = date(2021, 12, 25)
_XMAS_MORNING_MS = 5 * _HOUR_MS + 30 * _MINUTE_MS
_XMAS_HALF = 6 * _HOUR_MS // 2
_XMAS_STEP = 6_674_771
_XMAS_MIN_MS = 15 * _MINUTE_MS
_XMAS_DUR_RANGE = 7 * _HOUR_MS - _XMAS_MIN_MS
_MIN_DUR_MS = 13_000
_DUR_RANGE = _DAY_MS - 1 - _MIN_DUR_MS
#: General starts use odd milliseconds, Christmas ones even: keys cannot collide.
MAX_STREAMS = min(_START_SPAN_MS // 2, _XMAS_HALF * _XMAS_EVERY)
_REVIEW_STEP = 1_601_944_109
MAX_REVIEWS = _START_SPAN_MS

_RATINGS = ("ONE", "TWO", "THREE", "FOUR", "FIVE")

_FIRST_NAMES = tuple(
    (
        "Ada Bennett Carla Dmitri Elena Farid Greta Hector Ines Jasper Kaia Lionel "
        "Marisol Nico Odette Pavel Quinn Rosalind Stellan Tamsin Ulric Vesna "
        "Wendell Xenia Yusuf Zelda Anouk Bruno Celeste Dorian Esme Florian Gideon "
        "Hallie Ivo Juno Kasimir Leocadia Magnus Nadia Osric Petra Rafferty Saoirse "
        "Tobiah Una Viggo Winnie"
    ).split()
)
_LAST_NAMES = tuple(
    (
        "Abernethy Bellweather Castellano Drummond Eastwick Fairbanks Galloway "
        "Hartigan Ingleby Jessop Kettering Lockridge Mowbray Northcott Oakhurst "
        "Pemberton Quarrie Rutherford Stavros Thistlewood Underhill Vantongeren "
        "Whitlock Yardley Zabrowski Ashdown Brightwater Corrigan Delacroix Elphick "
        "Fenwick Grimsby Holloway Ironside Juniper Kingsley Larkspur Merriweather "
        "Nettleton Orwin"
    ).split()
)
_NAME_PREFIXES = ("Dr.", "Ms.", "Mrs.", "Mr.", "Miss", "The Hon.")
_NAME_SUFFIXES = ("Jr.", "Sr.", "PhD", "MD", "DDS", "II", "III", "IV", "V")
_TLDS = ("com", "org", "net", "io", "biz", "info", "name", "co")

_MOVIE_ADJECTIVES = tuple(
    (
        "Silent Crimson Hidden Last Broken Golden Distant Hollow Electric Midnight "
        "Frozen Wild Quiet Burning Lonely Iron Paper Velvet Secret Restless "
        "Northern Fading Savage Endless"
    ).split()
)
_MOVIE_NOUNS = tuple(
    (
        "Harbor Orchard Frontier Lantern Empire Garden River Mirror Horizon Station "
        "Canyon Promise Engine Island Letter Compass Carnival Tide Signal Meadow "
        "Citadel Voyage Circuit Comet"
    ).split()
)
_PLACES = tuple(
    (
        "Lisbon Nairobi Osaka Havana Marrakesh Valparaiso Reykjavik Tbilisi "
        "Montevideo Kyoto Dakar Tallinn"
    ).split()
)
_LANGUAGES = tuple(
    (
        "English French German Italian Japanese Korean Hindi Portuguese Russian "
        "Swedish Thai Zulu Tagalog Arabic Dutch Marathi Romanian Kazakh Hakka "
        "Telugu"
    ).split()
)

_BOOK_ADJECTIVES = tuple(
    (
        "Patient Unfinished Borrowed Bitter Tender Ordinary Forgotten Invisible "
        "Crooked Gilded Reluctant Wandering Salted Careless Sleepless Bright"
    ).split()
)
_BOOK_NOUNS = tuple(
    (
        "Chronicle Almanac Shepherd Architect Weaver Cartographer Widow Sparrow "
        "Winter Harvest Lighthouse Monsoon Pilgrim Alchemist Orphan Glassblower "
        "Ferryman Clockmaker"
    ).split()
)
_PUBLISHERS = (
    "Lanternfield Press",
    "Copperleaf Books",
    "North Quay Publishing",
    "Blue Heron House",
    "Marlowe & Finch",
    "Tidewater Editions",
    "Greystone Media",
    "Paperkite Press",
    "Oakbridge Publishers",
    "Harrow Lane Books",
)
_NATIONALITIES = (
    "Singaporeans",
    "Chileans",
    "Estonians",
    "Ghanaians",
    "Icelanders",
    "Jordanians",
    "Kenyans",
    "Latvians",
    "Malagasy",
    "Mongolians",
    "Nepalese",
    "Norwegians",
    "Peruvians",
    "Rwandans",
    "Samoans",
    "Tunisians",
    "Uruguayans",
    "Zambians",
    "Virgin Islanders (British)",
    "Saint Lucians",
    "New Zealanders",
)
_LOREM = tuple(
    (
        "amor lumen ventus tempus silva umbra aurora fortis clarus novus verbum "
        "mare terra caelum ignis aqua vita spes fides memoria porta via nox dies "
        "flumen civitas animus gloria pax iter"
    ).split()
)

_JSON_SEPARATORS = (",", ":")
_NULL_NATIONALITY: dict[str, Any] = {"id": None, "label": "", "slug": None}


def _pick(rng: random.Random, pool: Sequence[str]) -> str:
    """Return one element of a non-empty pool."""
    return pool[int(rng.random() * len(pool))]


def _unique(
    rng: random.Random, make: Callable[[random.Random], str], seen: set[str]
) -> str:
    """Return a value from `make` not yet in `seen` (case-insensitive) and record it."""
    base = make(rng)
    value = base
    counter = 2
    while value.upper() in seen:
        value = f"{base} {counter}"
        counter += 1
    seen.add(value.upper())
    return value


def slugify(label: str) -> str:
    """Return the vendor-style slug of a nationality label."""
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _clock(
    first_day: date = DUMP_FIRST_DAY, days: int = 31
) -> tuple[list[str], list[str]]:
    """Return timestamp pieces per minute of `days` days and per millisecond."""
    midnight = datetime(first_day.year, first_day.month, first_day.day)
    minutes = [
        (midnight + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
        for minute in range(days * 24 * 60)
    ]
    millis = [f"{ms // 1000:02d}.{ms % 1000:03d}+0100" for ms in range(_MINUTE_MS)]
    return minutes, millis


def _stamp(clock: tuple[list[str], list[str]], offset_ms: int) -> str:
    """Format milliseconds since 2021-12-01T00:00:00.000+0100 as the dump does."""
    return clock[0][offset_ms // _MINUTE_MS] + clock[1][offset_ms % _MINUTE_MS]


def _movie_title(rng: random.Random) -> str:
    """Return an invented movie title."""
    adjective = _pick(rng, _MOVIE_ADJECTIVES)
    noun = _pick(rng, _MOVIE_NOUNS)
    other = _pick(rng, _MOVIE_NOUNS)
    place = _pick(rng, _PLACES)
    patterns = (
        f"The {adjective} {noun}",
        f"{adjective} {noun}",
        f"{noun} of the {other}",
        f"One {adjective} Night in {place}",
        f"{noun}s of {place}",
        f"{noun}, {other} and the {adjective} {place}",
        f"Return to {place}",
        f"{place}: The {adjective} {noun}",
    )
    return _pick(rng, patterns)


def _person_name(rng: random.Random) -> str:
    """Return an invented person's name, sometimes with a title or suffix."""
    name = f"{_pick(rng, _FIRST_NAMES)} {_pick(rng, _LAST_NAMES)}"
    roll = rng.random()
    if roll < 0.08:
        return f"{_pick(rng, _NAME_PREFIXES)} {name}"
    if roll < 0.16:
        return f"{name} {_pick(rng, _NAME_SUFFIXES)}"
    return name


def _book_title(rng: random.Random) -> str:
    """Return an invented book title."""
    adjective = _pick(rng, _BOOK_ADJECTIVES)
    noun = _pick(rng, _BOOK_NOUNS)
    other = _pick(rng, _BOOK_NOUNS)
    place = _pick(rng, _PLACES)
    patterns = (
        f"The {noun} of {place}",
        f"The {adjective} {noun}",
        f"{adjective} {noun}s",
        f"The {noun} Who Loved {_pick(rng, _FIRST_NAMES)}",
        f"Letters to the {noun}",
        f"When the {noun} Sleeps",
        f"The {noun} and the {other}",
    )
    return _pick(rng, patterns)


def _text(rng: random.Random) -> str:
    """Return two short pseudo-Latin sentences."""
    sentences = []
    for _ in range(2):
        words = [_pick(rng, _LOREM) for _ in range(2 + int(rng.random() * 3))]
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def _day(rng: random.Random, first: date, last: date) -> str:
    """Return a random day between two dates as a midnight UTC timestamp."""
    span = (last - first).days + 1
    day = first + timedelta(days=int(rng.random() * span))
    return f"{day.isoformat()}T00:00:00.000+0000"


def _open_csv(path: Path, header: Sequence[str]) -> tuple[TextIO, Any]:
    """Open a CSV file for writing with LF line ends and write its header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("w", encoding="utf-8", newline="")
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(header)
    return handle, writer


def _write_json_array(path: Path, records: Iterable[dict[str, Any]]) -> int:
    """Write records one by one as a 4-space-indented JSON array; return the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[")
        for record in records:
            text = json.dumps(record, indent=4, separators=_JSON_SEPARATORS)
            handle.write(",\n    " if count else "\n    ")
            handle.write(text.replace("\n", "\n    "))
            count += 1
        handle.write("\n]" if count else "]")
    return count


def _write_movies(path: Path, *, count: int, seed: int = 2021) -> list[str]:
    """Write the movie catalog CSV and return its titles."""
    rng = random.Random(f"movies-{seed}")
    seen = {CHRISTMAS_TITLE.upper()}
    titles = [_unique(rng, _movie_title, seen) for _ in range(count - 1)]
    titles.insert(int(rng.random() * count), CHRISTMAS_TITLE)
    handle, writer = _open_csv(path, MOVIE_HEADER)
    with handle:
        for title in titles:
            duration = 70 + int(rng.random() * 120)
            size = duration * (8 + int(rng.random() * 14))
            writer.writerow((title, duration, _pick(rng, _LANGUAGES), size))
    return titles


def _write_users(path: Path, *, count: int, seed: int = 2021) -> list[str]:
    """Write the users CSV and return their unique e-mails."""
    rng = random.Random(f"users-{seed}")
    seen: set[str] = set()
    emails = []
    handle, writer = _open_csv(path, USER_HEADER)
    with handle:
        for _ in range(count):
            first, last = _pick(rng, _FIRST_NAMES), _pick(rng, _LAST_NAMES)
            local = _pick(rng, (f"{first}.{last}", f"{first}_{last}", first)).lower()
            domain = _pick(rng, _LAST_NAMES).lower()
            if rng.random() < 0.3:
                domain = f"{domain}-{_pick(rng, _LAST_NAMES).lower()}"
            email = f"{local}@{domain}.{_pick(rng, _TLDS)}"
            counter = 2
            while email in seen:
                email = f"{local}{counter}@{email.split('@')[1]}"
                counter += 1
            seen.add(email)
            emails.append(email)
            writer.writerow((first, last, email))
    return emails


def _csv_cell(value: str) -> str:
    """Return a value exactly as `csv.writer` writes it as one cell."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow((value,))
    return buffer.getvalue()


def _stream_lines(
    *,
    count: int,
    seed: int,
    movies: Sequence[str],
    emails: Sequence[str],
    first_day: date,
    days: int,
    changed: float,
) -> Iterator[str]:
    """Yield CSV lines of streams lazily; `start_at` is unique per row by design.

    Rows start at odd milliseconds spread over the span, except every 50th while the
    span holds Christmas: that one starts at an even millisecond on Christmas morning.
    """
    rng = random.Random(f"streams-{seed}")
    rand = rng.random
    change = random.Random(f"changes-{seed}").random
    minutes, millis = _clock(first_day, days + 1)
    cells = [_csv_cell(movie) for movie in movies]
    mails = [_csv_cell(email) for email in emails]
    n_movies, n_emails = len(cells), len(mails)
    xmas = _csv_cell(CHRISTMAS_TITLE if CHRISTMAS_TITLE in movies else movies[0])
    half_span = days * _DAY_MS // 2
    xmas_start = _christmas_morning(first_day, days)
    shift = int(rand() * half_span)
    xmas_shift = int(rand() * _XMAS_HALF)
    for index in range(count):
        if xmas_start is None or index % _XMAS_EVERY:
            start = 2 * ((index * _STEP + shift) % half_span) + 1
            end = start + _MIN_DUR_MS + int(rand() * _DUR_RANGE)
            title = cells[int(rand() * n_movies)]
        else:
            slot = (index // _XMAS_EVERY * _XMAS_STEP + xmas_shift) % _XMAS_HALF
            start = xmas_start + 2 * slot
            end = start + _XMAS_MIN_MS + int(rand() * _XMAS_DUR_RANGE)
            title = xmas
        email = mails[int(rand() * n_emails)]
        size = 0.1 + rand() * 3790.0
        if changed and change() < changed:
            size += 0.5
        yield (
            f"{title},{email},{size!r},"
            f"{minutes[start // _MINUTE_MS]}{millis[start % _MINUTE_MS]},"
            f"{minutes[end // _MINUTE_MS]}{millis[end % _MINUTE_MS]}\n"
        )


def _christmas_morning(first_day: date, days: int) -> int | None:
    """Milliseconds from `first_day` to Christmas morning, if the span holds it."""
    start = (_CHRISTMAS - first_day).days * _DAY_MS + _XMAS_MORNING_MS
    return start if 0 <= start < days * _DAY_MS else None


def max_streams(*, first_day: date = DUMP_FIRST_DAY, days: int = DUMP_DAYS) -> int:
    """Return how many streams with unique start instants a span of days can hold."""
    half_span = days * _DAY_MS // 2
    if _christmas_morning(first_day, days) is None:
        return half_span
    return min(half_span, _XMAS_HALF * _XMAS_EVERY)


def write_streams(
    path: Path,
    *,
    count: int,
    seed: int = 2021,
    movies: Sequence[str],
    emails: Sequence[str],
    first_day: date = DUMP_FIRST_DAY,
    days: int = DUMP_DAYS,
    changed: float = 0.0,
) -> int:
    """Write `count` stream rows to a CSV, streaming, and return the count.

    Args:
        path: the CSV to write.
        count: how many streams.
        seed: the same seed and arguments give byte-identical files.
        movies: the titles streams pick from.
        emails: the viewers streams pick from.
        first_day: the first day (at +0100) streams start on.
        days: how many days, from `first_day`, streams start on.
        changed: the fraction of rows whose `size_mb` differs (by 0.5) from the
            file written with `changed=0`: the same keys, some values changed.

    Returns:
        The count.
    """
    if days < 1 or not 0.0 <= changed <= 1.0:
        raise ValueError("need days >= 1 and 0 <= changed <= 1")
    if not 0 <= count <= max_streams(first_day=first_day, days=days):
        raise ValueError("need 0 <= count <= max_streams() for the span")
    if not movies or not emails:
        raise ValueError("need some movies and emails")
    handle, _ = _open_csv(path, STREAM_HEADER)
    with handle:
        handle.writelines(
            _stream_lines(
                count=count,
                seed=seed,
                movies=movies,
                emails=emails,
                first_day=first_day,
                days=days,
                changed=changed,
            )
        )
    return count


def _author_records(
    *, count: int, seed: int, names: list[str]
) -> Iterator[dict[str, Any]]:
    """Yield `count` vendor authors, one nameless; named ones are added to `names`."""
    rng = random.Random(f"authors-{seed}")
    seen: set[str] = set()
    nameless_at = int(rng.random() * count)
    for index in range(count):
        if index == nameless_at:
            yield {
                "metadata": {"name": None, "birth_date": None, "died_at": None},
                "nationalities": [
                    dict(_NULL_NATIONALITY),
                    {"id": None, "label": "unknown", "slug": None},
                ],
            }
            continue
        name = _unique(rng, _person_name, seen)
        names.append(name)
        birth = date(1920, 1, 1) + timedelta(days=int(rng.random() * 31_000))
        died = None
        if rng.random() >= 0.11:
            died = _day(rng, birth + timedelta(days=5_500), date(2090, 12, 31))
        label = "Singaporeans" if index % 7 == 0 else _pick(rng, _NATIONALITIES)
        nationalities = [
            {"id": None, "label": label, "slug": slugify(label)},
            dict(_NULL_NATIONALITY),
        ]
        if rng.random() < 0.5:
            nationalities.reverse()
        yield {
            "metadata": {
                "name": name,
                "birth_date": f"{birth.isoformat()}T00:00:00.000+0000",
                "died_at": died,
            },
            "nationalities": nationalities,
        }


def _book_records(
    *, count: int, seed: int, authors: Sequence[str], titles: list[str]
) -> Iterator[dict[str, Any]]:
    """Yield `count` vendor books with unique titles, collected in `titles`."""
    rng = random.Random(f"books-{seed}")
    seen: set[str] = set()
    missing = {name.upper() for name in authors}
    person_at = int(rng.random() * count)
    for index in range(count):
        make = _person_name if index == person_at else _book_title
        title = _unique(rng, make, seen)
        titles.append(title)
        if not authors or index % 12 == 5:
            author = _unique(rng, _person_name, missing)
        else:
            author = _pick(rng, authors)
        yield {
            "name": title,
            "pages": 150 + int(rng.random() * 9800),
            "author": author,
            "publisher": _pick(rng, _PUBLISHERS),
        }


def _review_records(
    *, count: int, seed: int, movies: Sequence[str], books: Sequence[str]
) -> Iterator[dict[str, Any]]:
    """Yield `count` vendor reviews; (movie, book, created) is unique by design."""
    rng = random.Random(f"reviews-{seed}")
    clock = _clock()
    seen = {title.upper() for title in movies}
    strangers = [_unique(rng, _movie_title, seen) for _ in range(1 + count // 10)]
    recent: list[tuple[str, str]] = []
    shift = int(rng.random() * _START_SPAN_MS)
    for index in range(count):
        if recent and rng.random() < 0.12:
            movie, book = _pick_pair(rng, recent)
        else:
            pool = strangers if rng.random() < 0.15 else movies
            movie, book = _pick(rng, pool), _pick(rng, books)
            recent = (recent + [(movie, book)])[-64:]
        rate = 1 + int(rng.random() * 5)
        listed = [{"id": 0, "title": movie.upper()}, {"id": 0, "title": SENTINEL_TITLE}]
        if rng.random() < 0.5:
            listed.reverse()
        created = (index * _REVIEW_STEP + shift) % _START_SPAN_MS
        updated = int(rng.random() * _START_SPAN_MS)
        yield {
            "content": {"text": _text(rng)},
            "rating": {"rate": rate, "label": _RATINGS[rate - 1]},
            "books": [
                {"id": None, "metadata": {"title": book.upper(), "pages": "unknown"}}
            ],
            "movies": listed,
            "updated": _stamp(clock, updated),
            "created": _stamp(clock, created),
        }


def _pick_pair(rng: random.Random, pairs: Sequence[tuple[str, str]]) -> tuple[str, str]:
    """Return one (movie, book) pair of a non-empty sequence."""
    return pairs[int(rng.random() * len(pairs))]


def write_dump(
    target: Path,
    *,
    seed: int = 2021,
    movies: int = 60,
    users: int = 300,
    streams: int = 3000,
    authors: int = 80,
    books: int = 50,
    reviews: int = 150,
) -> dict[str, int]:
    """Write the six sample files under `target` and return the records per model."""
    in_range = 0 <= streams <= MAX_STREAMS and 0 <= reviews <= MAX_REVIEWS
    if min(movies, users, authors, books) < 1 or not in_range:
        raise ValueError(
            "need movies, users, authors, books >= 1; streams, reviews >= 0"
        )
    internal, vendor = target / "internal", target / "vendor"
    titles = _write_movies(internal / "movies.csv", count=movies, seed=seed)
    emails = _write_users(internal / "users.csv", count=users, seed=seed)
    stream_count = write_streams(
        internal / "streams.csv", count=streams, seed=seed, movies=titles, emails=emails
    )
    names: list[str] = []
    author_count = _write_json_array(
        vendor / "authors.json", _author_records(count=authors, seed=seed, names=names)
    )
    book_titles: list[str] = []
    book_count = _write_json_array(
        vendor / "books.json",
        _book_records(count=books, seed=seed, authors=names, titles=book_titles),
    )
    review_count = _write_json_array(
        vendor / "reviews.json",
        _review_records(count=reviews, seed=seed, movies=titles, books=book_titles),
    )
    return {
        "movie": len(titles),
        "user": len(emails),
        "stream": stream_count,
        "author": author_count,
        "book": book_count,
        "review": review_count,
    }
