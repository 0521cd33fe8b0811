"""Real servers for the source tests, and the dumps they serve.

The servers listen on 127.0.0.1 on free ports and stop when their block ends.
"""

import gzip
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import (
    BaseHTTPRequestHandler,
    SimpleHTTPRequestHandler,
    ThreadingHTTPServer,
)
from pathlib import Path
from typing import Any

import httpx2
from pyftpdlib.authorizers import DummyAuthorizer  # type: ignore[import-untyped]
from pyftpdlib.handlers import (  # type: ignore[import-untyped]
    DTPHandler,
    FTPHandler,
)
from pyftpdlib.servers import FTPServer  # type: ignore[import-untyped]

from strider_challenge.generator import write_dump
from strider_challenge.service_layer.dumps import DUMP_FILES
from tests.e2e.helpers import scli, snapshot

#: The FTP account the tests log in with.
FTP_USER, FTP_PASSWORD = "vendor", "s3cret-Pa55"

# A handler of our own stops pyftpdlib from configuring logging to stderr itself.
logging.getLogger("pyftpdlib").addHandler(logging.NullHandler())
logging.getLogger("pyftpdlib").setLevel(logging.WARNING)


class _PacedDTPHandler(DTPHandler):  # type: ignore[misc]
    """Sends a file `chunk` bytes at a time, `pause` seconds apart."""

    chunk = 1
    pause = 0.0

    def send(self, data: bytes) -> int:
        time.sleep(self.pause)
        sent: int = super().send(data[: self.chunk])
        return sent


@contextmanager
def ftp_server(
    root: Path, pace: tuple[int, float] | None = None, password: str = FTP_PASSWORD
) -> Iterator[int]:
    """An FTP server with one read-only account on `root`; yields its port.

    Args:
        root: the folder served.
        password: the account's password (FTP_USER's).
        pace: (bytes, seconds): files are sent that many bytes at a time, that many
            seconds apart (a slow link, or a server that trickles).
    """
    authorizer = DummyAuthorizer()
    authorizer.add_user(FTP_USER, password, str(root), perm="elr")
    # No pause after a failed login: the wrong-password test needs no wait.
    options: dict[str, Any] = {"authorizer": authorizer, "auth_failed_timeout": 0}
    if pace is not None:
        chunk, pause = pace
        options["dtp_handler"] = type(
            "Paced", (_PacedDTPHandler,), {"chunk": chunk, "pause": pause}
        )
        options["use_sendfile"] = False  # sendfile() would bypass send()
    handler = type("Handler", (FTPHandler,), options)
    server = FTPServer(("127.0.0.1", 0), handler)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            server.ioloop.loop(0.05, blocking=False)
        server.close_all()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.socket.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=10)


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output clean."""


@contextmanager
def http_server(root: Path) -> Iterator[int]:
    """A static HTTP server of `root` (no Range support, as simple as they come)."""
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def paced_http_server(body: bytes, chunk: int, pause: float) -> Iterator[int]:
    """An HTTP server that sends `body` (any path) `chunk` bytes every `pause` s."""

    class Paced(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for start in range(0, len(body), chunk):
                    time.sleep(pause)
                    self.wfile.write(body[start : start + chunk])
                    self.wfile.flush()
            except ConnectionError:
                pass  # the client gave up, as it should

        def log_message(self, format: str, *args: Any) -> None:
            """Keep the test output clean."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Paced)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@contextmanager
def silent_server() -> Iterator[int]:
    """A TCP port that accepts connections and never says a word; yields it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.05)
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=10)
        for connection in accepted:
            connection.close()
        listener.close()


@contextmanager
def unanswered_port() -> Iterator[int]:
    """A port whose connections never complete: its listen queue is full.

    Linux drops the handshake of a connection its full queue cannot take, so the
    client waits as it would for a host that has gone away.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    filler = socket.create_connection(("127.0.0.1", port))
    try:
        yield port
    finally:
        filler.close()
        listener.close()


@contextmanager
def s3_server() -> Iterator[str]:
    """An S3 endpoint (moto in server mode); yields its URL. Credentials are fake."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def upload_to_s3(root: Path, bucket: str) -> None:
    """Create `bucket` and copy every file under `root` into it, same keys."""
    import boto3  # type: ignore[import-untyped]

    client = boto3.client("s3")
    client.create_bucket(Bucket=bucket)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, path.relative_to(root).as_posix())


def closed_port() -> int:
    """A port nothing listens on: connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def s3_environment(endpoint: str) -> dict[str, str]:
    """The variables that point boto at moto with fake credentials."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


#: The sizes of the dumps the tests generate: small, yet every model has records.
SMALL_DUMP = {
    "movies": 8,
    "users": 20,
    "streams": 60,
    "authors": 10,
    "books": 8,
    "reviews": 12,
}


def make_dump(root: Path, *, gzipped: bool = False, **sizes: int) -> dict[str, int]:
    """Write a generated dump under `root` (each file gzipped instead, if asked)."""
    counts = write_dump(root, **(SMALL_DUMP | sizes))
    if gzipped:
        for _, name in DUMP_FILES:
            gzip_file(root / name)
    return counts


def gzip_file(path: Path) -> Path:
    """Replace `path` by `path.gz`, compressed."""
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as source, gzip.open(target, "wb") as compressed:
        shutil.copyfileobj(source, compressed)
    path.unlink()
    return target


def ledger(database_url: str, status: str = "succeeded") -> list[dict[str, Any]]:
    """The loads with `status`, oldest first, as `scli runs --format json` has them."""
    result = scli(
        database_url, "runs", "--format", "json", "--limit", "1000", "--status", status
    )
    assert result.exit_code == 0, result.output
    runs: list[dict[str, Any]] = json.loads(result.stdout)
    return runs[::-1]


#: The tables a dump fills, one per model.
MODEL_TABLES = frozenset(model for model, _ in DUMP_FILES)


def row_counts(database_url: str) -> dict[str, int]:
    """How many rows each model's table holds."""
    tables = snapshot(database_url, MODEL_TABLES)
    return {table: len(rows) for table, rows in tables.items()}


def loaded(database_url: str) -> list[tuple[Any, ...]]:
    """What each load read and wrote, and the digest of what it read, in order."""
    fields = ("model", "status", "rows_read", "inserted", "rejected", "sha256")
    return [tuple(run[f] for f in fields) for run in ledger(database_url)]


#: The token the tests' API servers are started with.
API_TOKEN = "t0ken-for-tests"


def free_port() -> int:
    """A port for a server to listen on: nothing does now."""
    return closed_port()


@contextmanager
def api_server(database_url: str, **environ: str) -> Iterator[str]:
    """`scli serve` in its own process on a free port; yields its base URL.

    SIGTERM stops it at the end of the block: it must finish gracefully, then end
    by that signal, as uvicorn does.
    """
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("scli")), "serve", "--port", str(port)],
        env={
            "DATABASE_URL": database_url,
            "SCLI_API_TOKEN": API_TOKEN,
            "PATH": "/usr/bin:/bin",
            **environ,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                httpx2.get(f"{base}/healthz", timeout=5)
                break
            except httpx2.TransportError:
                assert time.monotonic() < deadline, "scli serve did not start"
                time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == -signal.SIGTERM, output
    assert "Application shutdown complete." in output, output
