"""Collectors read a source lazily and hand its records over batch by batch.

Memory does not grow with the file: CSV and JSON Lines are read in blocks of a few
MiB that end where a record ends, JSON arrays are parsed incrementally, from any
location `sources` opens (a path, standard input, FTP, HTTP, S3; `.gz` decompressed
on the fly). Every byte read goes through a SHA-256 so that the ledger can recognise
a source it has already loaded; for a `.gz` file it is the digest of the decompressed
bytes, so the same file loads once whether it was sent compressed or not.

A batch can be read two ways. `records()` yields one `SourceRecord` per record, as
the standard library parses it (`csv`, `json`): the row path. `columnar(schema)`
gives the same records column by column, parsed by Arrow, when that is exact for the
block (UTF-8, one record per line, no blank line, no field over the limit); None
otherwise, and the block takes the row path. Either way, a record that cannot be
read (the wrong number of fields, bytes that are not valid in the encoding, a field
over the limit, a line that is not JSON) becomes a record with a `problem`, which
the load rejects with its position while the rest loads.
"""

import codecs
import csv
import hashlib
import io
import json
import re
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path, PurePosixPath
from typing import IO, Any, NamedTuple, Protocol

import ijson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from strider_challenge.adapters.sources import (
    GZIP_SUFFIX,
    STDIN,
    ByteStream,
    Location,
    StdinLocation,
    UnsupportedLocationError,
    parse_location,
)
from strider_challenge.adapters.timeouts import Timeouts
from strider_challenge.domain.errors import ShapeError, SourceError
from strider_challenge.domain.messages import Message

#: Bytes read from the source at a time; a block ends at the last record inside.
BLOCK_SIZE = 1 << 20

#: Records of a JSON array handed over at a time.
RECORDS_PER_BATCH = 10_000

#: The longest CSV field accepted by default, in characters (as Python's csv module).
FIELD_LIMIT = 131_072

#: The key under which a CSV row's values beyond the header's width are kept.
EXTRA_FIELDS = "_extra"

#: The encoding read unless told otherwise.
UTF8 = "utf-8"

# Fields are held to `field_limit` by the reader itself, with a message that says
# so; Python's csv module must not stop first at its own, process-wide, limit.
csv.field_size_limit(1 << 30)

#: Byte order marks of encodings that are not UTF-8, to say so rather than fail oddly.
_FOREIGN_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)

#: The most a block may grow to while a quoted field stays open; past it the block
#: is cut at its last newline all the same (the row path then rejects the record).
MAX_BLOCK = 64 << 20

#: The first character of a line that is not white space and does not open an object.
_NOT_AN_OBJECT = re.compile(rb"(?:^|\n)[ \t\r\f\v]*[^{ \t\r\f\v\n]")

#: A line that holds nothing, or only white space, ended by a newline.
_BLANK_LINE = re.compile(rb"(?:^|\n)[ \t\r\f\v]*\n")


class SourceRecord(NamedTuple):
    """One record of a source and where it stands in it.

    Args:
        position: the CSV or JSON Lines line number where the record starts, or the
            JSON array index.
        fields: the record as parsed, not yet validated.
        problem: why the record is unusable before validation (e.g. a CSV row with
            more fields than the header), or None.
    """

    position: int
    fields: dict[str, Any]
    problem: str | None = None

    def raw_text(self) -> str:
        """The record as JSON text, for the rejects report."""
        return json.dumps(self.fields, default=str, ensure_ascii=False)


@dataclass(frozen=True)
class Columnar:
    """Records read column by column, and those of the batch that could not be.

    Args:
        table: one column per field, raw (text for CSV, JSON's types for JSON Lines).
        positions: each row's position in the source.
        records_at: the rows at these indices, as records for the row path.
        rest: records of the batch that are not in `table`.
    """

    table: pa.Table
    positions: pa.Array
    records_at: Callable[[Sequence[int]], list[SourceRecord]]
    rest: list[SourceRecord] = field(default_factory=list)


class RawBatch(ABC):
    """A batch of a source's records, not yet validated."""

    @abstractmethod
    def fields(self) -> list[str]:
        """The field names the records carry (a CSV header, a first object's keys)."""

    @abstractmethod
    def records(self) -> list[SourceRecord]:
        """Every record of the batch, one by one, in order."""

    def columnar(self, schema: pa.Schema) -> Columnar | None:
        """The records column by column (fields typed as `schema` says), or None."""
        return None


class Records(RawBatch):
    """A batch of records already parsed one by one."""

    def __init__(self, records: list[SourceRecord]) -> None:
        self._records = records

    def fields(self) -> list[str]:
        """The keys of the first record."""
        return list(self._records[0].fields) if self._records else []

    def records(self) -> list[SourceRecord]:
        """The records."""
        return self._records


class Collector(Protocol):
    """A source of records."""

    @property
    def source(self) -> str:
        """Where the records come from, as shown to the user and in the ledger."""

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes read so far: of the whole source once exhausted."""

    @property
    def position_unit(self) -> str:
        """What a record's position counts: `line` or `index`."""

    def batches(self) -> Iterator[RawBatch]:
        """Yield the source's records, batch by batch, in order."""

    def sha256_upfront(self) -> str | None:
        """The digest of the whole source if it can be had before loading, else None."""


class UnknownFormatError(SourceError):
    """No collector was named and the location's name does not imply one."""


class _HashingReader(io.RawIOBase):
    """A read-only binary stream that hashes what passes through it."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        self.digest.update(data)
        buffer[: len(data)] = data
        return len(data)


class FileCollector(ABC):
    """Shared plumbing of the file collectors: opening, hashing, clear errors.

    Args:
        location: where the file is.
        encoding: the file's text encoding (`utf-8` by default; `latin-1`,
            `cp1252`, `utf-16`, ...: any Python codec).
    """

    #: What a record's position counts, for the rejects report.
    position_unit = "line"

    def __init__(self, location: Location | Path | str, encoding: str = UTF8) -> None:
        self.location = (
            location if isinstance(location, Location) else parse_location(location)
        )
        self.encoding = codecs.lookup(encoding).name
        self._hashing: _HashingReader | None = None

    @property
    def source(self) -> str:
        """The location as given, without a password."""
        return self.location.shown

    @property
    def sha256(self) -> str:
        """The hex digest of the (decompressed) bytes read so far."""
        digest = self._hashing.digest if self._hashing else hashlib.sha256()
        return digest.hexdigest()

    @abstractmethod
    def batches(self) -> Iterator[RawBatch]:
        """Yield the file's records, batch by batch, in order."""

    def records(self) -> Iterator[SourceRecord]:
        """Yield the file's records one by one (the row path's view of the file)."""
        for batch in self.batches():
            yield from batch.records()

    def sha256_upfront(self) -> str | None:
        """Hash a local, uncompressed file before loading it; else None.

        Other sources are hashed as they stream: reading them twice would cost a
        second download or a second decompression (and standard input cannot be).
        """
        path = self.location.local_path
        if path is None or self.location.compressed:
            return None
        try:
            with path.open("rb") as file:
                return hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return None  # reported clearly when the load opens the file

    @contextmanager
    def _open(self) -> Iterator[io.BufferedReader]:
        with self.location.open() as stream:
            self._hashing = _HashingReader(stream)
            binary: io.BufferedReader = io.BufferedReader(
                self._hashing, buffer_size=1 << 20
            )
            with binary:
                yield binary

    def _utf8_chunks(self, binary: IO[bytes]) -> Iterator[bytes]:
        """The file's bytes in chunks, as UTF-8 (transcoded from its encoding).

        A byte order mark is dropped. Bytes that are not valid in the encoding are
        kept as they are, to be found and rejected record by record.
        """
        chunk = binary.read(BLOCK_SIZE)
        if self.encoding == UTF8:
            for mark, name in _FOREIGN_BOMS:
                if chunk.startswith(mark):
                    raise SourceError(
                        f"{self.source} is not UTF-8: it starts with a {name} byte "
                        f"order mark (use --encoding {name.lower()})"
                    )
            if chunk.startswith(codecs.BOM_UTF8):
                chunk = chunk[len(codecs.BOM_UTF8) :]
            while chunk:
                yield chunk
                chunk = binary.read(BLOCK_SIZE)
            return
        decoder = codecs.getincrementaldecoder(self.encoding)("surrogateescape")
        first = True
        while chunk:
            text = decoder.decode(chunk)
            if first:
                text, first = text.removeprefix("\ufeff"), False
            yield text.encode(UTF8, "surrogateescape")
            chunk = binary.read(BLOCK_SIZE)
        yield decoder.decode(b"", final=True).encode(UTF8, "surrogateescape")


def _lines_of(
    chunks: Iterator[bytes], complete: Callable[[bytes, int], bool]
) -> Iterator[bytes]:
    """Blocks of whole lines, each cut at its last newline where `complete` holds.

    A chunk whose last newline is not a place to cut (inside a quoted field) waits
    for the next one, up to MAX_BLOCK. The last block is what is left at the end,
    newline or not.
    """
    pending = b""
    for chunk in chunks:
        data = pending + chunk
        cut = data.rfind(b"\n") + 1
        if cut and (complete(data, cut) or len(data) > MAX_BLOCK):
            yield data[:cut]
            pending = data[cut:]
        else:
            pending = data
    if pending:
        yield pending


def _utf8(data: bytes) -> bool:
    """Whether the bytes are valid UTF-8 (Arrow's readers do not all check)."""
    if data.isascii():
        return True
    try:
        data.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True


def _has_blank_line(data: bytes) -> bool:
    """Whether a line holds only white space (JSON Lines skips those)."""
    if _BLANK_LINE.search(data):
        return True
    last = data[data.rfind(b"\n") + 1 :]
    return bool(last) and not last.strip()


def _plain_lines(data: bytes) -> bool:
    """Whether every line is a record: none empty, no carriage return but in CRLF.

    Python's csv and Arrow both skip empty lines and both end a line at a lone
    carriage return; a block without either maps rows to lines one to one.
    """
    if data.startswith(b"\n") or b"\n\n" in data:
        return False
    if b"\r" not in data:
        return True
    crlf = data.count(b"\r\n")
    return (
        data.count(b"\r") == crlf
        and not data.startswith(b"\r\n")
        and (b"\n\r\n" not in data)
    )


def _escaped(text: str) -> str:
    r"""Text decoded with `surrogateescape`, its undecodable bytes shown as \\xNN."""
    return text.encode(UTF8, "surrogateescape").decode(UTF8, "backslashreplace")


def _undecodable(text: str) -> bool:
    """Whether text decoded with `surrogateescape` had bytes that did not decode."""
    return any("\udc80" <= char <= "\udcff" for char in text)


class CsvCollector(FileCollector):
    """Rows of a CSV file with a header line, as dicts keyed by the header.

    Args:
        field_limit: the longest field accepted, in characters; a record with a
            longer one is rejected (the rest loads).
    """

    def __init__(
        self,
        location: Location | Path | str,
        encoding: str = UTF8,
        field_limit: int = FIELD_LIMIT,
    ) -> None:
        super().__init__(location, encoding)
        self.field_limit = field_limit

    def batches(self) -> Iterator["CsvBlock"]:
        """Yield the file's data lines in blocks that end where a record ends."""
        with self._open() as binary:
            blocks = _lines_of(self._utf8_chunks(binary), _quotes_closed)
            header, line, first = self._header(blocks)
            for data in chain(_handed_over(first), blocks):
                block = CsvBlock(header, data, line, self.field_limit, self.encoding)
                yield block
                line += block.newlines

    def _header(self, blocks: Iterator[bytes]) -> tuple[list[str], int, list[bytes]]:
        """The header, the line after it, and the rest of the first block (if any)."""
        data = next(blocks, b"")
        end = _record_end(data)
        text = data[:end].decode(UTF8, "surrogateescape")
        if _undecodable(text):
            raise SourceError(
                f"{self.source}: its header line is not valid {self.encoding} "
                "(use --encoding to name the file's encoding)"
            )
        try:
            header = next(csv.reader([text]), [])
        except csv.Error as error:  # a lone carriage return in an unquoted name
            reason = str(error).partition(" - ")[0]
            raise SourceError(
                f"{self.source}: its header line is not valid CSV ({reason})"
            ) from None
        if not header:
            raise ShapeError(f"{self.source} is empty: a CSV file needs a header line")
        repeated = sorted(name for name, n in Counter(header).items() if n > 1)
        if repeated:
            raise ShapeError(
                f"{self.source}: its header names {', '.join(repeated)} more than "
                "once, so which column is meant cannot be told"
            )
        return (
            header,
            1 + data[:end].count(b"\n"),
            [data[end:]] if end < len(data) else [],
        )


def _handed_over(held: list[bytes]) -> Iterator[bytes]:
    """The blocks of `held`, each let go of as it is handed over."""
    while held:
        yield held.pop(0)


def _quotes_closed(data: bytes, end: int | None = None) -> bool:
    """Whether `data` (up to `end`) ends outside a quoted field: its quotes pair up."""
    return data.count(b'"', 0, len(data) if end is None else end) % 2 == 0


def _record_end(data: bytes) -> int:
    """Where the first record of `data` ends: after its newline outside quotes."""
    cut = data.find(b"\n") + 1
    while cut and not _quotes_closed(data, cut):
        cut = data.find(b"\n", cut) + 1
    return cut or len(data)


class CsvBlock(RawBatch):
    """Lines of a CSV file that hold whole records.

    Args:
        header: the field names.
        data: the lines, as UTF-8 bytes (possibly with invalid bytes in them).
        line: the number of the first line.
        field_limit: the longest field accepted, in characters.
        encoding: the file's encoding, for messages.
    """

    def __init__(
        self,
        header: list[str],
        data: bytes,
        line: int,
        field_limit: int = FIELD_LIMIT,
        encoding: str = UTF8,
    ) -> None:
        self.header = header
        self.data = data
        self.line = line
        self.field_limit = field_limit
        self.encoding = encoding
        self.newlines = data.count(b"\n")

    def fields(self) -> list[str]:
        """The header."""
        return self.header

    def columnar(self, schema: pa.Schema) -> Columnar | None:
        """The block parsed by Arrow, when that gives exactly what `csv` would."""
        data = self.data
        if not _utf8(data):
            return None
        lines = self.newlines + (not data.endswith(b"\n"))
        # Arrow drops a byte order mark opening its input: here it is a value.
        if not _plain_lines(data) or data.startswith(codecs.BOM_UTF8):
            return None
        skipped: list[int] = []

        def skip(row: Any) -> str:
            skipped.append(row.number)
            return "skip"

        width = len(self.header)
        try:
            table = pa_csv.read_csv(
                pa.BufferReader(data),
                read_options=pa_csv.ReadOptions(
                    column_names=[f"c{i}" for i in range(width)],
                    use_threads=False,
                    block_size=len(data) + 1,
                ),
                parse_options=pa_csv.ParseOptions(
                    newlines_in_values=True, invalid_row_handler=skip
                ),
                convert_options=pa_csv.ConvertOptions(
                    column_types={f"c{i}": pa.string() for i in range(width)},
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
        except pa.ArrowInvalid:
            return None
        if table.num_rows + len(skipped) != lines or self._too_long(table):
            return None
        table = table.rename_columns(self.header)
        first = self.line
        if skipped:
            missing = set(skipped)
            numbers = [first + i for i in range(lines) if i + 1 not in missing]
            rest = [r for r in self.records() if r.position - first + 1 in missing]
        else:
            numbers, rest = list(range(first, first + lines)), []
        positions = pa.array(numbers, pa.int64())

        def records_at(rows: Sequence[int]) -> list[SourceRecord]:
            picked = table.take(pa.array(rows, pa.int64())).to_pylist()
            return [
                SourceRecord(numbers[row], record) for row, record in zip(rows, picked)
            ]

        return Columnar(table, positions, records_at, rest)

    def _too_long(self, table: pa.Table) -> bool:
        """Whether a field is longer than the limit (those blocks take the row path)."""
        return table.num_rows > 0 and any(
            (pc.max(pc.utf8_length(column)).as_py() or 0) > self.field_limit
            for column in table.columns
        )

    def records(self) -> list[SourceRecord]:
        """The block parsed by Python's csv module, record by record."""
        text = self.data.decode(UTF8, "surrogateescape")
        reader = csv.reader(io.StringIO(text, newline=""))
        found: list[SourceRecord] = []
        start = self.line
        for values in reader:
            if values:
                found.append(self._record(start, values))
            start = self.line + reader.line_num
        return found

    def _record(self, line: int, values: list[str]) -> SourceRecord:
        header, width = self.header, len(self.header)
        fields: dict[str, Any] = dict(zip(header, values))
        if len(values) > width:
            fields[EXTRA_FIELDS] = values[width:]
        problem = None
        if any(_undecodable(value) for value in values):
            fields = {k: _escape_any(v) for k, v in fields.items()}
            problem = f"not valid {self.encoding} (undecodable bytes shown as \\xNN)"
        elif len(values) != width:
            problem = f"{len(values)} fields where the header has {width}"
        elif any(len(value) > self.field_limit for value in values):
            longest = max(values, key=len)
            name = header[values.index(longest)]
            problem = (
                f"field {name} has {len(longest):,} characters, more than the field "
                f"limit of {self.field_limit:,} (--field-limit)"
            )
            fields = {k: v[: self.field_limit] for k, v in fields.items()}
        return SourceRecord(line, fields, problem)


def _escape_any(value: Any) -> Any:
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return _escaped(value)


class JsonCollector(FileCollector):
    """Objects of a JSON array, parsed incrementally (the array is never held whole)."""

    position_unit = "index"

    def batches(self) -> Iterator[Records]:
        """Yield the elements of the top-level array, with their indices, in batches."""
        records = self._records()
        while batch := list(islice(records, RECORDS_PER_BATCH)):
            yield Records(batch)

    def _records(self) -> Iterator[SourceRecord]:
        with self._open() as binary:
            stream = _ChunkStream(self._utf8_chunks(binary))
            first = _first_byte(stream)
            if first != b"[":
                hint = " (JSON Lines? use --collector jsonl)" if first == b"{" else ""
                raise ShapeError(f"{self.source} is not a JSON array{hint}")
            try:
                for index, item in enumerate(_array_items(stream)):
                    if item is _TOO_DEEP:
                        yield SourceRecord(index, {"value": None}, _TOO_DEEP_PROBLEM)
                    elif isinstance(item, dict):
                        yield SourceRecord(index, item)
                    else:
                        yield SourceRecord(index, {"value": item}, "not a JSON object")
            except ijson.JSONError as error:
                reason = str(error).strip().splitlines()[0]
                raise SourceError(
                    f"{self.source} is not valid JSON: {reason}"
                ) from None


#: How deep a record's values may nest; a deeper record is rejected, not built.
MAX_DEPTH = 64

#: What stands for a record nested too deep, and why it is rejected.
_TOO_DEEP = object()
_TOO_DEEP_PROBLEM = f"nested deeper than {MAX_DEPTH} levels"


def _array_items(stream: "_ChunkStream") -> Iterator[Any]:
    """The elements of the top-level JSON array, built from the parser's events.

    ijson's own builder keeps each level's path, so memory grows with the square
    of the depth (a value 50,000 levels deep takes gigabytes): here an element
    deeper than MAX_DEPTH is skipped as it streams by, and stands as _TOO_DEEP.
    """
    stack: list[Any] = []  # the containers being built, outermost first
    keys: list[str | None] = []
    depth = 0  # of the parser, the top-level array being 1
    skipping = False
    for event, value in ijson.basic_parse(stream, use_float=True):
        if event in ("start_map", "start_array"):
            depth += 1
            if depth == 1:
                continue
            if depth - 1 > MAX_DEPTH:
                skipping = True
            if not skipping:
                stack.append({} if event == "start_map" else [])
                keys.append(None)
            continue
        if event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return
            if skipping:
                if depth == 1:
                    skipping = False
                    stack.clear()
                    keys.clear()
                    yield _TOO_DEEP
                continue
            value = stack.pop()
            keys.pop()
        elif event == "map_key":
            if not skipping:
                keys[-1] = value
            continue
        elif skipping:
            continue
        if not stack:
            yield value
        elif isinstance(stack[-1], dict):
            stack[-1][keys[-1]] = value
        else:
            stack[-1].append(value)


class _ChunkStream:
    """A binary stream over an iterator of chunks, with `peek` for the first byte."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""

    def peek(self, _size: int = 1) -> bytes:
        """At least one byte ahead unless at the end, without consuming it."""
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return b""
            self._pending = chunk
        return self._pending

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes (a whole chunk at most)."""
        data = self.peek()
        if size < 0 or size >= len(data):
            self._pending = b""
            return data
        self._pending = data[size:]
        return data[:size]

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _first_byte(stream: _ChunkStream) -> bytes:
    """The first byte that is not white space, consuming only white space."""
    while chunk := stream.peek(1):
        stripped = chunk.lstrip()
        if stripped:
            return stripped[:1]
        stream.read(len(chunk))
    return b""


class JsonLinesCollector(FileCollector):
    """One JSON object per line (JSON Lines, NDJSON); blank lines are skipped.

    A line that is not a JSON object is a rejected record, not a fatal error: the
    other lines stand on their own.
    """

    def batches(self) -> Iterator["JsonLinesBlock"]:
        """Yield the file's lines in blocks of whole lines."""
        with self._open() as binary:
            line = 1
            for number, block in enumerate(
                _lines_of(self._utf8_chunks(binary), lambda _data, _end: True)
            ):
                if number == 0:
                    self._refuse_an_array(block)
                yield JsonLinesBlock(block, line)
                line += block.count(b"\n")

    def _refuse_an_array(self, block: bytes) -> None:
        if block.lstrip().startswith(b"["):
            raise ShapeError(
                f"{self.source} is a JSON array, not JSON Lines: use --collector json"
            )


class JsonLinesBlock(RawBatch):
    """Lines of a JSON Lines file.

    Args:
        data: the lines, as UTF-8 bytes.
        line: the number of the first line.
    """

    def __init__(self, data: bytes, line: int) -> None:
        self.data = data
        self.line = line

    def fields(self) -> list[str]:
        """The keys of the first object (none if it is not one)."""
        line = next((line for line in self._lines() if line.strip()), b"")
        first = _json_line(self.line, line)
        return [] if first.problem else list(first.fields)

    def _lines(self) -> list[bytes]:
        lines = self.data.split(b"\n")
        return lines[:-1] if lines and not lines[-1] else lines

    def records(self) -> list[SourceRecord]:
        """Each non-blank line's object, with its line number."""
        return [
            _json_line(self.line + index, line)
            for index, line in enumerate(self._lines())
            if line.strip()
        ]

    def columnar(self, schema: pa.Schema) -> Columnar | None:
        """The lines parsed by Arrow with `schema`; lines it cannot read are `rest`."""
        if _has_blank_line(self.data) or not _utf8(self.data):
            return None
        lines = self._lines()
        tables: list[pa.Table] = []
        numbers: list[int] = []
        rest: list[SourceRecord] = []
        # A line that does not open an object is not one: the row path says why.
        # (Arrow would also crash on a first line `null`, and drop a byte order
        # mark that json refuses.) Only such lines cost a look of their own.
        start = 0
        for offset in _NOT_AN_OBJECT.finditer(self.data):
            index = self.data.count(b"\n", 0, offset.start() + 1)
            self._parse(lines[start:index], start, schema, tables, numbers, rest)
            rest.append(_json_line(self.line + index, lines[index]))
            start = index + 1
        self._parse(lines[start:], start, schema, tables, numbers, rest)
        table = pa.concat_tables(tables) if tables else schema.empty_table()

        def records_at(rows: Sequence[int]) -> list[SourceRecord]:
            return [
                _json_line(numbers[row], lines[numbers[row] - self.line])
                for row in rows
            ]

        return Columnar(table, pa.array(numbers, pa.int64()), records_at, rest)

    def _parse(
        self,
        lines: list[bytes],
        offset: int,
        schema: pa.Schema,
        tables: list[pa.Table],
        numbers: list[int],
        rest: list[SourceRecord],
    ) -> None:
        """Parse lines with Arrow; halve a part that fails until its bad lines show."""
        if not lines:
            return
        data = b"\n".join(lines) + b"\n"
        try:
            table = pa_json.read_json(
                pa.BufferReader(data),
                read_options=pa_json.ReadOptions(
                    use_threads=False, block_size=len(data) + 1
                ),
                parse_options=pa_json.ParseOptions(
                    explicit_schema=schema, unexpected_field_behavior="ignore"
                ),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            table = None
        if table is not None and table.num_rows == len(lines):
            tables.append(table)
            numbers.extend(range(self.line + offset, self.line + offset + len(lines)))
            return
        if len(lines) == 1:
            rest.append(_json_line(self.line + offset, lines[0]))
            return
        half = len(lines) // 2
        self._parse(lines[:half], offset, schema, tables, numbers, rest)
        self._parse(lines[half:], offset + half, schema, tables, numbers, rest)


def _json_line(number: int, line: bytes) -> SourceRecord:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON: {error.msg} at column {error.colno}"
    except UnicodeDecodeError:
        problem = "not valid UTF-8 (undecodable bytes shown as \\xNN)"
    except (ValueError, RecursionError) as error:
        problem = f"not valid JSON: {error}"
    else:
        if _deeper_than(value, MAX_DEPTH):
            problem = _TOO_DEEP_PROBLEM
        elif isinstance(value, dict):
            return SourceRecord(number, value)
        else:
            return SourceRecord(number, {"value": value}, "not a JSON object")
    text = line.decode(UTF8, "backslashreplace").rstrip("\r\n")
    return SourceRecord(number, {"line": text}, problem)


def _deeper_than(value: Any, limit: int) -> bool:
    """Whether containers nest in `value` more than `limit` levels below it."""
    level = [value]
    for _ in range(limit):
        level = [
            inner
            for outer in level
            if isinstance(outer, (dict, list))
            for inner in (outer.values() if isinstance(outer, dict) else outer)
        ]
        if not level:
            return False
    return any(isinstance(inner, (dict, list)) for inner in level)


class MessageCollector:
    """A micro-batch of broker messages, each one JSON object: one load's source.

    Its digest covers each message's subject and sequence as well as its bytes:
    the same batch delivered again is skipped as loaded, while the same records
    published again are new messages, loaded (and found unchanged) like any other.
    """

    position_unit = "sequence"

    def __init__(self, subject: str, messages: Sequence[Message]) -> None:
        self.subject = subject
        self.messages = messages

    @property
    def source(self) -> str:
        """The subject and the batch's first and last sequence."""
        first, last = self.messages[0].sequence, self.messages[-1].sequence
        return f"{self.subject} sequences {first}-{last}"

    @property
    def sha256(self) -> str:
        """The SHA-256 of the messages' subjects, sequences and bytes."""
        digest = hashlib.sha256()
        for message in self.messages:
            header = f"{message.subject} {message.sequence} {len(message.data)}\n"
            digest.update(header.encode())
            digest.update(message.data)
        return digest.hexdigest()

    def batches(self) -> Iterator["MessageBlock"]:
        """The messages, as one batch."""
        yield MessageBlock(self.messages)

    def sha256_upfront(self) -> str | None:
        """The digest: the messages are all in memory already."""
        return self.sha256


class MessageBlock(RawBatch):
    """Broker messages, one JSON object each, positioned by their sequence."""

    def __init__(self, messages: Sequence[Message]) -> None:
        self.sequences = [message.sequence for message in messages]
        self.messages = messages
        # Messages of one line each are JSON Lines, which Arrow reads in one go.
        self.lines = (
            JsonLinesBlock(b"".join(message.data + b"\n" for message in messages), 1)
            if all(b"\n" not in message.data for message in messages)
            else None
        )

    def fields(self) -> list[str]:
        """The keys of the first message (none if it is not an object)."""
        first = _json_line(self.sequences[0], self.messages[0].data)
        return [] if first.problem else list(first.fields)

    def records(self) -> list[SourceRecord]:
        """Each message's object, with its sequence."""
        return [_json_line(message.sequence, message.data) for message in self.messages]

    def columnar(self, schema: pa.Schema) -> Columnar | None:
        """The messages read by Arrow as JSON Lines, renumbered by sequence."""
        if self.lines is None or not self._first_reads_as(schema):
            return None
        found = self.lines.columnar(schema)
        if found is None:
            return None
        sequences = pa.array(self.sequences, pa.int64())
        positions = pc.take(sequences, pc.subtract(found.positions, 1))

        def records_at(rows: Sequence[int]) -> list[SourceRecord]:
            return [self._renumbered(record) for record in found.records_at(rows)]

        rest = [self._renumbered(record) for record in found.rest]
        return Columnar(found.table, positions, records_at, rest)

    def _first_reads_as(self, schema: pa.Schema) -> bool:
        """Whether Arrow reads the first message with `schema`.

        Messages made from CSV rows carry their numbers and times as strings,
        which Arrow's JSON reader does not convert: such a batch goes the row way
        at once, rather than being halved down to every single message.
        """
        first = JsonLinesBlock(self.messages[0].data + b"\n", 1).columnar(schema)
        return first is not None and not first.rest

    def _renumbered(self, record: SourceRecord) -> SourceRecord:
        return record._replace(position=self.sequences[record.position - 1])


#: The collectors `--collector` names.
COLLECTORS: dict[str, type[FileCollector]] = {
    "csv": CsvCollector,
    "json": JsonCollector,
    "jsonl": JsonLinesCollector,
}

#: The collector a file's extension implies (before an optional `.gz`).
EXTENSIONS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def infer_collector(name: str) -> str | None:
    """The collector a file name implies, `.gz` or not; None if it implies none."""
    lowered = name.lower()
    if lowered.endswith(GZIP_SUFFIX):
        lowered = lowered[: -len(GZIP_SUFFIX)]
    return EXTENSIONS.get(PurePosixPath(lowered).suffix)


def collector_for(
    location: Location | Path | str,
    collector: str | None = None,
    *,
    encoding: str = UTF8,
    field_limit: int = FIELD_LIMIT,
) -> FileCollector:
    """The collector of a location: the one named, else the one its name implies.

    `field_limit` is the CSV collector's (JSON has no fields that long to fear).

    Raises:
        UnsupportedLocationError: the location is a URL the tool cannot read.
        UnknownFormatError: no collector named, and the name implies none.
        LookupError: the encoding is not one Python knows.
    """
    where = location if isinstance(location, Location) else parse_location(location)
    name = collector or infer_collector(where.name)
    if name is None:
        known = f"{', '.join(EXTENSIONS)}, each optionally {GZIP_SUFFIX}"
        reason = f"its name (known: {known})" if where.name else "it has no name"
        raise UnknownFormatError(
            f"cannot tell how to read {where.shown}: {reason}; use --collector "
            f"{', '.join(COLLECTORS)}"
        )
    if name == "csv":
        return CsvCollector(where, encoding, field_limit)
    return COLLECTORS[name](where, encoding)


class DumpFolder:
    """The files of a dump, by their names inside its folder (local or remote)."""

    def __init__(
        self,
        location: Location | Path | str,
        *,
        encoding: str = UTF8,
        field_limit: int = FIELD_LIMIT,
        timeouts: Timeouts | None = None,
    ) -> None:
        self.field_limit = field_limit
        self.location = (
            location
            if isinstance(location, Location)
            else parse_location(location, timeouts=timeouts)
        )
        self.encoding = encoding
        if isinstance(self.location, StdinLocation):
            raise UnsupportedLocationError(
                f"{STDIN} (standard input) is one file, not a dump folder"
            )

    @property
    def source(self) -> str:
        """The folder, as given, without a password."""
        return self.location.shown

    def has(self, name: str) -> bool:
        """Whether the dump has the file `name`; SourceError if unreachable."""
        return self.location.child(name).exists()

    def collector(self, name: str) -> FileCollector:
        """The collector of the file `name`, chosen by its extension."""
        return collector_for(
            self.location.child(name),
            encoding=self.encoding,
            field_limit=self.field_limit,
        )
