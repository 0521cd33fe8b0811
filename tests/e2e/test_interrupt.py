"""Ctrl-C in the middle of a load: one line, nothing kept, exit code 130."""

import signal
import subprocess
import time

from tests.e2e.helpers import snapshot
from tests.e2e.test_subprocess import SCLI

#: More than the collector's first read (4 MiB), so that the load is under way.
ROWS = b"".join(
    f"Movie {i},{90 + i % 60},en,{700 + i}\n".encode() for i in range(300_000)
)


def test_ctrl_c_mid_load_rolls_back_and_says_interrupted(ready: str) -> None:
    before = snapshot(ready)
    process = subprocess.Popen(
        [str(SCLI), "load", "-m", "movie", "-c", "csv", "-f", "-"],
        env={"DATABASE_URL": ready, "PATH": "/usr/bin:/bin"},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdin is not None
    process.stdin.write(b"title,duration_mins,original_language,size_mb\n" + ROWS)
    process.stdin.flush()
    time.sleep(3)  # the first block is staged (on PostgreSQL, inside the COPY)
    assert process.poll() is None, "the load ended before it could be interrupted"

    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)

    assert process.returncode == 130
    assert err.decode() == "scli: interrupted: the load in progress was rolled back\n"
    assert out == b""
    assert snapshot(ready) == before
