"""`scli` as the installed console script, in a real process."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests import records
from tests.e2e.helpers import snapshot

SCLI = Path(sys.executable).with_name("scli")


def run(
    database_url: str, *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCLI), *args],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        cwd=cwd,
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def installed() -> None:
    if not SCLI.exists():
        pytest.fail(f"{SCLI} is missing: install the package (pip install -e .)")


def test_init_db_and_load_through_the_console_script(
    database_url: str, tmp_path: Path
) -> None:
    path = records.write_csv(
        tmp_path / "users.csv", "user", [records.user("a@x"), records.user("b@x")]
    )

    init = run(database_url, "init-db")
    load = run(
        database_url,
        "load",
        "--model",
        "user",
        "--collector",
        "csv",
        "--config",
        str(path),
    )

    assert (init.returncode, load.returncode) == (0, 0), init.stderr + load.stderr
    assert load.stdout.startswith(
        "user: load #1: read 2, inserted 2, updated 0, unchanged 0"
    )
    assert sorted(row[:3] for row in snapshot(database_url)["user"]) == [
        ("a@x", "Ada", "Lovelace"),
        ("b@x", "Ada", "Lovelace"),
    ]


def test_an_error_is_one_line_without_traceback(
    database_url: str, tmp_path: Path
) -> None:
    run(database_url, "init-db")

    result = run(
        database_url, "load", "-m", "movie", "-c", "csv", "-f", str(tmp_path / "no.csv")
    )

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("scli: error: cannot read ")


def test_default_database_is_sqlite_in_the_working_directory(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(SCLI), "init-db"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("database ready: sqlite:///database.db (schema ")
    assert (tmp_path / "database.db").is_file()
