"""The answer services with a fake read-only unit of work: no database."""

from dataclasses import dataclass, field
from typing import Any

import pytest

from strider_challenge.adapters.queries import AnswerQueries
from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    ReportFigures,
    ReportParameters,
)
from strider_challenge.service_layer import answers
from strider_challenge.service_layer.read_only import AbstractReadOnlyUnitOfWork

FIGURES = ReportFigures(
    streams=3,
    streamed_movies=4,
    streamed_movies_from_books=1,
    outage_users=2,
    nationality_movies=1,
    total_stream_microseconds=4_500_000,
    median_stream_size_mb=1500.0,
    half_movie_users=2,
)


@dataclass
class FakeQueries(AnswerQueries):
    missing: list[str] = field(default_factory=list)
    asked: list[Any] = field(default_factory=list)
    fail_with: Exception | None = None

    def missing_tables(self) -> list[str]:
        return self.missing

    def figures(self, parameters: ReportParameters) -> ReportFigures:
        self.asked.append(parameters)
        return FIGURES

    def run(self, sql: str) -> QueryResult:
        self.asked.append(sql)
        if self.fail_with:
            raise self.fail_with
        return QueryResult(("n",), [(1,)])


class FakeReadOnlyUnitOfWork(AbstractReadOnlyUnitOfWork):
    def __init__(self, queries: FakeQueries) -> None:
        self.queries = queries
        self.rolled_back = 0

    def rollback(self) -> None:
        self.rolled_back += 1


def test_report_answers_from_the_figures_and_rolls_back() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries())
    parameters = ReportParameters.parse(month="2022-01")

    report = answers.report(parameters=parameters, uow=uow)

    assert uow.queries.asked == [parameters]  # type: ignore[attr-defined]
    assert report.parameters is parameters and report.figures == FIGURES
    assert str(report.answers.pct_streamed_movies_based_on_books) == "25.00"
    assert report.answers.avg_stream_duration_seconds == 2  # 1.5 s, rounded up
    assert str(report.answers.median_stream_size_gb) == "1.50"
    assert not report.empty
    assert uow.rolled_back == 1


def test_report_refuses_a_database_without_its_tables() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries(missing=["movie", "stream"]))

    with pytest.raises(AnswerError, match="no movie, stream table.*scli init-db"):
        answers.report(parameters=ReportParameters.parse(), uow=uow)

    assert uow.queries.asked == []  # type: ignore[attr-defined]
    assert uow.rolled_back == 1


def test_query_returns_the_rows_and_rolls_back() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries())

    result = answers.query(sql="SELECT 1 AS n", uow=uow)

    assert result == QueryResult(("n",), [(1,)])
    assert uow.rolled_back == 1


def test_query_rolls_back_when_the_database_refuses() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries(fail_with=AnswerError("database: no")))

    with pytest.raises(AnswerError, match="database: no"):
        answers.query(sql="INSERT INTO movie VALUES (1)", uow=uow)

    assert uow.rolled_back == 1
