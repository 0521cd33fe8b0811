"""The database drops the load's connection mid-COPY: one line, nothing written."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from strider_challenge.generator import write_streams

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_a_terminated_backend_is_one_error_line_and_nothing_is_kept(
    postgres_url: str, postgres_server: Engine, tmp_path: Path
) -> None:
    streams = tmp_path / "streams.csv"
    write_streams(
        streams,
        count=300_000,
        movies=[f"Movie {n}" for n in range(50)],
        emails=[f"u{n}@example.com" for n in range(5000)],
    )
    name = f"scli-{uuid.uuid4().hex[:8]}"
    url = make_url(postgres_url).update_query_dict({"application_name": name})
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    scli = [str(Path(sys.executable).with_name("scli"))]
    subprocess.run([*scli, "init-db", "-q"], env=env, check=True)

    load = subprocess.Popen(
        [*scli, "load", "-m", "stream", "-f", str(streams)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    terminated = False
    deadline = time.monotonic() + 60
    with postgres_server.connect() as admin:
        while not terminated and load.poll() is None and time.monotonic() < deadline:
            terminated = bool(
                admin.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = :name AND query LIKE 'COPY%'"
                    ),
                    {"name": name},
                ).scalar()
            )
            time.sleep(0.01)
    out, err = load.communicate(timeout=60)

    assert terminated, (out, err)
    assert load.returncode == 1, (out, err)
    assert err.count("\n") == 1 and err.startswith("scli: error: database: "), err
    assert "Traceback" not in err and "above exception" not in err
    check = create_engine(make_url(postgres_url))
    with check.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM stream")).scalar() == 0
    check.dispose()
