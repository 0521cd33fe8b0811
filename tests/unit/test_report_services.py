"""The answer services with a fake read-only unit of work: no database."""

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest

from strider_challenge.adapters.queries import AnswerQueries
from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    ReportFigures,
    ReportParameters,
    Window,
)
from strider_challenge.domain.charts import Bar, Bins, Shift
from strider_challenge.service_layer import answers
from strider_challenge.service_layer.answers import charted_report
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
    shortest_stream_microseconds=1_000_000,
    longest_stream_microseconds=2_000_000,
    smallest_stream_size_mb=1000.0,
    largest_stream_size_mb=1500.0,
)


@dataclass
class FakeQueries(AnswerQueries):
    missing: list[str] = field(default_factory=list)
    asked: list[Any] = field(default_factory=list)
    fail_with: Exception | None = None
    figures_are: ReportFigures = FIGURES

    def missing_tables(self) -> list[str]:
        return self.missing

    def figures(self, parameters: ReportParameters) -> ReportFigures:
        self.asked.append(parameters)
        return self.figures_are

    def daily_starts(self, window: Window, shifts: Sequence[Shift]) -> dict[date, int]:
        self.asked.append(("days", window, tuple(shifts)))
        return {date(2022, 1, 31): 3}

    def in_progress(self, movie: str, instants: Sequence[datetime]) -> list[int]:
        self.asked.append(("outage", movie, len(instants)))
        return [1] * len(instants)

    def bar_counts(
        self, durations: Bins, sizes: Bins
    ) -> tuple[dict[int, int], dict[int, int]]:
        self.asked.append(("bars", durations, sizes))
        return {0: 2, 1: 1}, {sizes.count - 1: 3}

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


SHIFT = (datetime(2021, 12, 31, 23, tzinfo=timezone.utc), timedelta(hours=1))


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


def test_charted_report_counts_in_the_buckets_the_figures_give() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries())
    parameters = ReportParameters.parse(month="2022-01", outage_movie="Heat")

    charted = charted_report(parameters=parameters, uow=uow)

    asked = uow.queries.asked  # type: ignore[attr-defined]
    assert asked[0] is parameters
    assert asked[1] == ("bars", Bins(1, 1, 2), Bins(1000.0, 20.0, 26))
    assert asked[2] == ("days", parameters.month_window(), (Shift(*SHIFT),))
    assert asked[3][:2] == ("outage", "Heat") and len(asked) == 4
    assert charted.report.answers.avg_stream_duration_seconds == 2
    charts = charted.charts
    assert charts is not None
    assert charts.days[-1].streams == 3 and charts.days[-1].last_week
    assert {point.streams for point in charts.outage} == {1}
    assert charts.durations.bars == (Bar(1, 2, 2), Bar(2, 3, 1))
    assert charts.durations.marker == 1.5 and charts.durations.unit == "seconds"
    assert charts.sizes.bars[-1] == Bar(1500.0, 1520.0, 3)
    assert charts.sizes.marker == 1500.0 and charts.sizes.unit == "MB"
    assert uow.rolled_back == 1


def test_charted_report_draws_nothing_without_streams() -> None:
    queries = FakeQueries(figures_are=replace(FIGURES, streams=0))
    uow = FakeReadOnlyUnitOfWork(queries)

    charted = charted_report(parameters=ReportParameters.parse(), uow=uow)

    assert charted.charts is None and charted.report.empty
    assert len(queries.asked) == 1  # the figures only
    assert uow.rolled_back == 1


def test_charted_report_refuses_a_database_without_its_tables() -> None:
    uow = FakeReadOnlyUnitOfWork(FakeQueries(missing=["stream"]))

    with pytest.raises(AnswerError, match="no stream table"):
        charted_report(parameters=ReportParameters.parse(), uow=uow)

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
