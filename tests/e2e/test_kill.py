"""A load killed with SIGKILL halfway leaves nothing behind; a rerun succeeds."""

import signal
import subprocess
import time
from pathlib import Path

import pytest

from strider_challenge.generator import write_streams
from tests.e2e.helpers import snapshot
from tests.e2e.test_subprocess import SCLI, run

ROWS = 400_000


@pytest.fixture(scope="module")
def big_streams(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kill") / "streams.csv"
    write_streams(
        path,
        count=ROWS,
        movies=[f"Movie {i}" for i in range(100)],
        emails=[f"user{i}@example.com" for i in range(5000)],
    )
    return path


@pytest.mark.slow
def test_sigkill_mid_load_leaves_nothing_and_the_rerun_succeeds(
    database_url: str, big_streams: Path
) -> None:
    assert run(database_url, "init-db").returncode == 0
    before = snapshot(database_url)
    command = [str(SCLI), "load", "-m", "stream", "-c", "csv", "-f", str(big_streams)]
    process = subprocess.Popen(
        command,
        env={"DATABASE_URL": database_url, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(2.5)
    assert process.poll() is None, "the load ended before it could be killed"
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL

    assert snapshot(database_url) == before

    rerun = run(
        database_url, "load", "-m", "stream", "-c", "csv", "-f", str(big_streams)
    )
    assert rerun.returncode == 0, rerun.stderr
    assert f"inserted {ROWS:,}, updated 0" in rerun.stdout
