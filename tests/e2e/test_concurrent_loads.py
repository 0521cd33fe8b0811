"""One load per model at a time on PostgreSQL: a second one waits, then goes on."""

import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from strider_challenge.adapters.database import normalise_url
from strider_challenge.service_layer.unit_of_work import LOCK_SPACE, _lock_key
from tests import records
from tests.e2e.test_subprocess import SCLI, run


@pytest.mark.postgres
def test_a_second_load_of_a_model_waits_for_the_first(
    postgres_url: str, tmp_path: Path
) -> None:
    assert run(postgres_url, "init-db").returncode == 0
    path = records.write_csv(tmp_path / "m.csv", "movie", [records.movie("A")])
    holder = create_engine(normalise_url(postgres_url))
    with holder.connect() as connection, connection.begin() as transaction:
        connection.execute(  # what a running load of movies holds
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": LOCK_SPACE, "key": _lock_key("movie")},
        )
        started = time.monotonic()
        waiting = subprocess.Popen(
            [str(SCLI), "load", "-m", "movie", "-c", "csv", "-f", str(path)],
            env={"DATABASE_URL": postgres_url, "PATH": "/usr/bin:/bin"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        other = run(
            postgres_url,
            "load",
            "-m",
            "user",
            "-c",
            "csv",
            "-f",
            str(records.write_csv(tmp_path / "u.csv", "user", [records.user()])),
        )
        time.sleep(2)
        assert waiting.poll() is None, "the second load did not wait"
        transaction.commit()
    out, err = waiting.communicate(timeout=60)
    holder.dispose()

    assert other.returncode == 0, "another model's load must not wait"
    assert waiting.returncode == 0, err
    assert time.monotonic() - started >= 2
    assert err.startswith("movie: waiting for another load of movie to finish")
    assert "inserted 1" in out
