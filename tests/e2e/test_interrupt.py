"""Ctrl-C in the middle of a load: one line, nothing kept, exit code 130."""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from typer.testing import CliRunner

from strider_challenge.entrypoints.cli import app
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


def test_sigint_while_the_source_streams_is_one_line_in_process(
    ready: str, tmp_path: Path
) -> None:
    # SIGINT lands in the read of a FIFO that has sent more than a block and then
    # waits: on PostgreSQL, in the middle of the COPY, which must not report it as
    # a failed COPY.
    before = snapshot(ready)
    fifo = tmp_path / "movies.csv"
    os.mkfifo(fifo)
    done = threading.Event()
    main = threading.get_ident()

    def write_then_interrupt() -> None:
        with fifo.open("wb") as pipe:
            try:
                pipe.write(b"title,duration_mins,original_language,size_mb\n" + ROWS)
                pipe.flush()
                time.sleep(1)
                signal.pthread_kill(main, signal.SIGINT)
                done.wait(timeout=30)
            except BrokenPipeError:
                pass  # the load was interrupted and closed its end

    writer = threading.Thread(target=write_then_interrupt, daemon=True)
    writer.start()
    try:
        result = CliRunner().invoke(
            app, ["load", "-m", "movie", "-f", str(fifo)], env={"DATABASE_URL": ready}
        )
    finally:
        done.set()
        writer.join(timeout=30)

    assert result.exit_code == 130, result.output
    assert result.stderr == "scli: interrupted: the load in progress was rolled back\n"
    assert snapshot(ready) == before
