"""A real NATS server with JetStream for the consumer's tests, and a publisher.

The server listens on a free 127.0.0.1 port, keeps its store in a temporary
directory, and stops when its block ends. Without the `nats-server` binary the
tests that need it are skipped, except in CI (CI=true), where they fail.
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nats
import pytest

#: The stream and subject the tests publish to, as `scli consume` defaults name.
STREAM, SUBJECT = "STRIDER", "strider.stream"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def nats_server(store: Path) -> Iterator[str]:
    """`nats-server -js` on a free port with its store in `store`; yields its URL."""
    binary = shutil.which("nats-server")
    if binary is None:
        message = "nats-server is not installed (Debian: apt-get install nats-server)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    server = subprocess.Popen(
        [binary, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("nats-server did not start") from None
                time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=20)


def publish(url: str, payloads: Iterable[bytes], subject: str = SUBJECT) -> int:
    """Publish each payload as one message on the stream; return how many."""

    async def run() -> int:
        client = await nats.connect(url)
        js = client.jetstream()
        await js.add_stream(name=STREAM, subjects=["strider.>"])
        count = 0
        pending = []
        for payload in payloads:
            pending.append(await js.publish_async(subject, payload))
            count += 1
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        await client.close()
        return count

    return asyncio.run(run())


def as_messages(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """Each record as a JSON object's bytes."""
    return (json.dumps(record).encode() for record in records)
