"""A payload's bytes as a collector's source: media types, the size cap, the bridge."""

from collections.abc import AsyncIterator, Callable
from io import BytesIO
from typing import TypeVar

import anyio
import anyio.to_thread
import pytest

from strider_challenge.adapters.collectors import (
    CsvCollector,
    JsonCollector,
    JsonLinesCollector,
)
from strider_challenge.adapters.payloads import (
    AsyncChunks,
    LimitedStream,
    PayloadLocation,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
    media_type_of,
    payload_collector,
)
from strider_challenge.adapters.sources import UnsupportedLocationError

T = TypeVar("T")


async def chunks(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        await anyio.sleep(0)
        yield part


def in_worker(work: Callable[[], T]) -> T:
    """Run `work` in a worker thread of an event loop, as the API runs a load."""

    async def main() -> T:
        return await anyio.to_thread.run_sync(work)

    return anyio.run(main)


def test_async_chunks_hand_over_what_has_arrived_then_the_end() -> None:
    stream = AsyncChunks(chunks(b"ab", b"", b"cde", b"f"))

    reads = in_worker(lambda: [stream.read(n) for n in (2, 2, 10, 10, 10)])

    assert reads == [b"ab", b"cd", b"e", b"f", b""]


def test_async_chunks_read_everything_when_no_size_is_given() -> None:
    stream = AsyncChunks(chunks(b"id,title\n", b"1,a\n", b"2,b\n"))

    assert in_worker(lambda: (stream.read(), stream.read())) == (
        b"id,title\n1,a\n2,b\n",
        b"",
    )


def test_a_collector_reads_a_payload_streamed_through_the_bridge() -> None:
    body = AsyncChunks(chunks(b'{"a": 1}\n{"a"', b": 2}\n"))
    collector = payload_collector(
        body, content_type="application/x-ndjson", shown="PUT /v1/x/records"
    )

    records = in_worker(lambda: list(collector.records()))

    assert [(r.position, r.fields) for r in records] == [(1, {"a": 1}), (2, {"a": 2})]
    assert collector.source == "PUT /v1/x/records"
    assert len(collector.sha256) == 64


def test_a_limited_stream_refuses_to_go_past_its_limit() -> None:
    stream = LimitedStream(BytesIO(b"x" * 10), limit=(1 << 20) // 2 + 1)
    assert stream.read(4) == b"xxxx"
    capped = LimitedStream(BytesIO(b"x" * 10), limit=6)
    assert capped.read(6) == b"x" * 6

    with pytest.raises(PayloadTooLargeError, match=r"larger than the 5.72205e-06 MiB"):
        capped.read(1)
    assert capped.received == 7


def test_the_cap_is_shown_in_mib() -> None:
    assert LimitedStream(BytesIO(b"x" * 3), limit=2 << 20).read(-1) == b"xxx"
    with pytest.raises(PayloadTooLargeError) as raised:
        LimitedStream(BytesIO(b"x" * ((2 << 20) + 1)), limit=2 << 20).read(-1)
    assert "2 MiB limit (SCLI_API_MAX_BODY_MB); nothing was loaded" in str(raised.value)


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("text/csv", CsvCollector),
        ("Text/CSV; charset=utf-8", CsvCollector),
        ("application/json", JsonCollector),
        ("application/x-ndjson ; charset=UTF-8", JsonLinesCollector),
    ],
)
def test_the_media_type_names_the_collector(content_type: str, kind: type) -> None:
    collector = payload_collector(BytesIO(), content_type=content_type, shown="body")

    assert type(collector) is kind


@pytest.mark.parametrize(
    ("content_type", "shown"), [("text/plain", "text/plain"), ("  ", "(none)")]
)
def test_another_media_type_is_refused_naming_those_taken(
    content_type: str, shown: str
) -> None:
    with pytest.raises(UnsupportedMediaTypeError) as raised:
        payload_collector(BytesIO(), content_type=content_type, shown="body")

    assert str(raised.value) == (
        f"cannot load a body of type {shown}: send application/json (an array of "
        "records), application/x-ndjson (one record per line) or text/csv (with a "
        "header line)"
    )


def test_media_type_of_drops_the_parameters() -> None:
    assert media_type_of(" Application/JSON ;charset=utf-8") == "application/json"


def test_a_payload_is_one_stream_that_is_there_and_has_no_name() -> None:
    location = PayloadLocation(BytesIO(b"abc"), "PUT /v1/movie/records")

    assert location.exists()
    assert location.name == ""
    assert not location.compressed
    with location.open() as stream:
        assert stream.read(-1) == b"abc"
    with pytest.raises(UnsupportedLocationError, match="one payload, not a folder"):
        location.child("a.csv")
