"""A FIFO and a /dev/fd path are read once, hashed as they stream, like stdin."""

import hashlib
import os
import subprocess
import sys
import threading
from pathlib import Path

from tests.e2e.helpers import scli
from tests.servers import ledger, row_counts

SCLI = Path(sys.executable).with_name("scli")
MOVIES = b"title,duration_mins,original_language,size_mb\nA,90,en,700\nB,80,fr,600\n"


def test_a_fifo_is_loaded_and_hashed_as_it_streams(ready: str, tmp_path: Path) -> None:
    fifo = tmp_path / "movies.csv"
    os.mkfifo(fifo)
    writer = threading.Thread(target=fifo.write_bytes, args=(MOVIES,), daemon=True)
    writer.start()

    result = subprocess.run(
        [str(SCLI), "load", "-m", "movie", "-f", str(fifo)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": ready, "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    writer.join(timeout=10)

    assert result.returncode == 0, result.stderr
    assert "inserted 2," in result.stdout
    assert ledger(ready)[-1]["sha256"] == hashlib.sha256(MOVIES).hexdigest()


def test_a_dev_fd_path_is_read_once(ready: str) -> None:
    # What `-f <(gunzip -c movies.csv.gz)` hands over: a pipe behind /dev/fd/N.
    read, write = os.pipe()
    os.write(write, MOVIES)
    os.close(write)
    try:
        result = scli(
            ready, "load", "-m", "movie", "-c", "csv", "-f", f"/dev/fd/{read}"
        )
    finally:
        os.close(read)

    assert result.exit_code == 0, result.output
    assert row_counts(ready)["movie"] == 2
    assert ledger(ready)[-1]["sha256"] == hashlib.sha256(MOVIES).hexdigest()


def test_a_regular_file_that_cannot_be_read_is_one_line(ready: str) -> None:
    # /proc/self/mem is a regular file whose first bytes cannot be read (EIO): the
    # up-front hash gives up quietly and the load itself says why.
    result = scli(ready, "load", "-m", "movie", "-c", "csv", "-f", "/proc/self/mem")

    assert result.exit_code == 1
    assert result.stderr == (
        "scli: error: cannot read /proc/self/mem: Input/output error\n"
    )
