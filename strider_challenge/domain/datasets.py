"""The registry of datasets: everything the load service needs to know about a model."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import SQLModel

from strider_challenge.domain import mappers
from strider_challenge.domain.errors import UnknownModelError
from strider_challenge.domain.model import Author, Book, Movie, Review, Stream, User
from strider_challenge.domain.raw import (
    RawAuthor,
    RawBook,
    RawMovie,
    RawReview,
    RawSchema,
    RawStream,
    RawUser,
)

R = TypeVar("R", bound=RawSchema)


@dataclass(frozen=True)
class Dataset(Generic[R]):
    """How one model goes from a raw record to a table row, and what identifies it."""

    name: str
    raw: type[R]
    mapper: Callable[[R], mappers.Row]
    table: type[SQLModel]
    key: tuple[str, ...]

    @property
    def table_name(self) -> str:
        """The name analysts query."""
        return str(self.table.__table__.name)  # type: ignore[attr-defined]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column of the table, in the table's order."""
        table = self.table.__table__  # type: ignore[attr-defined]
        return tuple(column.name for column in table.columns)

    def required_fields(self) -> frozenset[str]:
        """Top-level fields a raw record must have."""
        return frozenset(n for n, f in self.raw.model_fields.items() if f.is_required())

    def to_row(self, record: dict[str, Any]) -> mappers.Row:
        """Validate an untrusted record, then map it; raises on either failure."""
        # The validator itself: `model_validate` adds a Python call per record.
        return self.mapper(self.raw.__pydantic_validator__.validate_python(record))


DATASETS: dict[str, Dataset[Any]] = {
    dataset.name: dataset
    for dataset in (
        Dataset("movie", RawMovie, mappers.map_movie, Movie, ("title",)),
        Dataset("user", RawUser, mappers.map_user, User, ("email",)),
        Dataset(
            "stream",
            RawStream,
            mappers.map_stream,
            Stream,
            ("user_email", "movie_title", "start_at"),
        ),
        Dataset("author", RawAuthor, mappers.map_author, Author, ("name",)),
        Dataset("book", RawBook, mappers.map_book, Book, ("title",)),
        Dataset(
            "review",
            RawReview,
            mappers.map_review,
            Review,
            ("movie_title", "book_title", "created_at"),
        ),
    )
}


def get_dataset(name: str) -> Dataset[Any]:
    """Look a dataset up by model name, with an error that lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise UnknownModelError(f"unknown model {name!r} (known: {known})") from None
