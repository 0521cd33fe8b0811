"""The indexes the answers need, and the title key their case-insensitive joins use.

Titles and names are linked by a key: spaces trimmed, ASCII letters folded to lower
case. SQLite's `lower()` folds ASCII letters only; PostgreSQL's folds every letter the
database's locale knows, so there it is given the "C" collation, which folds ASCII
only: both databases link exactly the same rows. The queries and the indexes use the
same expression, so the indexes serve the joins. The migration
`0004_answer_indexes` creates them; the tables declare them too, so the model says
what the database holds.
"""

from sqlalchemy import Index, text

#: The key expression per dialect; `{}` is the column or expression.
TITLE_KEY = {
    "postgresql": 'lower(trim({} COLLATE "C"))',
    "sqlite": "lower(trim({}))",
}

#: Every title-key index: name, table, keyed column, the columns after the key.
TITLE_KEY_INDEXES = (
    ("ix_movie_title_key", "movie", "title", ()),
    ("ix_stream_title_key", "stream", "movie_title", ("start_at",)),
    ("ix_author_name_key", "author", "name", ()),
    ("ix_book_title_key", "book", "title", ()),
    ("ix_book_author_key", "book", "author", ()),
    ("ix_review_movie_key", "review", "movie_title", ()),
    ("ix_review_book_key", "review", "book_title", ()),
)


def title_key(expression: str, dialect: str) -> str:
    """The SQL of the key of `expression` on `dialect`."""
    return TITLE_KEY[dialect].format(expression)


def title_key_index(name: str) -> tuple[Index, ...]:
    """The index `name` of TITLE_KEY_INDEXES, one per dialect, for `__table_args__`."""
    _, column, after = next(i[1:] for i in TITLE_KEY_INDEXES if i[0] == name)
    return tuple(
        Index(name, text(title_key(column, dialect)), *after).ddl_if(dialect=dialect)
        for dialect in TITLE_KEY
    )
