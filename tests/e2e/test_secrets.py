"""Secrets are never shown and never stored: passwords and signed-URL parameters.

Every password here is one of tests/leaks.py's, so the check every test runs on
scli's output (tests/conftest.py) fails if one gets through.
"""

import subprocess
from pathlib import Path

import pytest

from tests.e2e.helpers import scli
from tests.e2e.test_subprocess import SCLI
from tests.leaks import TEST_SECRETS, leaks
from tests.servers import FTP_USER, closed_port, ftp_server, http_server, ledger

MOVIES = b"title,duration_mins,original_language,size_mb\nA,90,en,700\n"


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    root.mkdir()
    (root / "movies.csv").write_bytes(MOVIES)
    return root


def test_a_signed_url_is_shown_and_stored_without_its_secrets(
    ready: str, served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_SECRET_PARAMS", "apikey, session")
    query = (
        "token=tok-7f3a9&X-Amz-Signature=sig-88c1&X-Amz-Credential=AKIA%2F1"
        "&apikey=tok-7f3a9&page=2"
    )
    with http_server(served) as port:
        url = f"http://127.0.0.1:{port}/movies.csv?{query}"
        first = scli(ready, "load", "-m", "movie", "-f", url)
        again = scli(ready, "load", "-m", "movie", "-f", url)
        listed = scli(ready, "runs")

    shown = (
        f"http://127.0.0.1:{port}/movies.csv?token=***&X-Amz-Signature=***"
        "&X-Amz-Credential=***&apikey=***&page=2"
    )
    assert first.exit_code == 0, first.output
    assert ledger(ready)[-1]["source"] == shown
    assert f"skipped, {shown} was already loaded" in again.stdout
    assert listed.exit_code == 0


def test_an_ftp_password_with_a_raw_slash_logs_in_and_is_never_shown(
    ready: str, served: Path
) -> None:
    with ftp_server(served, password="S3c/r3tPW") as port:
        url = f"ftp://{FTP_USER}:S3c/r3tPW@127.0.0.1:{port}/movies.csv"
        loaded = scli(ready, "load", "-m", "movie", "-f", url)
        missing = scli(ready, "load", "-m", "movie", "-f", url.replace("movies", "x"))

    shown = f"ftp://{FTP_USER}:***@127.0.0.1:{port}"
    assert loaded.exit_code == 0, loaded.output
    assert ledger(ready)[-1]["source"] == f"{shown}/movies.csv"
    assert missing.stderr == f"scli: error: cannot read {shown}/x.csv: No such file\n"


@pytest.mark.parametrize(
    "password", ["SECRETPW", "S3c/r3tPW", "S#RET?PW@x", "a@SECRETPW"]
)
def test_a_database_password_is_never_printed_whatever_it_holds(
    password: str,
) -> None:
    url = f"postgresql://postgres:{password}@127.0.0.1:{closed_port()}/x"

    results = [scli(url, "runs"), scli(url, "init-db"), scli(url, "init-db", "--check")]

    for result in results:
        assert result.exit_code == 1
        assert result.stderr.startswith(
            'scli: error: database: connection to server at "127.0.0.1"'
        )
        assert password not in result.output
        assert "PW" not in result.output  # not a fragment either (RET@127.0.0.1)


def test_a_url_that_does_not_parse_is_shown_without_its_password() -> None:
    run = subprocess.run(
        [str(SCLI), "load", "-m", "movie", "-f", "ftp://vendor:SECRETPW@[::1/x.csv"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": "sqlite://"},
        timeout=60,
        check=False,
    )
    other = scli(
        "postgresql+nosuch://postgres:SECRETPW@127.0.0.1/x",
        "load",
        "-m",
        "movie",
        "-f",
        "m.csv",
    )

    assert run.returncode == 2
    assert run.stderr == (
        "scli: error: cannot read ftp://vendor:***@[::1/x.csv: not a valid URL "
        "(Invalid IPv6 URL)\n"
    )
    assert other.stderr.startswith(
        "scli: error: unsupported database postgresql+nosuch in "
        "'postgresql+nosuch://postgres:***@127.0.0.1/x'"
    )
    assert leaks([run.stdout, run.stderr]) == []


def test_the_leak_check_finds_a_secret() -> None:
    # The check every test runs must be able to fail.
    assert leaks(["ok", f"cannot read ftp://u:{TEST_SECRETS[0]}@h/x"]) == [
        TEST_SECRETS[0]
    ]
    assert leaks(["ftp://u:***@h/x"]) == []
