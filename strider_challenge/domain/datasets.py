"""The registry of datasets: everything the load service needs to know about a model."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Table
from sqlmodel import SQLModel

from strider_challenge.domain import mappers
from strider_challenge.domain.errors import UnknownModelError
from strider_challenge.domain.history import history_of
from strider_challenge.domain.model import (
    TRACKING_COLUMNS,
    Author,
    Book,
    Movie,
    Review,
    Stream,
    User,
)
from strider_challenge.domain.raw import (
    RawAuthor,
    RawBook,
    RawMovie,
    RawReview,
    RawSchema,
    RawStream,
    RawUser,
)
from strider_challenge.domain.rules import (
    Rule,
    above,
    at_least,
    between,
    check,
    not_before,
)

R = TypeVar("R", bound=RawSchema)


#: How a load treats records missing from its file.
FULL, INCREMENTAL = "full", "incremental"
LOAD_MODES = (FULL, INCREMENTAL)


@dataclass(frozen=True)
class Dataset(Generic[R]):
    """How one model goes from a raw record to a table row, and what identifies it.

    Args:
        default_mode: `full` when each file is the model's whole dataset (a record
            missing from it was deleted upstream), `incremental` when files only add
            or update records.
        rules: the business rules every row must satisfy (`domain/rules.py`).
    """

    name: str
    raw: type[R]
    mapper: Callable[[R], mappers.Row]
    table: type[SQLModel]
    key: tuple[str, ...]
    default_mode: str = FULL
    rules: tuple[Rule, ...] = ()

    @property
    def table_name(self) -> str:
        """The name analysts query."""
        return str(self.table.__table__.name)  # type: ignore[attr-defined]

    @property
    def columns(self) -> tuple[str, ...]:
        """The record's columns, in the table's order (the tracking columns aside)."""
        table = self.table.__table__  # type: ignore[attr-defined]
        return tuple(c.name for c in table.columns if c.name not in TRACKING_COLUMNS)

    @property
    def history(self) -> Table:
        """The table of every version of the records: `<table>_history`."""
        return history_of(self.table.__table__)  # type: ignore[attr-defined]

    @property
    def flat(self) -> bool:
        """Whether each column is one raw field as it is: the fast path's condition."""
        return isinstance(self.mapper, mappers.ColumnsFrom)

    def required_fields(self) -> frozenset[str]:
        """Top-level fields a raw record must have."""
        return frozenset(n for n, f in self.raw.model_fields.items() if f.is_required())

    def to_row(self, record: dict[str, Any]) -> mappers.Row:
        """Validate an untrusted record, map it, check the rules; raise on a failure.

        Raises:
            ValidationError: a field is missing or of the wrong type.
            MappingError: the record cannot become a row (RuleViolation: it breaks
                a business rule, the message says which).
        """
        # The validator itself: `model_validate` adds a Python call per record.
        row = self.mapper(self.raw.__pydantic_validator__.validate_python(record))
        check(self.rules, row)
        return row


DATASETS: dict[str, Dataset[Any]] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "movie",
            RawMovie,
            mappers.map_movie,
            Movie,
            ("title",),
            rules=(
                above("duration_mins", 0, "a movie's duration_mins is positive"),
                at_least("size_mb", 0, "a movie's size_mb is not negative"),
            ),
        ),
        Dataset("user", RawUser, mappers.map_user, User, ("email",)),
        Dataset(
            "stream",
            RawStream,
            mappers.map_stream,
            Stream,
            ("user_email", "movie_title", "start_at"),
            default_mode=INCREMENTAL,
            rules=(
                not_before(
                    "end_at", "start_at", "a stream's end_at is not before its start_at"
                ),
                at_least("size_mb", 0, "a stream's size_mb is not negative"),
            ),
        ),
        Dataset("author", RawAuthor, mappers.map_author, Author, ("name",)),
        Dataset(
            "book",
            RawBook,
            mappers.map_book,
            Book,
            ("title",),
            rules=(above("pages", 0, "a book's pages, when given, is positive"),),
        ),
        Dataset(
            "review",
            RawReview,
            mappers.map_review,
            Review,
            ("movie_title", "book_title", "created_at"),
            rules=(
                between("rating", 1, 5, "a review's rating, when given, is 1 to 5"),
            ),
        ),
    )
}


#: Every history table, registered with the tables' metadata.
HISTORY_TABLES = [dataset.history for dataset in DATASETS.values()]


def get_dataset(name: str) -> Dataset[Any]:
    """Look a dataset up by model name, with an error that lists the known ones."""
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(DATASETS)
        raise UnknownModelError(f"unknown model {name!r} (known: {known})") from None
