"""`--encoding NAME`: sources in another encoding, on SQLite and PostgreSQL."""

import json
from pathlib import Path

import pytest

from tests import records
from tests.e2e.helpers import scli


@pytest.fixture
def db(database_url: str) -> str:
    assert scli(database_url, "init-db", "-q").exit_code == 0
    return database_url


def titles(database_url: str) -> list[str]:
    result = scli(
        database_url, "query", "--format", "json", "SELECT title FROM movie ORDER BY 1"
    )
    return [row["title"] for row in json.loads(result.stdout)]


def movies_csv(path: Path, encoding: str) -> Path:
    path.write_bytes(
        "title,duration_mins,original_language,size_mb\n"
        "Amélie,122,French,900\nLa Haine,98,French,700\n".encode(encoding)
    )
    return path


@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_a_csv_in_another_encoding_loads_its_letters(
    db: str, tmp_path: Path, encoding: str
) -> None:
    path = movies_csv(tmp_path / "movies.csv", encoding)

    plain = scli(db, "load", "-m", "movie", "-f", str(path))
    again = scli(db, "load", "-m", "movie", "-f", str(path), "--encoding", encoding)
    named = scli(
        db, "load", "-m", "movie", "-f", str(path), "--encoding", encoding, "--force"
    )

    # Read as UTF-8, the é byte is not valid: that line alone is rejected. The same
    # bytes again are skipped whatever the encoding: --force reads them anew.
    assert "skipped" in again.stdout
    assert plain.exit_code == 0 and "rejected 1," in plain.stdout
    assert "line 2: not valid utf-8" in plain.stderr
    assert named.exit_code == 0 and "rejected 0," in named.stdout
    assert titles(db) == ["Amélie", "La Haine"]


def test_a_cp1252_json_array(db: str, tmp_path: Path) -> None:
    path = tmp_path / "books.json"
    books = [records.book("Dragon’s Teeth"), records.book("Œuvres")]
    path.write_bytes(json.dumps(books, ensure_ascii=False).encode("cp1252"))

    result = scli(db, "load", "-m", "book", "-f", str(path), "--encoding", "cp1252")
    stored = scli(db, "query", "--format", "json", "SELECT title FROM book ORDER BY 1")

    assert result.exit_code == 0, result.stderr
    assert [row["title"] for row in json.loads(stored.stdout)] == [
        "Dragon’s Teeth",
        "Œuvres",
    ]


def test_load_dump_reads_every_file_in_the_encoding(db: str, tmp_path: Path) -> None:
    (tmp_path / "dump" / "internal").mkdir(parents=True)
    movies_csv(tmp_path / "dump" / "internal" / "movies.csv", "latin-1")

    result = scli(db, "load-dump", str(tmp_path / "dump"), "--encoding", "latin-1")

    assert result.exit_code == 0, result.stderr
    assert titles(db) == ["Amélie", "La Haine"]


@pytest.mark.parametrize(
    "command", [["load", "-m", "movie", "-f", "x.csv"], ["load-dump", "x"]]
)
def test_an_unknown_encoding_is_a_usage_error(db: str, command: list[str]) -> None:
    result = scli(db, *command, "--encoding", "klingon")

    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "'klingon' is not a text encoding Python knows" in result.stderr
