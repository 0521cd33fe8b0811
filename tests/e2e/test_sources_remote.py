"""Loads from real FTP, HTTP and S3 servers on 127.0.0.1, through the command line."""

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from strider_challenge.service_layer.dumps import DUMP_FILES
from tests.e2e.helpers import DATA_TABLES, scli, snapshot
from tests.servers import (
    FTP_PASSWORD,
    FTP_USER,
    closed_port,
    ftp_server,
    gzip_file,
    http_server,
    ledger,
    loaded,
    make_dump,
    row_counts,
    s3_environment,
    s3_server,
    upload_to_s3,
)


@pytest.fixture
def dump(tmp_path: Path) -> Path:
    root = tmp_path / "served"
    make_dump(root)
    return root


@pytest.fixture
def ftp(dump: Path) -> Iterator[str]:
    """The served dump's URL on a real FTP server, password included."""
    with ftp_server(dump) as port:
        yield f"ftp://{FTP_USER}:{FTP_PASSWORD}@127.0.0.1:{port}"


@pytest.fixture
def http(dump: Path) -> Iterator[str]:
    with http_server(dump) as port:
        yield f"http://127.0.0.1:{port}"


def local_reference(tmp_path: Path, dump: Path) -> str:
    """A SQLite database with the same dump loaded from the local folder."""
    url = f"sqlite:///{tmp_path / 'local.db'}"
    scli(url, "init-db")
    assert scli(url, "load-dump", str(dump)).exit_code == 0
    return url


def assert_one_line_error(result: object, message: str) -> None:
    assert getattr(result, "exit_code") == 1
    assert getattr(result, "stdout") == ""
    assert getattr(result, "stderr") == f"scli: error: {message}\n"


def test_load_dump_over_ftp_matches_a_local_load_of_the_same_files(
    ready: str, ftp: str, dump: Path, tmp_path: Path
) -> None:
    result = scli(ready, "load-dump", f"{ftp}/")

    assert result.exit_code == 0, result.output
    local = local_reference(tmp_path, dump)
    assert loaded(ready) == loaded(local)  # same counts, same digests
    assert row_counts(ready) == row_counts(local)
    assert all(count > 0 for count in row_counts(ready).values())
    shown = ftp.replace(f":{FTP_PASSWORD}@", ":***@")
    runs = json.loads(scli(ready, "runs", "--format", "json").stdout)
    assert sorted(run["source"] for run in runs) == sorted(
        f"{shown}/{name}" for _, name in DUMP_FILES
    )
    assert result.stdout.startswith(f"dump {shown}/\n")
    assert FTP_PASSWORD not in result.output + json.dumps(snapshot(ready), default=str)


def test_ftp_credentials_can_come_from_the_environment(
    ready: str, ftp: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = ftp.replace(f"{FTP_USER}:{FTP_PASSWORD}@", "")
    monkeypatch.setenv("SCLI_FTP_USER", FTP_USER)
    monkeypatch.setenv("SCLI_FTP_PASSWORD", FTP_PASSWORD)

    result = scli(ready, "load", "-m", "movie", "-f", f"{bare}/internal/movies.csv")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("movie: load #1: read 8, inserted 8")
    assert row_counts(ready)["movie"] == 8


def test_a_wrong_ftp_password_is_one_line_and_changes_nothing(
    ready: str, ftp: str
) -> None:
    before = snapshot(ready, DATA_TABLES)
    wrong = ftp.replace(FTP_PASSWORD, "not-the-password")
    shown = ftp.replace(f":{FTP_PASSWORD}@", ":***@")

    whole = scli(ready, "load-dump", f"{wrong}/")
    one = scli(ready, "load", "-m", "book", "-f", f"{wrong}/vendor/books.json")

    refused = "the FTP server said 530 Authentication failed."
    assert_one_line_error(whole, f"cannot read {shown}/internal/movies.csv: {refused}")
    assert_one_line_error(one, f"cannot read {shown}/vendor/books.json: {refused}")
    assert snapshot(ready, DATA_TABLES) == before
    failed = ledger(ready, "failed")
    assert len(failed) == 1  # the one file: the dump failed before any file began
    assert "not-the-password" not in json.dumps(failed)


def test_a_refused_connection_is_one_line_and_changes_nothing(ready: str) -> None:
    before = snapshot(ready, DATA_TABLES)
    port = closed_port()

    ftp_dump = scli(ready, "load-dump", f"ftp://u:pw@127.0.0.1:{port}/nightly")
    http_file = scli(
        ready, "load", "-m", "movie", "-f", f"http://127.0.0.1:{port}/m.csv"
    )
    http_dump = scli(ready, "load-dump", f"http://127.0.0.1:{port}/")

    assert_one_line_error(
        ftp_dump,
        f"cannot read ftp://u:***@127.0.0.1:{port}/nightly/internal/movies.csv: "
        "connection refused",
    )
    assert_one_line_error(
        http_file, f"cannot read http://127.0.0.1:{port}/m.csv: connection refused"
    )
    assert_one_line_error(
        http_dump,
        f"cannot read http://127.0.0.1:{port}/internal/movies.csv: connection refused",
    )
    assert snapshot(ready, DATA_TABLES) == before


def test_a_missing_remote_file_is_one_line_and_changes_nothing(
    ready: str, ftp: str, http: str
) -> None:
    before = snapshot(ready, DATA_TABLES)
    shown = ftp.replace(f":{FTP_PASSWORD}@", ":***@")

    over_ftp = scli(ready, "load", "-m", "movie", "-f", f"{ftp}/internal/nope.csv")
    over_http = scli(ready, "load", "-m", "movie", "-f", f"{http}/nope.csv")

    assert_one_line_error(
        over_ftp, f"cannot read {shown}/internal/nope.csv: No such file"
    )
    assert_one_line_error(over_http, f"cannot read {http}/nope.csv: No such file")
    assert snapshot(ready, DATA_TABLES) == before


def test_a_truncated_remote_gzip_aborts_the_load_mid_stream(
    ready: str, tmp_path: Path
) -> None:
    root = tmp_path / "big"
    make_dump(root, streams=20_000)
    streams = gzip_file(root / "internal" / "streams.csv")
    whole = streams.read_bytes()
    streams.write_bytes(whole[: len(whole) * 2 // 3])
    before = snapshot(ready, DATA_TABLES)

    with ftp_server(root) as port:
        url = f"ftp://{FTP_USER}:{FTP_PASSWORD}@127.0.0.1:{port}"
        result = scli(
            ready, "load", "-m", "stream", "-f", f"{url}/internal/streams.csv.gz"
        )

    assert_one_line_error(
        result,
        f"ftp://{FTP_USER}:***@127.0.0.1:{port}/internal/streams.csv.gz is not a valid "
        "gzip file: Compressed file ended before the end-of-stream marker was "
        "reached",
    )
    assert snapshot(ready, DATA_TABLES) == before


def test_gzip_and_json_lines_variants_load_over_ftp_and_http(
    ready: str, dump: Path, ftp: str, http: str
) -> None:
    books = json.loads((dump / "vendor" / "books.json").read_text())
    lines = "\n".join(json.dumps(book) for book in books) + "\n"
    (dump / "vendor" / "books.jsonl").write_text(lines)
    (dump / "vendor" / "books.ndjson").write_text(lines)
    gzip_file(dump / "vendor" / "books.ndjson")
    gzip_file(dump / "internal" / "movies.csv")

    results = [
        scli(ready, "load", "-m", "book", "-f", f"{ftp}/vendor/books.jsonl"),
        scli(ready, "load", "-m", "book", "-f", f"{http}/vendor/books.ndjson.gz"),
        scli(ready, "load", "-m", "movie", "-f", f"{http}/internal/movies.csv.gz"),
    ]

    assert [r.exit_code for r in results] == [0, 0, 0], results[-1].output
    assert results[0].stdout.startswith(f"book: load #1: read {len(books)}, inserted")
    assert results[1].stdout.startswith("book: skipped, ")  # the same JSON Lines
    assert re.match(r"movie: load #\d+: read 8, inserted 8", results[2].stdout)
    assert row_counts(ready)["book"] == len(books)


def test_load_dump_over_http_matches_a_local_load(
    ready: str, dump: Path, tmp_path: Path
) -> None:
    local = local_reference(tmp_path, dump)
    for _, name in DUMP_FILES[::2]:
        gzip_file(dump / name)  # half of them compressed: the same bytes inside

    with http_server(dump) as port:
        result = scli(ready, "load-dump", f"http://127.0.0.1:{port}")

    assert result.exit_code == 0, result.output
    assert loaded(ready) == loaded(local)
    assert row_counts(ready) == row_counts(local)


@pytest.mark.slow
def test_load_dump_from_s3_matches_a_local_load(
    ready: str, dump: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with s3_server() as endpoint:
        for name, value in s3_environment(endpoint).items():
            monkeypatch.setenv(name, value)
        gzip_file(dump / "vendor" / "reviews.json")
        upload_to_s3(dump, "nightly-dump")

        result = scli(ready, "load-dump", "s3://nightly-dump/")
        missing = scli(ready, "load", "-m", "movie", "-f", "s3://nightly-dump/x.csv")

    assert result.exit_code == 0, result.output
    assert re.search(r"\n6 loaded\n$", result.stdout)
    local = local_reference(tmp_path, dump)
    assert loaded(ready)[:6] == loaded(local)
    assert row_counts(ready) == row_counts(local)
    assert_one_line_error(missing, "cannot read s3://nightly-dump/x.csv: No such file")
