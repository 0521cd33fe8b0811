"""Where a source's bytes come from: a local path, standard input, or a URL.

`scli load --config` and `scli load-dump` take any of them. The remote transports are
fsspec's (FTP, HTTP and HTTPS through aiohttp, S3 through s3fs). Every location is read
as a stream, never whole; a name ending in `.gz` is decompressed on the fly; and every
failure to deliver the bytes becomes one `SourceError` line that never shows a password.
"""

import errno
import ftplib
import gzip
import os
import socket
import sys
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from http import HTTPStatus
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, cast
from urllib.parse import SplitResult, unquote, urlsplit, urlunsplit

import fsspec  # type: ignore[import-untyped]

from strider_challenge.adapters.redaction import encode_userinfo, redact
from strider_challenge.adapters.timeouts import MIN_PROGRESS, StalledError, Timeouts
from strider_challenge.domain.errors import SourceError

#: The location that reads standard input.
STDIN = "-"
#: How standard input is shown in messages and in the ledger.
STDIN_SHOWN = "<stdin>"
#: The URL schemes a location may have.
SCHEMES = ("file", "ftp", "http", "https", "s3")
#: The FTP credentials a URL may leave out, so that they stay out of shell history.
FTP_USER_ENV, FTP_PASSWORD_ENV = "SCLI_FTP_USER", "SCLI_FTP_PASSWORD"
#: Bytes fetched per request from S3 (and per read of an FTP data socket at most).
BLOCK_SIZE = 4 << 20
#: The suffix of a gzip-compressed file.
GZIP_SUFFIX = ".gz"
#: What a transport raises when it cannot reach the bytes (not a missing file).


class ByteStream(Protocol):
    """Anything with a binary `read`: a file, a socket stream, a decompressor."""

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes; empty at the end."""


class UnsupportedLocationError(SourceError):
    """The location is neither a path nor a URL with a scheme the tool reads."""


class Location(ABC):
    """A place to read one file from, or a folder of files: see `parse_location`."""

    def __init__(self, shown: str) -> None:
        self.shown = shown

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.shown!r})"

    @property
    @abstractmethod
    def name(self) -> str:
        """The last part of the path, whose extension says the format."""

    @property
    def compressed(self) -> bool:
        """Whether the bytes are gzip, to be decompressed as they are read."""
        return self.name.lower().endswith(GZIP_SUFFIX)

    @property
    def local_path(self) -> Path | None:
        """The file on this machine, when there is one (cheap to hash up front)."""
        return None

    @abstractmethod
    def child(self, relative: str) -> "Location":
        """The location of `relative` (a/b.csv) inside this folder."""

    @abstractmethod
    def exists(self) -> bool:
        """Whether there is a file here; SourceError if the place is unreachable."""

    @abstractmethod
    def _open_raw(self, stack: ExitStack) -> ByteStream:
        """The transport's stream, closed by `stack`; raises what the transport does."""

    @contextmanager
    def open(self) -> Iterator[ByteStream]:
        """The file's bytes as a stream (decompressed for `.gz`), closed on exit.

        Raises:
            SourceError: when opening, or later when reading, the bytes cannot be had
                or are not valid gzip.
        """
        with ExitStack() as stack:
            try:
                raw = self._open_raw(stack)
            except Exception as error:
                raise self._cannot_read(error) from None
            stream: ByteStream = GuardedStream(raw, self._cannot_read)
            if self.compressed:
                # GzipFile wants a seekable file only to rewind, which it never does.
                unzipped = gzip.GzipFile(fileobj=cast(Any, stream), mode="rb")
                stack.callback(unzipped.close)
                stream = GuardedStream(unzipped, self._not_gzip)
            yield stream

    def _cannot_read(self, error: Exception) -> SourceError:
        return SourceError(f"cannot read {self.shown}: {self._describe(error)}")

    def _describe(self, error: Exception) -> str:
        return describe(error)

    def _not_gzip(self, error: Exception) -> SourceError:
        return SourceError(
            f"{self.shown} is not a valid gzip file: {describe(error, 'truncated')}"
        )


class GuardedStream:
    """A stream whose read errors become the SourceError `convert` makes of them.

    Transport libraries raise many kinds of errors (socket, ftplib, aiohttp, botocore,
    gzip, zlib); each means the same to the user: these bytes cannot be had.
    """

    def __init__(
        self, stream: ByteStream, convert: Callable[[Exception], SourceError]
    ) -> None:
        self._stream = stream
        self._convert = convert

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes of the wrapped stream."""
        try:
            return self._stream.read(size)
        except SourceError:
            raise
        except Exception as error:
            raise self._convert(error) from None


class LocalLocation(Location):
    """A file or folder on this machine, given as a path or a file:// URL."""

    def __init__(self, path: Path, shown: str | None = None) -> None:
        super().__init__(str(path) if shown is None else shown)
        self.path = path

    @property
    def name(self) -> str:
        """The file's name."""
        return self.path.name

    @property
    def local_path(self) -> Path | None:
        """The path, when it is a regular file.

        A pipe, a FIFO or a device (`-f <(gunzip -c x)`, /dev/fd/N) can be read only
        once: it is hashed as it streams, like standard input.
        """
        return self.path if self.path.is_file() else None

    def child(self, relative: str) -> "LocalLocation":
        """The path of `relative` under this folder, shown the way the folder was."""
        return LocalLocation(self.path / relative, _joined(self.shown, relative))

    def exists(self) -> bool:
        """Whether the path is a file."""
        return self.path.is_file()

    def _open_raw(self, stack: ExitStack) -> ByteStream:
        return stack.enter_context(self.path.open("rb"))


class StdinLocation(Location):
    """Standard input, `-`: read as sent (decompress it before the pipe)."""

    def __init__(self) -> None:
        super().__init__(STDIN_SHOWN)

    @property
    def name(self) -> str:
        """No name, hence no extension: the collector must be named."""
        return ""

    def child(self, relative: str) -> Location:
        """Standard input is one stream, not a folder."""
        raise UnsupportedLocationError(f"{STDIN} (standard input) is not a folder")

    def exists(self) -> bool:
        """Standard input is always there."""
        return True

    def _open_raw(self, stack: ExitStack) -> ByteStream:
        # Not closed: standard input belongs to the process, not to this load.
        stream: ByteStream = sys.stdin.buffer
        return stream


class Connection:
    """An fsspec filesystem, made on first use and shared by a folder's files."""

    def __init__(self, factory: Callable[[], Any]) -> None:
        self._factory = factory
        self._filesystem: Any = None

    def filesystem(self) -> Any:
        """Make the filesystem the first time (an FTP login), then hand it back."""
        if self._filesystem is None:
            self._filesystem = self._factory()
        return self._filesystem


class RemoteLocation(Location):
    """A file or folder behind an ftp://, http://, https:// or s3:// URL."""

    def __init__(
        self,
        url: SplitResult,
        *,
        environ: Mapping[str, str],
        connection: Connection | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        super().__init__(redact(urlunsplit(url), environ=environ))
        self.url = url
        self.timeouts = timeouts or Timeouts()
        self.scheme = url.scheme.lower()
        self._environ = environ
        self._password = url.password and unquote(url.password)
        if self.scheme == "ftp" and self._password is None:
            self._password = environ.get(FTP_PASSWORD_ENV) or None
        self.connection = connection or Connection(self._new_filesystem)

    @property
    def name(self) -> str:
        """The last segment of the URL's path (its query aside)."""
        return PurePosixPath(unquote(self.url.path)).name

    def child(self, relative: str) -> "RemoteLocation":
        """The URL of `relative` under this folder, on the same connection."""
        path = self.url.path.rstrip("/") + "/" + relative
        return RemoteLocation(
            self.url._replace(path=path),
            environ=self._environ,
            connection=self.connection,
            timeouts=self.timeouts,
        )

    def exists(self) -> bool:
        """Whether the server has a file here; an unreachable server is an error."""
        try:
            filesystem = self.connection.filesystem()
            if self.scheme in ("http", "https"):
                # fsspec's HTTP info() reports any failure as not found; exists() not.
                return bool(filesystem.exists(self._path(), strict=True))
            filesystem.info(self._path())
        except FileNotFoundError:
            return False
        except Exception as error:
            raise self._cannot_read(error) from None
        return True

    def _open_raw(self, stack: ExitStack) -> ByteStream:
        filesystem = self.connection.filesystem()
        stream: ByteStream
        if self.scheme == "ftp":
            stream = FtpDownload(filesystem, self._path())
            stack.callback(stream.close)
        else:
            options = {"block_size": 0} if self.scheme in ("http", "https") else {}
            stream = stack.enter_context(filesystem.open(self._path(), "rb", **options))
        if self.scheme == "s3":
            return stream
        return ProgressGuard(stream, self.timeouts)

    def _new_filesystem(self) -> Any:
        # A fresh instance: fsspec's cache could hand back one built for another
        # server, or before the environment changed.
        try:
            filesystem = fsspec.filesystem(
                self.scheme, skip_instance_cache=True, **self._options()
            )
        except TimeoutError:
            raise StalledError(self.timeouts.no_connection()) from None
        if self.scheme == "ftp":
            # Logged in: from now on the socket waits up to the idle-read timeout.
            filesystem.ftp.timeout = self.timeouts.read
            filesystem.ftp.sock.settimeout(self.timeouts.read)
        return filesystem

    def _options(self) -> dict[str, Any]:
        if self.scheme == "ftp":
            username = self.url.username and unquote(self.url.username)
            return {
                "host": self.url.hostname,
                "port": self.url.port or ftplib.FTP_PORT,
                "username": username or self._environ.get(FTP_USER_ENV) or None,
                "password": self._password,
                "block_size": BLOCK_SIZE,
                "timeout": self.timeouts.connect,
            }
        if self.scheme == "s3":
            return {"default_block_size": BLOCK_SIZE}
        import aiohttp  # here, not at the top: importing it costs every command 0.2 s

        # No total: a transfer that still moves may take all night.
        timeout = aiohttp.ClientTimeout(
            total=None,
            connect=None,
            sock_connect=self.timeouts.connect,
            sock_read=self.timeouts.read,
        )
        return {"client_kwargs": {"timeout": timeout}}

    def _path(self) -> str:
        if self.scheme == "ftp":
            return unquote(self.url.path) or "/"
        if self.scheme == "s3":
            return self.url.netloc + self.url.path
        return urlunsplit(self.url)

    def _cannot_read(self, error: Exception) -> SourceError:
        return SourceError(self._hidden(str(super()._cannot_read(error))))

    def _describe(self, error: Exception) -> str:
        return describe(error, timeouts=self.timeouts)

    def _not_gzip(self, error: Exception) -> SourceError:
        return SourceError(self._hidden(str(super()._not_gzip(error))))

    def _hidden(self, message: str) -> str:
        """The message with the password masked, should a library have quoted it."""
        return redact(message, secrets=[self._password], environ=self._environ)


def parse_location(
    text: str | Path,
    *,
    environ: Mapping[str, str] | None = None,
    timeouts: Timeouts | None = None,
) -> Location:
    """The location a user typed: a path, `-` for standard input, or a URL.

    Args:
        text: what the user typed (a Path is taken as a local path).
        environ: where FTP credentials missing from a URL are looked up
            (SCLI_FTP_USER, SCLI_FTP_PASSWORD), and SCLI_SECRET_PARAMS; default:
            the process environment.
        timeouts: a remote location's connect and idle-read timeouts.

    Raises:
        UnsupportedLocationError: a URL whose scheme the tool does not read.
    """
    if isinstance(text, Path):
        return LocalLocation(text)
    if text == STDIN:
        return StdinLocation()
    if "://" not in text:
        return LocalLocation(Path(text))
    try:
        url = urlsplit(encode_userinfo(text))
        url.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError as error:
        raise UnsupportedLocationError(
            f"cannot read {redact(text)}: not a valid URL ({error})"
        ) from None
    scheme = url.scheme.lower()
    if scheme not in SCHEMES:
        raise UnsupportedLocationError(
            f"cannot read {redact(urlunsplit(url))}: unsupported scheme "
            f"{scheme or '(none)'}: use a path or a "
            f"{', '.join(s + '://' for s in SCHEMES[:-1])} or {SCHEMES[-1]}:// URL"
        )
    if scheme == "file":
        if url.netloc not in ("", "localhost"):
            raise UnsupportedLocationError(
                f"cannot read {redact(text)}: a file:// URL names a local path, as in "
                "file:///data/movies.csv"
            )
        return LocalLocation(Path(unquote(url.path)), redact(text))
    return RemoteLocation(
        url, environ=os.environ if environ is None else environ, timeouts=timeouts
    )


class FtpDownload:
    """A file's bytes straight off an FTP data connection, as they arrive.

    fsspec's FTP file fetches whole blocks: a server that trickles would keep one
    read waiting for hours. Here every read returns what the socket has, so that
    `ProgressGuard` sees the trickle.
    """

    def __init__(self, filesystem: Any, path: str) -> None:
        filesystem.info(path)  # a missing file is FileNotFoundError, as elsewhere
        self._ftp: ftplib.FTP = filesystem.ftp
        self._ftp.voidcmd("TYPE I")
        self._socket: socket.socket = self._ftp.transfercmd(f"RETR {path}")

    def read(self, size: int = -1, /) -> bytes:
        """What the data connection has, up to `size` bytes; empty at the end."""
        return self._socket.recv(size if size > 0 else BLOCK_SIZE)

    def close(self) -> None:
        """Close the data connection and read the server's word on the transfer."""
        self._socket.close()
        try:
            self._ftp.voidresp()
        except ftplib.all_errors:
            pass  # a transfer cut short is answered 426: the read already failed


class ProgressGuard:
    """A stream that fails when it delivers too little for too long.

    Only the time spent waiting in the transport counts, not the time the load
    spends between reads: a slow database never makes a source look stalled.
    """

    def __init__(
        self,
        stream: ByteStream,
        timeouts: Timeouts,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._timeouts = timeouts
        self._clock = clock
        self._waited = 0.0
        self._delivered = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes; StalledError after a trickle of `read` seconds."""
        started = self._clock()
        data = self._stream.read(size)
        self._waited += self._clock() - started
        self._delivered += len(data)
        if self._delivered >= MIN_PROGRESS or not data:
            self._waited, self._delivered = 0.0, 0
        elif self._waited > self._timeouts.read:
            raise StalledError(self._timeouts.no_progress())
        return data


def describe(
    error: BaseException,
    default: str | None = None,
    *,
    timeouts: Timeouts | None = None,
) -> str:
    """A short reason for a transport error, as the user should read it.

    Args:
        error: what the transport raised.
        default: the reason when the error has no message.
        timeouts: the timeouts in force, to name the one that ended a transfer.
    """
    import aiohttp  # here, not at the top: importing it costs every command 0.2 s

    transport_errors = (
        ConnectionError,
        TimeoutError,
        aiohttp.ClientError,
        ftplib.Error,
    )
    cause = error.__cause__
    if isinstance(error, FileNotFoundError):
        # fsspec's HTTP reports any failure to stat a URL as not found, from the cause.
        if isinstance(cause, transport_errors):
            return describe(cause, default, timeouts=timeouts)
        return "No such file"
    if isinstance(error, StalledError):
        return str(error)
    if isinstance(error, TimeoutError) and timeouts is not None:
        # fsspec wraps aiohttp's timeouts in its own FSTimeoutError.
        if any(isinstance(e, aiohttp.ConnectionTimeoutError) for e in (error, cause)):
            return timeouts.no_connection()
        return timeouts.no_progress()
    if isinstance(error, aiohttp.ClientResponseError):
        if error.status == HTTPStatus.NOT_FOUND:
            return "No such file"
        return f"HTTP {error.status} {error.message}".strip()
    if getattr(error, "errno", None) == errno.ECONNREFUSED:
        return "connection refused"
    if isinstance(error, ftplib.Error):
        return f"the FTP server said {str(error).strip()}"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    if isinstance(error, zlib.error):
        return f"corrupt data ({error})"
    text = str(error).strip()
    return text.splitlines()[0] if text else default or type(error).__name__


def _joined(shown: str, relative: str) -> str:
    if "://" in shown:
        return shown.rstrip("/") + "/" + relative
    return str(Path(shown) / relative)
