"""`scli init-db` on a PostgreSQL server that lacks the database it is pointed at."""

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from strider_challenge.adapters.database import create_missing_database
from tests.conftest import POSTGRES_SERVER_URL
from tests.e2e.helpers import scli

pytestmark = pytest.mark.postgres


def databases(server: Engine, name: str) -> list[tuple[str, str]]:
    """The database `name` and its owner, if the server has it."""
    with server.connect() as connection:
        found = connection.execute(
            text(
                "SELECT datname, pg_get_userbyid(datdba) FROM pg_database "
                "WHERE datname = :name"
            ),
            {"name": name},
        )
        return [(row[0], row[1]) for row in found]


@pytest.fixture
def missing_name(postgres_server: Engine) -> Iterator[str]:
    """A database name the server does not have; dropped afterwards if made."""
    name = f"scli_test_missing_{uuid.uuid4().hex[:12]}"
    yield name
    with postgres_server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def plain_role(postgres_server: Engine) -> Iterator[str]:
    """A role that may log in but not create databases; dropped afterwards."""
    role = f"scli_test_role_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN NOCREATEDB'))
    yield role
    with postgres_server.connect() as connection:
        connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def url_for(name: str, role: str | None = None) -> str:
    url = make_url(POSTGRES_SERVER_URL).set(database=name)
    if role is not None:
        url = url.set(username=role)
    return url.render_as_string(hide_password=False)


def test_init_db_creates_a_missing_database_when_the_role_may(
    postgres_server: Engine, missing_name: str
) -> None:
    url = url_for(missing_name)

    first = scli(url, "init-db")
    second = scli(url, "init-db")

    assert first.exit_code == 0, first.output
    created, ready = first.stdout.splitlines()
    assert created == f"database created: {url}"
    assert ready.startswith(f"database ready: {url} (schema ")
    assert databases(postgres_server, missing_name) == [(missing_name, "postgres")]
    assert second.exit_code == 0 and "created" not in second.stdout
    assert scli(url, "runs").stdout == "no loads recorded yet\n"


def test_a_name_that_needs_quoting_is_created_as_given(
    postgres_server: Engine, missing_name: str
) -> None:
    name = f"{missing_name}-Two Words"
    url = url_for(name)
    try:
        result = scli(url, "init-db", "--quiet")

        assert (result.exit_code, result.output) == (0, "")
        assert [found for found, _ in databases(postgres_server, name)] == [name]
    finally:
        with postgres_server.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_a_role_that_may_not_create_it_gets_one_line_saying_who_can(
    postgres_server: Engine, missing_name: str, plain_role: str
) -> None:
    result = scli(url_for(missing_name, plain_role), "init-db")

    assert result.exit_code == 1 and result.stdout == ""
    host = make_url(POSTGRES_SERVER_URL).host
    assert result.stderr == (
        f'scli: error: database "{missing_name}" does not exist on {host} and role '
        f"{plain_role} may not create it: ask an administrator to run `createdb "
        f"--owner={plain_role} {missing_name}`, then run `scli init-db` again\n"
    )
    assert databases(postgres_server, missing_name) == []


def test_no_other_command_creates_the_database(
    postgres_server: Engine, missing_name: str
) -> None:
    url = url_for(missing_name)

    results = [scli(url, "init-db", "--check"), scli(url, "runs")]

    for result in results:
        assert result.exit_code == 1
        assert f'database "{missing_name}" does not exist' in result.stderr
    assert databases(postgres_server, missing_name) == []


def test_nothing_is_created_for_sqlite_a_url_without_a_database_or_no_server() -> None:
    unreachable = make_url(POSTGRES_SERVER_URL).set(port=1, database="x")

    assert not create_missing_database("sqlite:///:memory:")
    assert not create_missing_database(
        make_url(POSTGRES_SERVER_URL).set(database=None).render_as_string()
    )
    assert not create_missing_database(unreachable.render_as_string())
