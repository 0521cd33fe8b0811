"""Fixtures shared by every test layer: databases, the case data, sample files."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner, Result

from strider_challenge.adapters.database import create_database_engine
from tests.leaks import leaks

ROOT = Path(__file__).resolve().parent.parent
CASE_DATA = ROOT.parent / "shared" / "case-data"
SAMPLE_DATA = ROOT / "data"

#: The server the PostgreSQL tests create their databases on.
POSTGRES_SERVER_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres"
)


def _postgres_required() -> bool:
    """In CI the PostgreSQL tests must run: an unreachable server fails them."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Engine]:
    """An autocommit engine on the server's maintenance database."""
    engine = create_engine(POSTGRES_SERVER_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        engine.dispose()
        message = f"PostgreSQL unreachable at {POSTGRES_SERVER_URL}: {error.orig}"
        if _postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_url(postgres_server: Engine) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"scli_test_{uuid.uuid4().hex[:12]}"
    with postgres_server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_SERVER_URL).set(database=name)
    yield url.render_as_string(hide_password=False)
    with postgres_server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite database file in the test's own folder."""
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test that asks for it runs once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database, configured as the tool configures it."""
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def case_data() -> Path:
    """The company's real dump, when this checkout sits beside it."""
    if not CASE_DATA.is_dir():
        pytest.skip(f"case data not found at {CASE_DATA}")
    return CASE_DATA


@pytest.fixture(autouse=True)
def no_secret_shown(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any test in which scli, run through CliRunner, printed a test secret."""
    outputs: list[str] = []
    invoke = CliRunner.invoke

    def recorded(self: CliRunner, *args: object, **options: object) -> Result:
        result = invoke(self, *args, **options)  # type: ignore[arg-type]
        outputs.extend((result.stdout, result.stderr))
        return result

    monkeypatch.setattr(CliRunner, "invoke", recorded)
    yield
    found = leaks(outputs)
    assert not found, f"scli printed the test secret(s) {found}"
