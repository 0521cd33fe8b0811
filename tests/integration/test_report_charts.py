"""The charts' counts, on SQLite and PostgreSQL, where a rule changes the picture.

Each test loads a small dump through the load service and asserts where each stream
lands; the comments say where the wrong rule would put it instead.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from strider_challenge.adapters.collectors import COLLECTORS
from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.answers import ReportParameters
from strider_challenge.domain.charts import ChartedReport, ReportCharts
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.service_layer import answers, services
from strider_challenge.service_layer.read_only import SqlAlchemyReadOnlyUnitOfWork
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records
from tests.conftest import SAMPLE_DATA
from tests.e2e.helpers import LOADS
from tests.report_data import load_dump, stream


def charted(engine: Engine, **options: str) -> ChartedReport:
    return answers.charted_report(
        parameters=ReportParameters.parse(**options),
        uow=SqlAlchemyReadOnlyUnitOfWork(engine),
    )


def drawn(engine: Engine, **options: str) -> ReportCharts:
    charts = charted(engine, **options).charts
    assert charts is not None
    return charts


def per_day(engine: Engine, **options: str) -> dict[int, int]:
    return {d.day.day: d.streams for d in drawn(engine, **options).days if d.streams}


def test_days_are_business_days_of_the_month(engine: Engine, tmp_path: Path) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie()],
        stream=[
            # 2021-11-30 23:00 UTC: the first day of December in business time.
            stream("2021-12-01T00:00:00.000+0100", "2021-12-01T01:00:00.000+0100", "a"),
            stream("2021-11-30T23:59:59.999+0100", "2021-12-01T01:00:00.000+0100", "b"),
            # 23:30 UTC on the 24th: Christmas day in business time.
            stream("2021-12-25T00:30:00.000+0100", "2021-12-25T01:00:00.000+0100", "c"),
            stream("2021-12-31T23:30:00.000+0100", "2022-01-01T01:00:00.000+0100", "d"),
            # 23:00 UTC on the 31st: already January in business time.
            stream("2022-01-01T00:00:00.000+0100", "2022-01-01T01:00:00.000+0100", "e"),
        ],
    )

    charts = drawn(engine)

    assert per_day(engine) == {1: 1, 25: 1, 31: 1}
    assert [d.day.day for d in charts.days if d.last_week] == list(range(25, 32))
    assert len(charts.days) == 31
    # Read in UTC, the same streams fall on other days.
    assert per_day(engine, zone="UTC") == {24: 1, 31: 2}


def test_a_daylight_saving_change_moves_the_days_after_it(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie()],
        stream=[
            stream("2022-03-27T00:30:00.000+0100", "2022-03-27T01:00:00.000+0100", "a"),
            # 22:30 UTC on the 27th: the 28th in Paris's summer time.
            stream("2022-03-28T00:30:00.000+0200", "2022-03-28T01:00:00.000+0200", "b"),
        ],
    )

    assert per_day(engine, month="2022-03", zone="Europe/Paris") == {27: 1, 28: 1}
    assert per_day(engine, month="2022-03") == {27: 2}  # +01:00 all month


def christmas(
    start: str, end: str, user: str, movie: str = "Unforgiven"
) -> dict[str, Any]:
    """A stream on Christmas day, `HH:MM` in business time."""
    day = "2021-12-25T{}:00.000+0100"
    return stream(day.format(start), day.format(end), user, movie)


def utc_stream(start: str, end: str, user: str) -> dict[str, Any]:
    """A stream of Unforgiven on Christmas day, `HH:MM` in UTC."""
    day = "2021-12-25T{}:00.000+0000"
    return stream(day.format(start), day.format(end), user)


def timeline(engine: Engine, **options: str) -> dict[str, tuple[int, bool]]:
    """The outage chart by wall-clock time in the report's zone."""
    parameters = ReportParameters.parse(**options)
    return {
        point.at.astimezone(parameters.zone).strftime("%H:%M"): (
            point.streams,
            point.in_outage,
        )
        for point in drawn(engine, **options).outage
    }


def test_the_outage_timeline_counts_streams_in_progress_ends_included(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven"), records.movie("Alien")],
        stream=[
            christmas("06:00", "07:00", "ends-at-07@x"),
            christmas("12:00", "12:30", "starts-at-12@x"),
            christmas("09:00", "10:00", "upper-case@x", " UNFORGIVEN "),
            christmas("08:00", "11:00", "other-movie@x", "Alien"),
            # 08:15-08:45 business time.
            utc_stream("07:15", "07:45", "u@x"),
        ],
    )

    shown = timeline(engine)

    assert shown["06:50"] == (1, False)
    assert shown["07:00"] == (1, True)  # ended at the outage's first instant
    assert shown["07:10"] == (0, True)
    assert [shown[t][0] for t in ("08:10", "08:20", "08:40", "08:50")] == [0, 1, 1, 0]
    assert shown["09:00"] == (1, True) and shown["10:00"] == (1, True)
    assert shown["10:10"] == (0, True)
    assert shown["12:00"] == (1, True)  # started at its last instant
    assert shown["12:10"] == (1, False) and shown["12:40"] == (0, False)
    assert (min(shown), max(shown)) == ("04:30", "14:30")
    # 7 instants from 06:00 to 07:00, 4 from 12:00, 7 from 09:00, 3 from 08:20.
    assert sum(streams for streams, _ in shown.values()) == 21


def test_the_outage_timeline_follows_the_zone_and_the_movie(
    engine: Engine, tmp_path: Path
) -> None:
    load_dump(
        engine,
        tmp_path,
        movie=[records.movie("Unforgiven"), records.movie("Alien")],
        stream=[
            utc_stream("07:15", "07:45", "u@x"),
            christmas("08:00", "11:00", "other-movie@x", "Alien"),
        ],
    )

    in_utc = timeline(engine, zone="UTC")
    alien = timeline(engine, outage_movie="alien")

    # The same stream, 07:15-07:45 on a UTC clock; the outage is 07:00-12:00 UTC.
    assert [in_utc[t][0] for t in ("07:10", "07:20", "07:40", "07:50")] == [0, 1, 1, 0]
    assert in_utc["06:50"] == (0, False) and in_utc["07:00"] == (0, True)
    assert [alien[t][0] for t in ("07:50", "08:00", "11:00", "11:10")] == [0, 1, 1, 0]


def test_duration_and_size_bars_split_at_their_edges(
    engine: Engine, tmp_path: Path
) -> None:
    def lasting(end: str, size: str, user: str) -> dict[str, Any]:
        return stream("2021-12-10T10:00:00.000+0100", end, user, size_mb=size)

    load_dump(
        engine,
        tmp_path,
        movie=[records.movie()],
        stream=[
            lasting("2021-12-10T10:00:00.000+0100", "0", "zero@x"),
            lasting("2021-12-10T10:59:59.999+0100", "199.99999", "short@x"),
            lasting("2021-12-10T11:00:00.000+0100", "200.0", "hour@x"),
            lasting("2021-12-10T12:30:00.000+0100", "3000", "long@x"),
        ],
    )

    charts = drawn(engine)

    # 0 to 2.5 h in bars of 10 minutes; 0 to 3000 MB in bars of 0.2 GB.
    durations = {(bar.low, bar.high): bar.streams for bar in charts.durations.bars}
    assert charts.durations.unit == "minutes" and len(durations) == 16
    assert durations[(50, 60)] == 1 and durations[(60, 70)] == 1
    assert durations[(0, 10)] == 1 and durations[(150, 160)] == 1
    assert sum(durations.values()) == 4
    assert charts.durations.marker == pytest.approx(
        (3600 - 0.001 + 3600 + 9000) / 4 / 60
    )
    sizes = [bar.streams for bar in charts.sizes.bars]
    assert charts.sizes.unit == "GB" and len(sizes) == 16
    assert sizes[:2] == [2, 1] and sizes[-1] == 1 and sum(sizes) == 4
    assert charts.sizes.marker == pytest.approx(0.2)  # the median, 199.999995 MB


def test_an_empty_database_has_nothing_to_chart(engine: Engine, tmp_path: Path) -> None:
    load_dump(engine, tmp_path, movie=[records.movie()])

    result = charted(engine)

    assert result.charts is None and result.report.empty


@pytest.mark.postgres
def test_both_databases_draw_the_sample_data_identically(
    sqlite_url: str, postgres_url: str
) -> None:
    drawings = []
    for url in (sqlite_url, postgres_url):
        engine = create_database_engine(url)
        try:
            services.init_db(uow=SqlAlchemyUnitOfWork(engine))
            for model, collector, file in LOADS:
                services.load(
                    dataset=get_dataset(model),
                    collector=COLLECTORS[collector](SAMPLE_DATA / file),
                    uow=SqlAlchemyUnitOfWork(engine),
                )
            drawings.append(
                [
                    drawn(engine, **options)
                    for options in ({}, {"zone": "Asia/Kathmandu"})
                ]
            )
        finally:
            engine.dispose()

    on_sqlite, on_postgres = drawings
    assert on_sqlite == on_postgres
    assert sum(day.streams for day in on_sqlite[0].days) > 2900
    assert on_sqlite[0].days != on_sqlite[1].days  # +05:45 moves streams across days
    assert max(point.streams for point in on_sqlite[0].outage) > 0
    assert isinstance(on_sqlite[0].outage[0].at, datetime)
