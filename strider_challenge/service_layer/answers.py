"""The use cases that read: the business's report, and ad-hoc SQL."""

from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    Report,
    ReportParameters,
    answers_from,
)
from strider_challenge.service_layer.read_only import AbstractReadOnlyUnitOfWork


def report(*, parameters: ReportParameters, uow: AbstractReadOnlyUnitOfWork) -> Report:
    """Answer the six questions from one consistent read of the database.

    Raises:
        AnswerError: the tables do not exist (init-db was never run).
    """
    with uow:
        missing = uow.queries.missing_tables()
        if missing:
            raise AnswerError(
                f"the database has no {', '.join(missing)} table(s): run "
                "`scli init-db`, then load the dumps with `scli load`"
            )
        figures = uow.queries.figures(parameters)
    return Report(parameters=parameters, figures=figures, answers=answers_from(figures))


def query(*, sql: str, uow: AbstractReadOnlyUnitOfWork) -> QueryResult:
    """Run one SQL statement in a read-only session; a write is refused by the database.

    Raises:
        AnswerError: the database refused the statement.
    """
    with uow:
        return uow.queries.run(sql)
