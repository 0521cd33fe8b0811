"""The use cases that read: the report, its charts, the check, and ad-hoc SQL."""

from strider_challenge.adapters.queries import AnswerQueries
from strider_challenge.domain import charts
from strider_challenge.domain.answers import (
    AnswerError,
    QueryResult,
    Report,
    ReportFigures,
    ReportParameters,
    answers_from,
)
from strider_challenge.domain.charts import ChartedReport, ReportCharts
from strider_challenge.domain.checks import QualityReport
from strider_challenge.service_layer.read_only import AbstractReadOnlyUnitOfWork


def report(*, parameters: ReportParameters, uow: AbstractReadOnlyUnitOfWork) -> Report:
    """Answer the six questions from one consistent read of the database.

    Raises:
        AnswerError: the tables do not exist (init-db was never run).
    """
    with uow:
        figures = _figures(parameters, uow.queries)
    return Report(parameters=parameters, figures=figures, answers=answers_from(figures))


def charted_report(
    *, parameters: ReportParameters, uow: AbstractReadOnlyUnitOfWork
) -> ChartedReport:
    """The answers and the counts behind their charts, from one consistent read.

    A database without streams has nothing to chart: its charts are None.

    Raises:
        AnswerError: the tables do not exist (init-db was never run).
    """
    with uow:
        figures = _figures(parameters, uow.queries)
        drawn = _charts(parameters, figures, uow.queries) if figures.streams else None
    answered = Report(
        parameters=parameters, figures=figures, answers=answers_from(figures)
    )
    return ChartedReport(report=answered, charts=drawn)


def _figures(parameters: ReportParameters, queries: AnswerQueries) -> ReportFigures:
    missing = queries.missing_tables()
    if missing:
        raise AnswerError(
            f"the database has no {', '.join(missing)} table(s): run "
            "`scli init-db`, then load the dumps with `scli load`"
        )
    return queries.figures(parameters)


def _charts(
    parameters: ReportParameters, figures: ReportFigures, queries: AnswerQueries
) -> ReportCharts:
    """Cut the buckets from the figures, count the streams in them, shape the counts."""
    month = parameters.month_window()
    shifts = charts.offset_shifts(month, parameters.zone)
    instants = charts.outage_instants(parameters)
    durations = charts.duration_bins(
        figures.shortest_stream_microseconds, figures.longest_stream_microseconds
    )
    sizes = charts.size_bins(
        figures.smallest_stream_size_mb, figures.largest_stream_size_mb
    )
    mean_seconds = figures.total_stream_microseconds / figures.streams / 10**6
    per_duration, per_size = queries.bar_counts(durations, sizes)
    return ReportCharts(
        days=charts.days_of_month(parameters, queries.daily_starts(month, shifts)),
        outage=charts.outage_timeline(
            parameters,
            instants,
            queries.in_progress(parameters.outage_movie, instants),
        ),
        durations=charts.histogram(
            durations,
            per_duration,
            mean_seconds,
            charts.duration_unit(durations),
        ),
        sizes=charts.histogram(
            sizes,
            per_size,
            figures.median_stream_size_mb or 0.0,
            charts.size_unit(sizes),
        ),
    )


def query(*, sql: str, uow: AbstractReadOnlyUnitOfWork) -> QueryResult:
    """Run one SQL statement in a read-only session; a write is refused by the database.

    Raises:
        AnswerError: the database refused the statement.
    """
    with uow:
        return uow.queries.run(sql)


def check(*, uow: AbstractReadOnlyUnitOfWork) -> QualityReport:
    """What is loaded but suspicious: missing links, deleted records still named.

    Raises:
        AnswerError: the tables do not exist (init-db was never run).
    """
    with uow:
        missing = uow.checks.missing_tables()
        if missing:
            raise AnswerError(
                f"the database has no {', '.join(missing)} table(s): run "
                "`scli init-db`, then load the dumps with `scli load`"
            )
        return uow.checks.report()
