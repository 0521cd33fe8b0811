"""The report on the company's real December 2021 dump: same answers everywhere."""

import json
from pathlib import Path

import pytest

from tests.e2e.helpers import LOADS, scli
from tests.e2e.test_report_sql_files import file_answers

#: The answers on the case data (the README shows them).
CASE_ANSWERS = {
    "pct_streamed_movies_based_on_books": 93.41,
    "users_affected_by_outage": 4,
    "movies_from_nationality_authors_streamed_in_month": 3,
    "avg_stream_duration_seconds": 43336,
    "median_stream_size_gb": 0.94,
    "users_watched_half_movie_last_week": 728,
}


def load_case_data(database_url: str, case_data: Path) -> str:
    assert scli(database_url, "init-db").exit_code == 0
    for model, collector, file in LOADS:
        args = ["load", "-q", "-m", model, "-c", collector, "-f", str(case_data / file)]
        assert scli(database_url, *args).exit_code == 0
    return database_url


@pytest.mark.postgres
def test_sqlite_postgres_and_the_sql_files_give_the_same_answers(
    sqlite_url: str, postgres_url: str, case_data: Path
) -> None:
    outputs = {
        url: {
            output: scli(load_case_data(url, case_data), "report", "--format", output)
            for output in ("json", "csv", "table", "html")
        }
        for url in (sqlite_url, postgres_url)
    }

    on_sqlite, on_postgres = outputs[sqlite_url], outputs[postgres_url]
    for output in ("json", "csv", "table", "html"):
        assert on_sqlite[output].exit_code == 0
        assert on_sqlite[output].stdout == on_postgres[output].stdout
    assert json.loads(on_sqlite["json"].stdout) == CASE_ANSWERS
    assert file_answers(postgres_url) == CASE_ANSWERS


def test_the_readme_shows_the_report_on_the_case_data(
    sqlite_url: str, case_data: Path
) -> None:
    from tests.conftest import ROOT

    table = scli(load_case_data(sqlite_url, case_data), "report").stdout

    assert table in (ROOT / "README.md").read_text()
