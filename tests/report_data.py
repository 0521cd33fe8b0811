"""Small hand-built dumps for the report, loaded with the load service."""

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from strider_challenge.adapters.collectors import COLLECTORS
from strider_challenge.domain.answers import Report, ReportParameters
from strider_challenge.domain.datasets import get_dataset
from strider_challenge.service_layer import answers, services
from strider_challenge.service_layer.read_only import SqlAlchemyReadOnlyUnitOfWork
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests import records

#: model -> collector, in load order.
COLLECTOR_OF = {
    "movie": "csv",
    "user": "csv",
    "stream": "csv",
    "author": "json",
    "book": "json",
    "review": "json",
}


def load_dump(
    engine: Engine, folder: Path, **rows_by_model: list[dict[str, Any]]
) -> None:
    """Create the schema and load each model's records (movie=[...], ...)."""
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    folder.mkdir(parents=True, exist_ok=True)
    for model, collector in COLLECTOR_OF.items():
        rows = rows_by_model.get(model)
        if not rows:
            continue
        path = folder / f"{model}.{collector}"
        if collector == "csv":
            records.write_csv(path, model, rows)
        else:
            records.write_json(path, rows)
        report = services.load(
            dataset=get_dataset(model),
            collector=COLLECTORS[collector](path),
            uow=SqlAlchemyUnitOfWork(engine),
        )
        assert report.rejected == 0, report.samples


def run_report(engine: Engine, **options: str) -> Report:
    """The report service on the engine, with the CLI's option texts."""
    return answers.report(
        parameters=ReportParameters.parse(**options),
        uow=SqlAlchemyReadOnlyUnitOfWork(engine),
    )


def answer(engine: Engine, key: str, **options: str) -> Any:
    """One answer of the report."""
    return run_report(engine, **options).answers.as_dict()[key]


def stream(
    start_at: str, end_at: str, user: str, movie: str = "Unforgiven", **extra: Any
) -> dict[str, Any]:
    """A stream record, instants as the company writes them (with their offset)."""
    return records.stream(
        start_at, end_at=end_at, user_email=user, movie_title=movie, **extra
    )


def nationality(label: str) -> dict[str, Any]:
    """A vendor nationality entry."""
    return {"id": None, "label": label, "slug": label.lower()}


#: A dump where every rule of the report changes at least one answer: the answers of
#: SQLite, PostgreSQL and the analysts' SQL files are compared on it.
RULES_DUMP: dict[str, list[dict[str, Any]]] = {
    "movie": [
        records.movie("Unforgiven", duration_mins="131"),
        records.movie("Alien", duration_mins="117"),
        records.movie("Heat", duration_mins="170"),
        records.movie("End", duration_mins="90"),
        records.movie("Ran", duration_mins="162"),
    ],
    "stream": [
        # In progress at 07:00 but started before the outage.
        stream("2021-12-25T06:30:00.000+0100", "2021-12-25T08:00:00.000+0100", "a@x"),
        # 12:30-13:30 business time: in the outage only if it were read as UTC.
        stream("2021-12-25T11:30:00.000+0000", "2021-12-25T12:30:00.000+0000", "b@x"),
        # Lower-case title, ends exactly when the outage begins.
        stream(
            "2021-12-25T06:00:00.000+0100",
            "2021-12-25T07:00:00.000+0100",
            "c@x",
            "unforgiven",
        ),
        # Overlaps the last week's start, and lasts more than half of Alien.
        stream(
            "2021-12-24T23:00:00.000+0100",
            "2021-12-25T01:00:00.000+0100",
            "d@x",
            "Alien",
            size_mb="1250.0",
        ),
        # Starts at midnight of January 1st, business time: outside the last week.
        stream(
            "2022-01-01T00:00:00.000+0100",
            "2022-01-01T03:00:00.000+0100",
            "e@x",
            "Heat",
            size_mb="1000.0",
        ),
        stream(
            "2021-12-10T10:00:00.000+0100",
            "2021-12-10T10:00:02.250+0100",
            "f@x",
            "End",
            size_mb="3000.0",
        ),
        # Started in November, ends in December.
        stream(
            "2021-11-30T23:30:00.000+0100",
            "2021-12-01T00:30:00.000+0100",
            "g@x",
            "Ran",
            size_mb="10.5",
        ),
    ],
    "author": [
        records.author(
            "Ada Writer",
            nationalities=[nationality("Chileans"), nationality("Singaporeans")],
        ),
        records.author("Bo Writer", nationalities=[nationality("Chileans")]),
    ],
    "book": [
        records.book("The Long Goodbye", author="ADA WRITER"),
        records.book("Dune", author="Bo Writer"),
    ],
    "review": [
        records.review("UNFORGIVEN", "THE LONG GOODBYE"),
        records.review(" ran ", "the long goodbye"),
        records.review("HEAT", "DUNE"),
        # The sentinel stands next to the real movie, which is not in the catalog.
        records.review("NOT IN THE CATALOG", "THE LONG GOODBYE"),
    ],
}
