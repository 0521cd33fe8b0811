"""Raw schemas: the shape of each record exactly as the company or its vendor sends it.

These models only validate; turning a raw record into a table row is the mappers' job.
"""

from datetime import datetime, timezone
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

#: The pattern of `Str`: no NUL character, which PostgreSQL text cannot hold.
STR_PATTERN = r"^[^\x00]*$"

#: The pattern of `Text`: also at least one character that is not white space.
TEXT_PATTERN = r"^[^\x00]*[^\x00\s][^\x00]*$"

#: Any string a database can store: PostgreSQL text cannot hold a NUL character.
Str = Annotated[str, StringConstraints(pattern=STR_PATTERN)]

#: A string with at least one non-blank character (keys); kept exactly as given.
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]

#: An integer that fits the databases' INTEGER columns.
Int = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


def in_utc_calendar(value: datetime) -> datetime:
    """Refuse an instant that falls outside years 1 to 9999 once read in UTC.

    `0001-01-01T00:30+01:00` is a valid time of day with an offset, but no Python
    datetime (nor SQLite's UTC text) can hold it in UTC.
    """
    try:
        value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("the instant is outside years 1 to 9999 in UTC") from None
    return value


#: A point in time with its UTC offset, representable in UTC.
Timestamp = Annotated[AwareDatetime, AfterValidator(in_utc_calendar)]


class RawSchema(BaseModel):
    """Base of raw schemas: unknown fields ignored, no NaN or infinity."""

    model_config = ConfigDict(extra="ignore", frozen=True, allow_inf_nan=False)


class RawMovie(RawSchema):
    """A row of `internal/movies.csv`."""

    title: Text
    duration_mins: Int
    original_language: Str
    size_mb: Int


class RawUser(RawSchema):
    """A row of `internal/users.csv`."""

    first_name: Str
    last_name: Str
    email: Text


class RawStream(RawSchema):
    """A row of `internal/streams.csv`."""

    movie_title: Text
    user_email: Text
    size_mb: float
    start_at: Timestamp
    end_at: Timestamp


class RawAuthorMetadata(RawSchema):
    """The `metadata` object of a vendor author."""

    name: Text
    birth_date: Timestamp | None = None
    died_at: Timestamp | None = None


class RawNationality(RawSchema):
    """One entry of a vendor author's `nationalities`."""

    id: Any = None
    label: Str | None = None
    slug: Str | None = None


class RawAuthor(RawSchema):
    """A record of `vendor/authors.json`."""

    metadata: RawAuthorMetadata
    nationalities: list[RawNationality]


class RawBook(RawSchema):
    """A record of `vendor/books.json`."""

    name: Text
    pages: Int | None = None
    author: Str | None = None
    publisher: Str | None = None


class RawReviewContent(RawSchema):
    """The `content` object of a vendor review."""

    text: Str | None = None


class RawRating(RawSchema):
    """The `rating` object of a vendor review."""

    rate: Int | None = None
    label: Str | None = None


class RawReviewBookMetadata(RawSchema):
    """The `metadata` of a book inside a review; its `pages` is useless ("unknown")."""

    title: Text


class RawReviewBook(RawSchema):
    """A book inside a review; its `id` is always null, so the title is the link."""

    metadata: RawReviewBookMetadata


class RawReviewMovie(RawSchema):
    """A movie inside a review; its `id` is always 0, so the title is the link."""

    title: Text


class RawReview(RawSchema):
    """A record of `vendor/reviews.json`."""

    content: RawReviewContent
    rating: RawRating
    books: list[RawReviewBook]
    movies: list[RawReviewMovie]
    created: Timestamp
    updated: Timestamp | None = None
