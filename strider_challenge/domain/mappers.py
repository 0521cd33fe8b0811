"""Pure functions from a validated raw record to the values of one table row."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from strider_challenge.domain.raw import RawAuthor, RawReview, RawSchema

#: Column name -> value, in the table's column order.
Row = dict[str, Any]

#: The vendor's placeholder for "no second movie" in a review's `movies` list.
SENTINEL_MOVIE_TITLE = "end"


class MappingError(ValueError):
    """A record that validated but cannot become a row (e.g. a review of two movies)."""


@dataclass(frozen=True)
class ColumnsFrom:
    """The mapper of a flat record: each column takes one raw field, as it is.

    Because it only renames, the columnar fast path can apply it to whole columns
    (`adapters/columnar.py`) and is sure to build the rows this function builds.

    Args:
        fields: column name -> raw field name, in the table's column order.
    """

    fields: Mapping[str, str]

    @classmethod
    def same(cls, *names: str) -> "ColumnsFrom":
        """Columns named like their raw fields."""
        return cls({name: name for name in names})

    def __call__(self, raw: RawSchema) -> Row:
        """The row's values, column by column."""
        return {column: getattr(raw, field) for column, field in self.fields.items()}


#: Catalog movies, users and streams are stored as sent; instants keep their meaning.
map_movie = ColumnsFrom.same("title", "duration_mins", "original_language", "size_mb")
map_user = ColumnsFrom.same("email", "first_name", "last_name")
map_stream = ColumnsFrom.same(
    "user_email", "movie_title", "start_at", "end_at", "size_mb"
)

#: The vendor's `name` of a book is its title.
map_book = ColumnsFrom(
    {"title": "name", "pages": "pages", "author": "author", "publisher": "publisher"}
)


def _utc_date(value: datetime | None) -> date | None:
    """The vendor sends calendar dates as midnight UTC instants."""
    return None if value is None else value.astimezone(timezone.utc).date()


def map_author(raw: RawAuthor) -> Row:
    """Keep every nationality that says something, in a canonical order.

    The vendor pads each author with an empty entry (no slug, empty label); those are
    dropped. Entries are sorted by (slug, label) so that a dump listing the same
    nationalities in another order stores the same value.
    """
    nationalities = sorted(
        (
            {"slug": entry.slug, "label": entry.label}
            for entry in raw.nationalities
            if entry.slug or (entry.label and entry.label.strip())
        ),
        key=lambda entry: (entry["slug"] or "", entry["label"] or ""),
    )
    return {
        "name": raw.metadata.name,
        "birth_date": _utc_date(raw.metadata.birth_date),
        "died_at": _utc_date(raw.metadata.died_at),
        "nationalities": nationalities,
    }


def map_review(raw: RawReview) -> Row:
    """A review links exactly one movie (the sentinel `end` aside) to exactly one book.

    Titles are kept as the vendor wrote them (upper case); links to the catalog are
    made case-insensitively at query time.
    """
    movies = [m.title for m in raw.movies if m.title.strip() != SENTINEL_MOVIE_TITLE]
    if len(movies) != 1:
        raise MappingError(f"a review names one movie, this one names {len(movies)}")
    if len(raw.books) != 1:
        raise MappingError(f"a review names one book, this one names {len(raw.books)}")
    return {
        "movie_title": movies[0],
        "book_title": raw.books[0].metadata.title,
        "created_at": raw.created,
        "updated_at": raw.updated,
        "text": raw.content.text,
        "rating": raw.rating.rate,
        "rating_label": raw.rating.label,
    }
