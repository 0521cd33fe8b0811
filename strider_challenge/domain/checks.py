"""The data-quality check: what is loaded but suspicious, without being rejected.

Each link is a column of one table that names a record of another (a stream's movie
title, a book's author). A live record (not deleted) whose link matches no record of
the other table at all is a *missing* finding; one whose link matches only records
marked deleted counts towards `deleted_still_referenced`. Links compare keys the way
`scli report` joins: trimmed, ASCII letters in lower case (`domain/indexes.py`).
"""

from dataclasses import dataclass, field

#: How many examples each finding lists.
EXAMPLES = 5

#: The vendor's placeholder movie title: a review naming it names no movie.
SENTINEL_TITLE = "end"


@dataclass(frozen=True)
class Link:
    """`table.column` names a record of `target` by `target_column`.

    Args:
        finding: the name of the finding its missing targets make.
        sentence: what the finding counts, in words.
    """

    finding: str
    table: str
    column: str
    target: str
    target_column: str
    sentence: str


LINKS = (
    Link(
        "streams_without_movie",
        "stream",
        "movie_title",
        "movie",
        "title",
        "streams whose movie is not in the catalog",
    ),
    Link(
        "streams_without_user",
        "stream",
        "user_email",
        "user",
        "email",
        "streams whose user is not in user",
    ),
    Link(
        "books_without_author",
        "book",
        "author",
        "author",
        "name",
        "books whose author is not in author",
    ),
    Link(
        "reviews_without_movie",
        "review",
        "movie_title",
        "movie",
        "title",
        "reviews whose movie is not in the catalog",
    ),
    Link(
        "reviews_without_book",
        "review",
        "book_title",
        "book",
        "title",
        "reviews whose book is not in the catalog",
    ),
)

#: The finding of the deleted records that live records still name.
DELETED = "deleted_still_referenced"
DELETED_SENTENCE = "deleted records that live records still name"

#: Every table the check reads.
CHECK_TABLES = tuple(
    dict.fromkeys(t for link in LINKS for t in (link.table, link.target))
)


@dataclass(frozen=True)
class Example:
    """One record a finding is about: `key` in `table`, named by `referenced_by`."""

    table: str
    key: str
    referenced_by: int


@dataclass(frozen=True)
class Finding:
    """What one check found: how many, and the first examples (by key)."""

    name: str
    sentence: str
    count: int
    examples: tuple[Example, ...] = ()


@dataclass(frozen=True)
class QualityReport:
    """Every finding, in the order of LINKS, then the deleted records."""

    findings: tuple[Finding, ...] = field(default_factory=tuple)

    @property
    def clean(self) -> bool:
        """Whether every count is zero."""
        return not any(finding.count for finding in self.findings)
