"""Records sent over the network (an HTTP request's body) as the collectors' source.

The bytes go through the same collectors as a file's, as they arrive: the same blocks
of a few MiB, the same SHA-256, the same positions. Nothing holds the whole payload:
memory stays within the collectors' blocks whatever its size. The payload's media
type names its format, as a file's extension does.
"""

from collections.abc import AsyncIterator
from contextlib import ExitStack

import anyio.from_thread

from strider_challenge.adapters.collectors import COLLECTORS, FileCollector
from strider_challenge.adapters.sources import (
    ByteStream,
    Location,
    UnsupportedLocationError,
)
from strider_challenge.domain.errors import SourceError

#: The media types a payload may have, and the collector that reads each.
MEDIA_TYPES = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "text/csv": "csv",
}


class UnsupportedMediaTypeError(SourceError):
    """The payload's media type is not one of MEDIA_TYPES."""


class PayloadTooLargeError(SourceError):
    """The payload is longer than the limit it was given."""


class PayloadLocation(Location):
    """A payload's bytes, already open, as the place a collector reads from."""

    def __init__(self, stream: ByteStream, shown: str) -> None:
        super().__init__(shown)
        self._stream = stream

    @property
    def name(self) -> str:
        """No name: the media type, not an extension, says the format."""
        return ""

    def child(self, relative: str) -> Location:
        """A payload is one stream, not a folder."""
        raise UnsupportedLocationError(f"{self.shown} is one payload, not a folder")

    def exists(self) -> bool:
        """The payload is there: it is being received."""
        return True

    def _open_raw(self, stack: ExitStack) -> ByteStream:
        return self._stream


class LimitedStream:
    """A stream that refuses to go past `limit` bytes: PayloadTooLargeError."""

    def __init__(self, stream: ByteStream, limit: int) -> None:
        self._stream = stream
        self.limit = limit
        self.received = 0

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes; PayloadTooLargeError once past the limit."""
        data = self._stream.read(size)
        self.received += len(data)
        if self.received > self.limit:
            raise too_large(self.limit)
        return data


def too_large(limit: int) -> PayloadTooLargeError:
    """The error for a payload over `limit` bytes, the limit in MiB."""
    return PayloadTooLargeError(
        f"the body is larger than the {limit / (1 << 20):g} MiB limit "
        "(SCLI_API_MAX_BODY_MB); nothing was loaded"
    )


class AsyncChunks:
    """A blocking stream over an async iterator of chunks (a request's body).

    Made for a worker thread started by anyio (`anyio.to_thread.run_sync`): each
    `read` waits while the event loop receives the next chunk, so the body flows
    into the load as it arrives and is never held whole.
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self._ended = False

    async def _next(self) -> bytes | None:
        try:
            return await anext(self._chunks)
        except StopAsyncIteration:
            return None

    def read(self, size: int = -1, /) -> bytes:
        """Up to `size` bytes (all that is left if negative); empty at the end.

        It returns what has arrived as soon as there is some, as a socket does.
        """
        while not self._ended and (size < 0 or not self._pending):
            chunk = anyio.from_thread.run(self._next)
            if chunk is None:
                self._ended = True
            else:
                self._pending += chunk
        cut = len(self._pending) if size < 0 else size
        data, self._pending = self._pending[:cut], self._pending[cut:]
        return data


def media_type_of(content_type: str) -> str:
    """The media type of a Content-Type header, its parameters aside, lower case."""
    return content_type.partition(";")[0].strip().lower()


def payload_collector(
    stream: ByteStream, *, content_type: str, shown: str
) -> FileCollector:
    """The collector that reads a payload of this Content-Type.

    Args:
        stream: the payload's bytes.
        content_type: the payload's Content-Type header (parameters are ignored:
            the text is UTF-8, as `scli load` reads it by default).
        shown: how the source is named in messages and in the ledger.

    Raises:
        UnsupportedMediaTypeError: not one of MEDIA_TYPES.
    """
    kind = MEDIA_TYPES.get(media_type_of(content_type))
    if kind is None:
        raise UnsupportedMediaTypeError(
            f"cannot load a body of type {content_type.strip() or '(none)'}: send "
            "application/json (an array of records), application/x-ndjson (one "
            "record per line) or text/csv (with a header line)"
        )
    return COLLECTORS[kind](PayloadLocation(stream, shown))
