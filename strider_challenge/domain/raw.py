"""Raw schemas: the shape of each record exactly as the company or its vendor sends it.

These models only validate; turning a raw record into a table row is the mappers' job.
"""

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, StringConstraints

#: A string with at least one non-blank character; kept exactly as given.
Text = Annotated[str, StringConstraints(pattern=r"\S")]


class RawSchema(BaseModel):
    """Base of every raw schema: unknown fields are ignored, records are immutable."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class RawMovie(RawSchema):
    """A row of `internal/movies.csv`."""

    title: Text
    duration_mins: int
    original_language: str
    size_mb: int


class RawUser(RawSchema):
    """A row of `internal/users.csv`."""

    first_name: str
    last_name: str
    email: Text


class RawStream(RawSchema):
    """A row of `internal/streams.csv`."""

    movie_title: Text
    user_email: Text
    size_mb: float
    start_at: AwareDatetime
    end_at: AwareDatetime


class RawAuthorMetadata(RawSchema):
    """The `metadata` object of a vendor author."""

    name: Text
    birth_date: AwareDatetime | None = None
    died_at: AwareDatetime | None = None


class RawNationality(RawSchema):
    """One entry of a vendor author's `nationalities`."""

    id: Any = None
    label: str | None = None
    slug: str | None = None


class RawAuthor(RawSchema):
    """A record of `vendor/authors.json`."""

    metadata: RawAuthorMetadata
    nationalities: list[RawNationality]


class RawBook(RawSchema):
    """A record of `vendor/books.json`."""

    name: Text
    pages: int | None = None
    author: str | None = None
    publisher: str | None = None


class RawReviewContent(RawSchema):
    """The `content` object of a vendor review."""

    text: str | None = None


class RawRating(RawSchema):
    """The `rating` object of a vendor review."""

    rate: int | None = None
    label: str | None = None


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
    created: AwareDatetime
    updated: AwareDatetime | None = None
