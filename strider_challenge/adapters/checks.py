"""The data-quality check's SQL, per dialect, run in a read-only session.

Each link (`domain/checks.py`) gives two statements: how many live records name a
key no record of the target has, and the first keys so named with how many name
each. The deleted records still named are one union over the links. Keys are the
report's title key; examples are ordered by key, in byte order on both databases
(`COLLATE "C"` on PostgreSQL), so both list the same ones.
"""

from sqlalchemy import Connection, inspect, text

from strider_challenge.domain.checks import (
    CHECK_TABLES,
    DELETED,
    DELETED_SENTENCE,
    EXAMPLES,
    LINKS,
    SENTINEL_TITLE,
    Example,
    Finding,
    Link,
    QualityReport,
)
from strider_challenge.domain.indexes import title_key

#: How each dialect orders text byte by byte.
BYTE_ORDER = {"postgresql": '{} COLLATE "C"', "sqlite": "{}"}


def _quote(name: str) -> str:
    return f'"{name}"'


def _named(link: Link, dialect: str, *, deleted_only: bool) -> str:
    """The live records of `link.table` naming a key the target lacks.

    Columns: the target table `tbl`, the key `k`, and how it is shown, `v`. Only
    deleted: the target has the key, in deleted records only (shown as the
    deleted record's own key).
    """
    key = title_key(f"r.{link.column}", dialect)
    target_key = title_key(f"t.{link.target_column}", dialect)
    target = f"FROM {_quote(link.target)} AS t WHERE {target_key} = {key}"
    if deleted_only:
        condition = (
            f"EXISTS (SELECT 1 {target} AND t.deleted_at IS NOT NULL) AND NOT EXISTS "
            f"(SELECT 1 {target} AND t.deleted_at IS NULL)"
        )
    else:
        condition = f"NOT EXISTS (SELECT 1 {target})"
    sentinel = (
        f" AND trim(r.{link.column}) <> '{SENTINEL_TITLE}'"
        if link.target == "movie" and link.table == "review"
        else ""
    )
    # A deleted record is shown by its own key; a missing one as it is named.
    shown = (
        f"(SELECT min({BYTE_ORDER[dialect].format(f't.{link.target_column}')}) "
        f"{target})"
        if deleted_only
        else f"r.{link.column}"
    )
    return (
        f"SELECT '{link.target}' AS tbl, {key} AS k, {shown} AS v"
        f" FROM {_quote(link.table)} AS r WHERE r.deleted_at IS NULL"
        f" AND r.{link.column} IS NOT NULL{sentinel} AND {condition}"
    )


def _examples(named: str, dialect: str) -> str:
    order = BYTE_ORDER[dialect]
    return (
        f"SELECT tbl, min({order.format('v')}), count(*) FROM ({named}) AS n"
        f" GROUP BY tbl, k ORDER BY {order.format('k')}, {order.format('tbl')}"
        f" LIMIT {EXAMPLES}"
    )


def check_sql(dialect: str) -> dict[str, tuple[str, str]]:
    """Each finding's statements on `dialect`: its count, and its examples."""
    statements = {}
    for link in LINKS:
        named = _named(link, dialect, deleted_only=False)
        statements[link.finding] = (
            f"SELECT count(*) FROM ({named}) AS n",
            _examples(named, dialect),
        )
    deleted = " UNION ALL ".join(
        _named(link, dialect, deleted_only=True) for link in LINKS
    )
    statements[DELETED] = (
        f"SELECT count(*) FROM (SELECT DISTINCT tbl, k FROM ({deleted}) AS d) AS n",
        _examples(deleted, dialect),
    )
    return statements


class SqlCheckQueries:
    """The check's queries on a connection whose read-only transaction has begun."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.statements = check_sql(connection.dialect.name)

    def missing_tables(self) -> list[str]:
        """The tables the check reads that do not exist."""
        existing = set(inspect(self.connection).get_table_names())
        return [table for table in CHECK_TABLES if table not in existing]

    def report(self) -> QualityReport:
        """Every finding's count and first examples."""
        sentences = {link.finding: link.sentence for link in LINKS}
        sentences[DELETED] = DELETED_SENTENCE
        findings = []
        for name, (count, examples) in self.statements.items():
            findings.append(
                Finding(
                    name=name,
                    sentence=sentences[name],
                    count=int(self.connection.execute(text(count)).scalar_one()),
                    examples=tuple(
                        Example(table=str(table), key=str(key), referenced_by=int(n))
                        for table, key, n in self.connection.execute(text(examples))
                    ),
                )
            )
        return QualityReport(findings=tuple(findings))
