"""The business's six questions: their parameters, time windows and rounding.

Everything here is pure. The database computes exact figures (counts, a sum of
microseconds, the median as a float); the answers are rounded from those here, in one
place, half away from zero, so SQLite and PostgreSQL give the same numbers.
"""

import re
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

#: The offset the company's data carries: business time.
BUSINESS_TIME = "+01:00"
DEFAULT_MONTH = "2021-12"
DEFAULT_OUTAGE_MOVIE = "Unforgiven"
DEFAULT_OUTAGE_START = "2021-12-25 07:00"
DEFAULT_OUTAGE_END = "2021-12-25 12:00"
DEFAULT_NATIONALITY = "singaporeans"

#: The last week of a month is its last seven days.
LAST_WEEK = timedelta(days=7)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class ParameterError(ValueError):
    """A report parameter cannot be understood; the message says what is expected."""


class AnswerError(Exception):
    """The database cannot answer: its tables are missing or the SQL is refused."""


def parse_month(text: str) -> date:
    """`2021-12` -> the first day of that month."""
    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ParameterError(f"{text!r} is not a month like 2021-12")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_zone(text: str) -> tzinfo:
    """A UTC offset (`+01:00`, `-0330`, `Z`) or an IANA time zone (`Europe/Paris`)."""
    cleaned = text.strip()
    if cleaned.upper() in ("Z", "UTC"):
        return timezone.utc
    match = _OFFSET.match(cleaned)
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
        if hours > 23 or minutes > 59:
            raise ParameterError(f"{text!r} is not a UTC offset like +01:00")
        offset = timedelta(hours=hours, minutes=minutes)
        return timezone(-offset if sign == "-" else offset)
    try:
        return ZoneInfo(cleaned)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParameterError(
            f"{text!r} is neither a UTC offset like +01:00 nor a time zone like "
            "Europe/Paris"
        ) from None


def parse_instant(text: str, zone: tzinfo) -> datetime:
    """`2021-12-25 07:00` in `zone`; a text with its own offset keeps it."""
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ParameterError(
            f"{text!r} is not a date and time like 2021-12-25 07:00"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def parse_slug(text: str) -> str:
    """A nationality slug as the vendor writes them: lower case, dashes."""
    if not _SLUG.match(text):
        raise ParameterError(f"{text!r} is not a nationality slug like singaporeans")
    return text


@dataclass(frozen=True)
class Window:
    """A span of time as two UTC instants; whether `end` belongs to it is the query's.

    The month and its last week are half-open, [start, end): a stream overlaps them
    when it starts before `end` and ends after `start`. The outage is closed,
    [start, end]: a stream overlaps it when it starts at or before `end` and ends at or
    after `start` (it was in progress at one of its instants).
    """

    start: datetime
    end: datetime


@dataclass(frozen=True)
class ReportParameters:
    """What the six questions are asked about; the defaults are the case's."""

    month: date
    zone: tzinfo
    zone_label: str
    outage_movie: str
    outage_start: datetime
    outage_end: datetime
    nationality: str

    @classmethod
    def parse(
        cls,
        *,
        month: str = DEFAULT_MONTH,
        zone: str = BUSINESS_TIME,
        outage_movie: str = DEFAULT_OUTAGE_MOVIE,
        outage_start: str = DEFAULT_OUTAGE_START,
        outage_end: str = DEFAULT_OUTAGE_END,
        nationality: str = DEFAULT_NATIONALITY,
    ) -> "ReportParameters":
        """Build the parameters from the options' text; raises ParameterError."""
        tz = parse_zone(zone)
        start, end = parse_instant(outage_start, tz), parse_instant(outage_end, tz)
        if end < start:
            raise ParameterError(
                f"the outage ends ({outage_end}) before it starts ({outage_start})"
            )
        if not outage_movie.strip():
            raise ParameterError("the outage movie title is empty")
        if "\x00" in outage_movie:
            # No title holds one, and PostgreSQL refuses the character in text.
            raise ParameterError("the outage movie title holds a NUL character")
        return cls(
            month=parse_month(month),
            zone=tz,
            zone_label=zone.strip(),
            outage_movie=outage_movie,
            outage_start=start,
            outage_end=end,
            nationality=parse_slug(nationality),
        )

    def month_window(self) -> Window:
        """The month in business time: [first day 00:00, next month's first 00:00)."""
        first, following = self._local_month()
        return _window(
            first.replace(tzinfo=self.zone), following.replace(tzinfo=self.zone)
        )

    def last_week_window(self) -> Window:
        """The month's last seven days in business time: [end - 7 days, end)."""
        _, following = self._local_month()
        return _window(
            (following - LAST_WEEK).replace(tzinfo=self.zone),
            following.replace(tzinfo=self.zone),
        )

    def outage_window(self) -> Window:
        """The outage, closed: [outage_start, outage_end]."""
        return _window(self.outage_start, self.outage_end)

    def _local_month(self) -> tuple[datetime, datetime]:
        """Midnight of the month's first day and of the next month's, wall-clock."""
        year, month = self.month.year, self.month.month
        return datetime(year, month, 1), datetime(year + month // 12, month % 12 + 1, 1)


def _window(start: datetime, end: datetime) -> Window:
    return Window(start.astimezone(timezone.utc), end.astimezone(timezone.utc))


@dataclass(frozen=True)
class ReportFigures:
    """The exact figures the database computes; every answer is derived from them."""

    streams: int
    streamed_movies: int
    streamed_movies_from_books: int
    outage_users: int
    nationality_movies: int
    total_stream_microseconds: int
    median_stream_size_mb: float | None
    half_movie_users: int
    #: The spread of the streams' durations and sizes (0 without streams): the
    #: charts cut their bars from it.
    shortest_stream_microseconds: int = 0
    longest_stream_microseconds: int = 0
    smallest_stream_size_mb: float = 0.0
    largest_stream_size_mb: float = 0.0


@dataclass(frozen=True)
class Answers:
    """The six answers; None when there is no data.

    The keys name what is measured, never a parameter's value, so that the same key
    holds the answer for any month, outage or nationality asked about.
    """

    pct_streamed_movies_based_on_books: Decimal | None
    users_affected_by_outage: int | None
    movies_from_nationality_authors_streamed_in_month: int | None
    avg_stream_duration_seconds: int | None
    median_stream_size_gb: Decimal | None
    users_watched_half_movie_last_week: int | None

    def as_dict(self) -> dict[str, Any]:
        """The answers in the documented key order."""
        return asdict(self)


#: The report's keys, in order.
ANSWER_KEYS = tuple(Answers.__dataclass_fields__)


def definitions(parameters: ReportParameters) -> dict[str, str]:
    """Each answer's definition in one sentence, with the parameters it was asked with.

    With the defaults, these are the sentences of the README's table (`code` and
    *emphasis* as Markdown writes them).
    """
    zone = parameters.zone

    def local(instant: datetime, pattern: str = "%Y-%m-%d %H:%M") -> str:
        return instant.astimezone(zone).strftime(pattern)

    outage, month = parameters.outage_window(), parameters.month_window()
    same_day = local(outage.start, "%Y-%m-%d") == local(outage.end, "%Y-%m-%d")
    end = local(outage.end, "%H:%M") if same_day else local(outage.end)
    start = local(outage.start, "%H:%M") if same_day else local(outage.start)
    week = parameters.last_week_window()
    return {
        "pct_streamed_movies_based_on_books": (
            "Among the distinct catalog movies with at least one stream, the "
            "percentage (2 decimals) based on a book: a review links the movie to a "
            "book."
        ),
        "users_affected_by_outage": (
            "Distinct users (`stream.user_email`) with a stream of the outage movie "
            f"in progress at any moment of the outage, {local(outage.start)} to "
            f"{end}: the stream started at or before {end} and ended at or after "
            f"{start} (both ends included)."
        ),
        "movies_from_nationality_authors_streamed_in_month": (
            "Distinct catalog movies based on a book whose author has *any* "
            f"nationality with the slug `{parameters.nationality}`, with at least one "
            f"stream overlapping {_MONTHS[parameters.month.month - 1]}: it started "
            f"before {local(month.end)} and ended after {local(month.start)}."
        ),
        "avg_stream_duration_seconds": (
            "Mean of `end_at - start_at` over all streams, in seconds."
        ),
        "median_stream_size_gb": (
            "Continuous (interpolated) median of the streams' `size_mb`, divided by "
            "1000."
        ),
        "users_watched_half_movie_last_week": (
            "Distinct users with a stream overlapping the month's last 7 days, "
            f"[{local(week.start, '%m-%d %H:%M')}, {local(week.end, '%m-%d %H:%M')}), "
            "whose whole duration is at least half the catalog movie's "
            "`duration_mins`."
        ),
    }


_MONTHS = (
    "January February March April May June July August September October "
    "November December"
).split()


def month_name(month: date) -> str:
    """`December 2021`, whatever the machine's locale."""
    return f"{_MONTHS[month.month - 1]} {month.year}"


def round_half_up(value: Fraction, places: int) -> Decimal:
    """Round an exact value to `places` decimals, halves away from zero.

    PostgreSQL's `round(numeric, n)` does the same: the analysts' SQL files agree.
    """
    scaled = abs(value) * 10**places
    units = floor(scaled + Fraction(1, 2))
    return Decimal(units if value >= 0 else -units).scaleb(-places)


def answers_from(figures: ReportFigures) -> Answers:
    """Round the figures into the six answers; a database without streams has none."""
    if not figures.streams:
        return Answers(None, None, None, None, None, None)
    pct = None
    if figures.streamed_movies:
        ratio = Fraction(100 * figures.streamed_movies_from_books)
        pct = round_half_up(ratio / figures.streamed_movies, 2)
    average = Fraction(figures.total_stream_microseconds, figures.streams * 10**6)
    median = figures.median_stream_size_mb
    return Answers(
        pct_streamed_movies_based_on_books=pct,
        users_affected_by_outage=figures.outage_users,
        movies_from_nationality_authors_streamed_in_month=(figures.nationality_movies),
        avg_stream_duration_seconds=int(round_half_up(average, 0)),
        median_stream_size_gb=(
            None if median is None else round_half_up(Fraction(median) / 1000, 2)
        ),
        users_watched_half_movie_last_week=figures.half_movie_users,
    )


@dataclass(frozen=True)
class Report:
    """The answers and what they were asked about."""

    parameters: ReportParameters
    figures: ReportFigures
    answers: Answers

    @property
    def empty(self) -> bool:
        """No streams are loaded: there is nothing to answer from."""
        return self.figures.streams == 0


@dataclass(frozen=True)
class QueryResult:
    """What an ad-hoc query returned: column names and rows (none for a statement)."""

    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
