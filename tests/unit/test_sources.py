import errno
import ftplib
import gzip
import io
import os
import re
import sys
import zlib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from strider_challenge.adapters.sources import (
    BLOCK_SIZE,
    STDIN_SHOWN,
    Connection,
    GuardedStream,
    LocalLocation,
    ProgressGuard,
    RemoteLocation,
    StdinLocation,
    UnsupportedLocationError,
    describe,
    parse_location,
)
from strider_challenge.adapters.timeouts import DEFAULT_CONNECT, StalledError, Timeouts
from strider_challenge.domain.errors import SourceError


def read_all(location: Any) -> bytes:
    with location.open() as stream:
        return b"".join(iter(lambda: stream.read(7), b""))


class FakeFilesystem:
    """What RemoteLocation asks of an fsspec filesystem, with scripted answers."""

    def __init__(self, files: dict[str, bytes], error: Exception | None = None):
        self.files = files
        self.error = error
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def _check(self, path: str) -> None:
        if self.error is not None:
            raise self.error
        if path not in self.files:
            raise FileNotFoundError(path)

    def info(self, path: str) -> dict[str, Any]:
        self.calls.append(("info", path, {}))
        self._check(path)
        return {"name": path, "size": len(self.files[path])}

    def exists(self, path: str, **options: Any) -> bool:
        self.calls.append(("exists", path, options))
        if self.error is not None:
            raise self.error
        return path in self.files

    def open(self, path: str, mode: str, **options: Any) -> io.BytesIO:
        self.calls.append(("open", path, options))
        self._check(path)
        return io.BytesIO(self.files[path])


def remote(url: str, fs: FakeFilesystem, **environ: str) -> RemoteLocation:
    return RemoteLocation(
        urlsplit(url), environ=environ, connection=Connection(lambda: fs)
    )


@pytest.mark.parametrize(
    ("text", "kind", "shown"),
    [
        ("data/internal/movies.csv", LocalLocation, "data/internal/movies.csv"),
        ("-", StdinLocation, STDIN_SHOWN),
        ("file:///tmp/m.csv", LocalLocation, "file:///tmp/m.csv"),
        ("file://localhost/tmp/m.csv", LocalLocation, "file://localhost/tmp/m.csv"),
        (
            "ftp://u:pw@127.0.0.1:2121/v/b.json",
            RemoteLocation,
            "ftp://u:***@127.0.0.1:2121/v/b.json",
        ),  # noqa: E501
        ("ftp://127.0.0.1/v/b.json", RemoteLocation, "ftp://127.0.0.1/v/b.json"),
        ("HTTPS://x.org/a.csv?k=1", RemoteLocation, "https://x.org/a.csv?k=1"),
        ("http://u:p%40ss@x.org/a.csv", RemoteLocation, "http://u:***@x.org/a.csv"),
        (
            "s3://bucket/internal/movies.csv",
            RemoteLocation,
            "s3://bucket/internal/movies.csv",
        ),  # noqa: E501
    ],
)
def test_a_location_is_a_path_stdin_or_a_url_shown_without_password(
    text: str, kind: type, shown: str
) -> None:
    location = parse_location(text)

    assert type(location) is kind
    assert location.shown == shown
    assert repr(location) == f"{kind.__name__}({shown!r})"


def test_a_path_object_is_local_and_a_file_url_is_its_path(tmp_path: Path) -> None:
    (tmp_path / "a b.csv").write_text("title\n")
    url = f"file://{tmp_path}/a%20b.csv"

    assert parse_location(tmp_path / "a b.csv").local_path == tmp_path / "a b.csv"
    assert parse_location(url).local_path == tmp_path / "a b.csv"
    assert parse_location("ftp://h/a.csv").local_path is None


def test_only_a_regular_file_has_a_local_path_to_hash_up_front(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)

    assert parse_location(fifo).local_path is None
    assert parse_location(tmp_path / "missing.csv").local_path is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "sftp://u:secret@h/x.csv",
            "cannot read sftp://u:***@h/x.csv: unsupported scheme sftp",
        ),  # noqa: E501
        (
            "gs://bucket/x.csv",
            "unsupported scheme gs: use a path or a file://, ftp://",
        ),  # noqa: E501
        ("://x.csv", "unsupported scheme (none)"),
        ("file://server/share/x.csv", "a file:// URL names a local path"),
    ],
)
def test_an_unsupported_url_is_refused_without_its_password(
    text: str, message: str
) -> None:
    with pytest.raises(UnsupportedLocationError, match=re.escape(message)) as raised:
        parse_location(text)

    assert "secret" not in str(raised.value)


@pytest.mark.parametrize(
    ("text", "name", "compressed"),
    [
        ("data/movies.csv", "movies.csv", False),
        ("data/movies.CSV.GZ", "movies.CSV.GZ", True),
        ("ftp://h/dump/books.json.gz", "books.json.gz", True),
        ("https://h/a%20b.jsonl?sig=x.gz", "a b.jsonl", False),
        ("-", "", False),
    ],
)
def test_name_and_compression_come_from_the_last_path_segment(
    text: str, name: str, compressed: bool
) -> None:
    location = parse_location(text)

    assert (location.name, location.compressed) == (name, compressed)


def test_children_of_a_folder_keep_the_way_it_was_written(tmp_path: Path) -> None:
    assert parse_location("dump").child("vendor/a.json").shown == "dump/vendor/a.json"
    assert (
        parse_location("file:///d/").child("vendor/a.json").shown
        == "file:///d/vendor/a.json"
    )
    child = parse_location("ftp://u:pw@h:21").child("internal/m.csv")
    assert child.shown == "ftp://u:***@h:21/internal/m.csv"
    assert isinstance(child, RemoteLocation) and child.url.password == "pw"


def test_a_local_file_is_read_whole_and_a_gzip_one_decompressed(
    tmp_path: Path,
) -> None:
    (tmp_path / "m.csv").write_bytes(b"title\nA\n" * 10)
    (tmp_path / "m.csv.gz").write_bytes(gzip.compress(b"title\nB\n" * 10))
    folder = parse_location(str(tmp_path))

    assert read_all(folder.child("m.csv")) == b"title\nA\n" * 10
    assert read_all(folder.child("m.csv.gz")) == b"title\nB\n" * 10
    assert folder.child("m.csv").exists()
    assert not folder.child("absent.csv").exists()
    assert not folder.exists()  # a folder is not a file


def test_a_missing_or_unreadable_local_file_is_one_clear_line(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^cannot read .*absent.csv: No such file$"):
        read_all(LocalLocation(tmp_path / "absent.csv"))
    with pytest.raises(SourceError, match=r"^cannot read .*: Is a directory$"):
        read_all(LocalLocation(tmp_path))


def test_a_truncated_gzip_fails_after_the_bytes_it_had(tmp_path: Path) -> None:
    whole = gzip.compress(bytes(range(256)) * 4096, compresslevel=1)
    path = tmp_path / "s.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    read: list[bytes] = []

    with pytest.raises(SourceError) as raised:
        with LocalLocation(path).open() as stream:
            while chunk := stream.read(1024):
                read.append(chunk)

    assert read, "the good half streams before the error"
    assert str(raised.value) == (
        f"{path} is not a valid gzip file: Compressed file ended before the "
        "end-of-stream marker was reached"
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"title\nA\n", r"Not a gzipped file \(b'ti'\)"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage!", "corrupt data"),
    ],
)
def test_a_gz_name_on_bytes_that_are_not_gzip_is_refused(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "m.csv.gz"
    path.write_bytes(content)

    with pytest.raises(SourceError, match=f"is not a valid gzip file: {reason}"):
        read_all(LocalLocation(path))


def test_stdin_is_read_and_left_open(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(b"title\nA\n"))
    monkeypatch.setattr(sys, "stdin", stdin)
    location = parse_location("-")

    assert read_all(location) == b"title\nA\n"
    assert not stdin.closed
    assert location.exists() and location.local_path is None


def test_stdin_is_not_a_folder() -> None:
    with pytest.raises(UnsupportedLocationError, match="is not a folder"):
        StdinLocation().child("internal/movies.csv")


def test_remote_files_are_opened_on_one_shared_connection() -> None:
    fs = FakeFilesystem({"http://u:pw@h/dump/internal/m.csv": b"title\nA\n"})
    made: list[FakeFilesystem] = []

    def connect() -> FakeFilesystem:
        made.append(fs)
        return fs

    folder = RemoteLocation(
        urlsplit("http://u:pw@h/dump/"), environ={}, connection=Connection(connect)
    )

    child = folder.child("internal/m.csv")

    assert child.exists() and not folder.child("x.csv").exists()
    assert read_all(child) == b"title\nA\n"
    assert len(made) == 1
    assert [call[:2] for call in fs.calls] == [
        ("exists", "http://u:pw@h/dump/internal/m.csv"),
        ("exists", "http://u:pw@h/dump/x.csv"),
        ("open", "http://u:pw@h/dump/internal/m.csv"),
    ]


def test_http_is_streamed_and_checked_strictly() -> None:
    url = "http://u:pw@h:8080/dump/m.csv"
    fs = FakeFilesystem({url: b"title\nA\n"})
    location = remote(url, fs)

    assert location.exists()
    assert read_all(location) == b"title\nA\n"
    assert fs.calls == [
        ("exists", url, {"strict": True}),
        ("open", url, {"block_size": 0}),
    ]


def test_s3_paths_are_bucket_and_key() -> None:
    fs = FakeFilesystem({"bucket/dump/m.csv.gz": gzip.compress(b"title\nA\n")})

    assert read_all(remote("s3://bucket/dump/m.csv.gz", fs)) == b"title\nA\n"


def test_ftp_credentials_come_from_the_url_else_the_environment() -> None:
    from_url = RemoteLocation(
        urlsplit("ftp://ann:p%40ss@h:2121/d"),
        environ={"SCLI_FTP_USER": "env", "SCLI_FTP_PASSWORD": "envpw"},
    )
    from_env = RemoteLocation(
        urlsplit("ftp://h/d"),
        environ={"SCLI_FTP_USER": "env", "SCLI_FTP_PASSWORD": "envpw"},
    )
    anonymous = RemoteLocation(urlsplit("ftp://h/d"), environ={})

    assert from_url._options() == {
        "host": "h",
        "port": 2121,
        "username": "ann",
        "password": "p@ss",
        "block_size": BLOCK_SIZE,
        "timeout": DEFAULT_CONNECT,
    }
    assert from_env._options() | {"port": 0} == {
        "host": "h",
        "port": 0,
        "username": "env",
        "password": "envpw",
        "block_size": BLOCK_SIZE,
        "timeout": DEFAULT_CONNECT,
    }
    assert anonymous._options()["username"] is None
    assert anonymous._options()["password"] is None
    assert anonymous._options()["port"] == 21
    assert from_env.shown == "ftp://h/d"


def test_s3_and_http_filesystems_take_their_own_options() -> None:
    assert RemoteLocation(urlsplit("s3://b/k"), environ={})._options() == {
        "default_block_size": BLOCK_SIZE
    }
    timeout = RemoteLocation(
        urlsplit("https://h/k"), environ={}, timeouts=Timeouts(connect=4, read=9)
    )._options()["client_kwargs"]["timeout"]
    # No total: only connecting and silence are limited.
    assert (timeout.total, timeout.sock_connect, timeout.sock_read) == (None, 4, 9)


def test_an_unreachable_server_is_an_error_not_an_absent_file() -> None:
    refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
    location = remote("ftp://u:pw@h/dump/", FakeFilesystem({}, refused))

    with pytest.raises(
        SourceError, match=r"^cannot read ftp://u:\*\*\*@h/dump/m.csv: "
    ):
        location.child("m.csv").exists()
    with pytest.raises(SourceError, match="connection refused$"):
        read_all(location.child("m.csv"))


def test_a_password_quoted_by_a_library_is_masked() -> None:
    fs = FakeFilesystem({}, ValueError("bad URL http://u:hunter2@h/m.csv"))

    with pytest.raises(SourceError) as raised:
        read_all(remote("http://u:hunter2@h/m.csv", fs))

    assert (
        str(raised.value)
        == "cannot read http://u:***@h/m.csv: bad URL http://u:***@h/m.csv"
    )


class FailingStream:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def read(self, size: int = -1, /) -> bytes:
        raise self.error


def test_a_read_failing_mid_stream_is_a_source_error() -> None:
    dropped = aiohttp.ClientPayloadError("Response payload is not completed")
    stream = GuardedStream(
        FailingStream(dropped), lambda e: SourceError(f"lost: {describe(e)}")
    )

    with pytest.raises(SourceError, match="^lost: Response payload is not completed$"):
        stream.read(10)


def test_a_source_error_from_an_inner_guard_passes_the_outer_one_unchanged() -> None:
    inner = GuardedStream(FailingStream(OSError("boom")), lambda e: SourceError("in"))
    outer = GuardedStream(inner, lambda e: SourceError("out"))

    with pytest.raises(SourceError, match="^in$"):
        outer.read(1)


def _not_found_from(cause: Exception) -> FileNotFoundError:
    try:
        raise FileNotFoundError("http://h/x") from cause
    except FileNotFoundError as error:
        return error


def _response_error(status: int, message: str) -> aiohttp.ClientResponseError:
    return aiohttp.ClientResponseError(None, (), status=status, message=message)  # type: ignore[arg-type]  # noqa: E501


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (FileNotFoundError("/x"), "No such file"),
        (_not_found_from(StopIteration()), "No such file"),
        (
            _not_found_from(ConnectionRefusedError(errno.ECONNREFUSED, "x")),
            "connection refused",
        ),  # noqa: E501
        (_not_found_from(_response_error(404, "Not Found")), "No such file"),
        (_response_error(403, "Forbidden"), "HTTP 403 Forbidden"),
        (_response_error(500, ""), "HTTP 500"),
        (OSError(errno.ECONNREFUSED, "Connect call failed"), "connection refused"),
        (
            ftplib.error_perm("530 Login authentication failed"),
            "the FTP server said 530 Login authentication failed",
        ),  # noqa: E501
        (PermissionError(errno.EACCES, "Permission denied"), "Permission denied"),
        (
            zlib.error("Error -3 while decompressing data"),
            "corrupt data (Error -3 while decompressing data)",
        ),  # noqa: E501
        (ValueError("first line\nsecond line"), "first line"),
        (EOFError(), "EOFError"),
    ],
)
def test_describe_gives_the_reason_a_user_can_act_on(
    error: Exception, reason: str
) -> None:
    assert describe(error) == reason


def test_describe_uses_the_default_for_an_empty_message() -> None:
    assert describe(EOFError(), "truncated") == "truncated"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("ftp://u:p@h:21/x", "ftp://u:***@h:21/x"),
        ("ftp://u@h/x", "ftp://u@h/x"),
        ("ftp://:p@h/x", "ftp://:***@h/x"),
        ("s3://b/k", "s3://b/k"),
    ],
)
def test_a_remote_location_is_shown_without_its_password(url: str, shown: str) -> None:
    assert parse_location(url).shown == shown


class Ticking:
    """A stream whose every read takes `seconds` on the fake clock."""

    def __init__(self, parts: list[bytes], seconds: float, clock: list[float]) -> None:
        self.parts, self.seconds, self.clock = parts, seconds, clock

    def read(self, size: int = -1, /) -> bytes:
        self.clock[0] += self.seconds
        return self.parts.pop(0) if self.parts else b""


def test_the_progress_guard_counts_only_time_spent_waiting_for_bytes() -> None:
    clock = [0.0]
    limits = Timeouts(read=10)

    def guard(parts: list[bytes], seconds: float) -> ProgressGuard:
        return ProgressGuard(Ticking(parts, seconds, clock), limits, lambda: clock[0])

    steady = guard([b"x" * 2048] * 50, 3)  # 150 s in all, 2 KiB every 3 s
    assert b"".join(iter(lambda: steady.read(4096), b"")) == b"x" * 2048 * 50

    tail = guard([b"x" * 2048, b"end"], 0.1)
    assert tail.read(4096)
    clock[0] += 1000  # the database's time between reads does not count
    assert tail.read(4096) == b"end"

    trickle = guard([b"x"] * 50, 3)
    with pytest.raises(StalledError, match="less than 1,024 bytes in 10 s"):
        while trickle.read(4096):
            pass
