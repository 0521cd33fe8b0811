"""Inputs that used to crash or mislead: each is one clear line, or now works."""

import errno
import io
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from strider_challenge.adapters.database import normalise_url
from tests.e2e.helpers import DATA_TABLES, failed_attempts, scli, snapshot
from tests.servers import closed_port, make_dump, row_counts

HEADER = "title,duration_mins,original_language,size_mb\n"


def test_field_limit_is_an_option_of_load_and_load_dump(
    ready: str, tmp_path: Path
) -> None:
    path = tmp_path / "movies.csv"
    path.write_text(HEADER + "A,90,en,700\n" + "B" * 40 + ",80,fr,600\n")
    dump = tmp_path / "dump"
    make_dump(dump)

    default = scli(ready, "load", "-m", "movie", "-f", str(path))
    tight = scli(
        ready, "load", "-m", "movie", "-f", str(path), "--force", "--field-limit", "20"
    )
    folder = scli(ready, "load-dump", str(dump), "--field-limit", "3")

    assert default.exit_code == 0 and "inserted 2," in default.stdout
    assert tight.exit_code == 0, tight.output
    assert "rejected 1," in tight.stdout
    assert "more than the field limit of 20 (--field-limit)" in tight.stderr
    assert folder.exit_code == 1  # every title is longer than 3 characters
    assert "field limit of 3 (--field-limit)" in folder.stderr


def test_the_field_limit_is_said_in_help() -> None:
    result = scli("sqlite://", "load", "--help")

    assert "--field-limit" in result.stdout
    assert "131,072" in result.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql://postgres:SECRETPW@127.0.0.1:abc/x",
            "invalid database URL 'postgresql://postgres:***@127.0.0.1:abc/x': "
            "invalid literal for int() with base 10: 'abc'",
        ),
        (
            "postgresql://postgres:SECRETPW@[::1/x",
            "invalid database URL 'postgresql://postgres:***@[::1/x': "
            "invalid literal for int() with base 10: ':1'",
        ),
        (
            "mysql://root:SECRETPW@127.0.0.1/x",
            "unsupported database mysql in 'mysql://root:***@127.0.0.1/x': the "
            "supported ones are sqlite (sqlite:///FILE) and postgresql via psycopg2 "
            "(postgresql://user@host:port/name)",
        ),
        (
            "postgresql+nosuch://postgres:SECRETPW@127.0.0.1/x",
            "unsupported database postgresql+nosuch in "
            "'postgresql+nosuch://postgres:***@127.0.0.1/x': the supported ones are "
            "sqlite (sqlite:///FILE) and postgresql via psycopg2 "
            "(postgresql://user@host:port/name)",
        ),
        (
            "sqlite:///x.db?check_same_thread=maybe",
            "invalid database URL 'sqlite:///x.db?check_same_thread=maybe': String "
            "is not true/false: 'maybe'",
        ),
    ],
)
def test_a_database_url_that_cannot_be_used_is_one_line(url: str, message: str) -> None:
    for args in (["init-db"], ["runs"], ["init-db", "--check"]):
        result = scli(url, *args)

        assert result.exit_code == 1, result.output
        assert result.stderr == f"scli: error: {message}\n"


def test_a_bare_postgresql_url_uses_psycopg2(postgres_url: str) -> None:
    from strider_challenge.adapters.database import normalise_url

    assert normalise_url("postgresql://h/x").drivername == "postgresql+psycopg2"
    assert normalise_url("postgres://h/x").drivername == "postgresql+psycopg2"
    assert scli(postgres_url, "init-db").exit_code == 0


def test_a_password_with_raw_reserved_characters_still_connects(
    postgres_url: str,
) -> None:
    # The test server trusts every password: what matters is where the URL is cut.
    url = postgres_url.replace("postgres@", "postgres:S3c/r#t?p@ss@", 1)

    result = scli(url, "init-db")

    assert result.exit_code == 0, result.output
    assert "S3c" not in result.output and "p@ss" not in result.output


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:99999/x.csv", "not a valid URL (Port out of range 0-65535)"),
        ("http://[::1/x.csv", "not a valid URL (Invalid IPv6 URL)"),
    ],
)
def test_a_bad_http_port_or_host_says_so(ready: str, url: str, reason: str) -> None:
    result = scli(ready, "load", "-m", "movie", "-f", url)

    assert result.exit_code == 2
    assert result.stderr == f"scli: error: cannot read {url}: {reason}\n"


def test_a_closed_http_port_cannot_connect(ready: str) -> None:
    url = f"http://127.0.0.1:{closed_port()}/x.csv"

    result = scli(ready, "load", "-m", "movie", "-f", url)

    assert result.stderr == f"scli: error: cannot read {url}: connection refused\n"


def many_rejects(path: Path, count: int) -> Path:
    path.write_text(HEADER + "".join(f"M{i},not-a-number,en,1\n" for i in range(count)))
    return path


class FullDisk(io.StringIO):
    """A temporary file on a disk that fills up after 1 KiB."""

    def __init__(self, *args: object, **options: object) -> None:
        super().__init__()

    def write(self, text: str) -> int:
        if self.tell() + len(text) > 1024:
            raise OSError(errno.ENOSPC, "No space left on device")
        return super().write(text)


@pytest.fixture
def full_temp_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", FullDisk)


FULL_TEMP = (
    ": No space left on device (free some space, or point TMPDIR at a bigger disk)"
)


def test_a_full_temp_directory_fails_the_load_in_one_line(
    ready: str, tmp_path: Path, full_temp_disk: None
) -> None:
    before = snapshot(ready, DATA_TABLES)
    path = many_rejects(tmp_path / "movies.csv", 200)

    result = scli(ready, "load", "-m", "movie", "-f", str(path))

    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("scli: error: no room for the rejected records in ")
    assert result.stderr.endswith(FULL_TEMP + "\n")
    assert result.stderr.count("\n") == 1
    assert snapshot(ready, DATA_TABLES) == before
    assert failed_attempts(ready) == [result.stderr.removeprefix("scli: error: ")[:-1]]


def test_load_dump_reports_the_file_that_filled_the_disk_and_goes_on(
    ready: str, tmp_path: Path, full_temp_disk: None
) -> None:
    dump = tmp_path / "dump"
    make_dump(dump)
    with (dump / "internal/streams.csv").open("a") as streams:
        streams.write("a,b,not-a-size,x,y\n" * 100)

    result = scli(ready, "load-dump", str(dump))

    assert result.exit_code == 1
    statuses = {
        line.split()[0]: line.split()[2]
        for line in result.stdout.splitlines()
        if line.split() and line.split()[0] in MODELS
    }
    assert statuses == {m: ("failed" if m == "stream" else "loaded") for m in MODELS}
    error = result.stderr.splitlines()[-1]
    assert error.startswith("scli: error: stream: no room for the rejected records")
    assert error.endswith(FULL_TEMP)
    assert row_counts(ready)["stream"] == 0 and row_counts(ready)["review"] > 0


MODELS = ("movie", "user", "stream", "author", "book", "review")


DISK_FULL = """
CREATE FUNCTION disk_full() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = 'disk_full',
    MESSAGE = 'could not extend file "base/16384/2619": No space left on device';
END $$;
CREATE TRIGGER disk_full BEFORE INSERT ON movie
  FOR EACH STATEMENT EXECUTE FUNCTION disk_full();
"""


def test_a_server_out_of_disk_is_one_line_and_the_dump_goes_on(
    postgres_url: str, tmp_path: Path
) -> None:
    assert scli(postgres_url, "init-db").exit_code == 0
    engine = create_engine(normalise_url(postgres_url))
    with engine.begin() as connection:
        connection.exec_driver_sql(DISK_FULL)
    engine.dispose()
    dump = tmp_path / "dump"
    make_dump(dump)

    one = scli(
        postgres_url, "load", "-m", "movie", "-f", str(dump / "internal/movies.csv")
    )
    whole = scli(postgres_url, "load-dump", str(dump))

    message = (
        'database: could not extend file "base/16384/2619": No space left on device'
    )
    assert one.exit_code == 1
    assert one.stderr == f"scli: error: {message}\n"
    assert whole.exit_code == 1
    assert whole.stderr.splitlines()[-1] == f"scli: error: movie: {message}"
    assert whole.stdout.splitlines()[-1] == "1 failed, 5 loaded"
    assert row_counts(postgres_url)["user"] > 0


def test_a_role_with_only_dml_cannot_do_a_first_load(
    postgres_url: str, tmp_path: Path
) -> None:
    # What README's PostgreSQL section says such a role prints.
    assert scli(postgres_url, "init-db").exit_code == 0
    role = f"dml_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(postgres_url))
    with admin.begin() as connection:
        connection.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
        connection.exec_driver_sql(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
            f"TO {role}; GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
    path = tmp_path / "movies.csv"
    path.write_text(HEADER + "A,90,en,700\n")
    as_role = postgres_url.replace("postgres@", f"{role}@", 1)
    try:
        before = snapshot(postgres_url, DATA_TABLES)
        loaded = scli(as_role, "load", "-m", "movie", "-f", str(path))
        listed = scli(as_role, "runs")
        after = snapshot(postgres_url, DATA_TABLES)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP OWNED BY {role}; DROP ROLE {role}")
        admin.dispose()

    assert loaded.exit_code == 1
    assert loaded.stderr == "scli: error: database: must be owner of table movie\n"
    assert listed.exit_code == 0  # reading needs no more than SELECT
    assert after == before
