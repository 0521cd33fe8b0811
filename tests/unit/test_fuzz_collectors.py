"""Fuzzed bytes into each collector: records, or one clean error, never a crash.

Raise SCLI_PROPERTY_EXAMPLES to try more inputs (e.g. 2000 before a release).
"""

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strider_challenge.adapters.collectors import COLLECTORS
from strider_challenge.domain.errors import LoadError

SETTINGS = settings(
    max_examples=int(os.environ.get("SCLI_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

#: Bytes that steer a reader into its corners: quotes, separators, brackets, line
#: ends, a byte order mark, bytes that are not UTF-8, a NUL.
PIECES = [
    b'"',
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"[",
    b"]",
    b"{",
    b"}",
    b":",
    b"\\",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"null",
    b"1e999",
    b"title",
    b'"title"',
    b"a",
    b" ",
    b"\t",
]
HEADERS = {
    "csv": b"title,duration_mins,original_language,size_mb\n",
    "json": b"[",
    "jsonl": b"",
}
fuzzed = st.one_of(
    st.binary(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=60).map(b"".join),
)


def read_all(collector_name: str, data: bytes) -> int:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz.{collector_name}"
        path.write_bytes(data)
        collector = COLLECTORS[collector_name](path)
        count = 0
        for batch in collector.batches():
            count += len(batch.records())
        assert len(collector.sha256) == 64
        return count


@pytest.mark.parametrize("collector_name", list(COLLECTORS))
@SETTINGS
@given(data=fuzzed, headed=st.booleans())
def test_any_bytes_give_records_or_one_clean_error(
    collector_name: str, data: bytes, headed: bool
) -> None:
    if headed:
        data = HEADERS[collector_name] + data
    try:
        count = read_all(collector_name, data)
    except LoadError as error:
        message = str(error)
        assert message and "\n" not in message
        assert "Traceback" not in message
    else:
        assert count >= 0
