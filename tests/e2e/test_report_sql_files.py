"""The analysts' SQL files give the same answers as `scli report`, on PostgreSQL."""

import json
import re
from pathlib import Path

import pytest

from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.answers import ANSWER_KEYS
from tests.conftest import ROOT
from tests.e2e.helpers import scli
from tests.report_data import RULES_DUMP, load_dump

SQL_FILES = sorted((ROOT / "sql").glob("*.sql"))

pytestmark = pytest.mark.postgres


def file_answers(database_url: str) -> dict[str, object]:
    """Each file run with `scli query`: one row, one column named by its key."""
    found: dict[str, object] = {}
    for path in SQL_FILES:
        result = scli(database_url, "query", "--format", "json", "-f", str(path))
        assert result.exit_code == 0, (path.name, result.output)
        (row,) = json.loads(result.stdout)
        found.update(row)
    return found


def report_answers(database_url: str) -> dict[str, object]:
    result = scli(database_url, "report", "--format", "json")
    assert result.exit_code == 0, result.output
    answers = json.loads(result.stdout)
    assert isinstance(answers, dict)
    return answers


def test_there_is_one_file_per_answer_named_after_its_key() -> None:
    keys = [re.sub(r"^\d+_", "", path.stem) for path in SQL_FILES]

    assert keys == list(ANSWER_KEYS)
    for path in SQL_FILES:
        assert f"AS {re.sub(r'^[0-9]+_', '', path.stem)}" in path.read_text()


def test_the_files_agree_with_the_report_on_the_rules_dump(
    postgres_url: str, tmp_path: Path
) -> None:
    engine = create_database_engine(postgres_url)
    load_dump(engine, tmp_path, **RULES_DUMP)
    engine.dispose()

    assert file_answers(postgres_url) == report_answers(postgres_url)


def test_the_files_on_an_empty_database_give_empty_or_zero_answers(
    postgres_url: str,
) -> None:
    assert scli(postgres_url, "init-db").exit_code == 0

    assert file_answers(postgres_url) == {
        "pct_streamed_movies_based_on_books": None,
        "users_affected_by_outage": 0,
        "movies_from_nationality_authors_streamed_in_month": 0,
        "avg_stream_duration_seconds": None,
        "median_stream_size_gb": None,
        "users_watched_half_movie_last_week": 0,
    }
