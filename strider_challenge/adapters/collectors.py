"""Collectors read a source lazily and yield its records one at a time.

Memory does not grow with the file: CSV and JSON Lines are read line by line and JSON
arrays are parsed incrementally, from any location `sources` opens (a path, standard
input, FTP, HTTP, S3; `.gz` decompressed on the fly). Every byte read goes through a
SHA-256 so that the ledger can recognise a source it has already loaded; for a `.gz`
file it is the digest of the decompressed bytes, so the same file loads once whether
it was sent compressed or not.
"""

import csv
import hashlib
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, NamedTuple, Protocol

import ijson

from strider_challenge.adapters.sources import (
    GZIP_SUFFIX,
    STDIN,
    ByteStream,
    Location,
    StdinLocation,
    UnsupportedLocationError,
    parse_location,
)
from strider_challenge.domain.errors import ShapeError, SourceError


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


#: Builds a SourceRecord from a complete tuple in C, without the Python code of the
#: NamedTuple's own constructor (one call per CSV row).
_record = tuple.__new__


class Collector(Protocol):
    """A source of records."""

    @property
    def source(self) -> str:
        """Where the records come from, as shown to the user and in the ledger."""

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes read so far: of the whole source once exhausted."""

    def records(self) -> Iterator[SourceRecord]:
        """Yield the source's records in order."""

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
    """Shared plumbing of the file collectors: opening, hashing, clear errors."""

    #: What a record's position counts, for the rejects report.
    position_unit = "line"

    def __init__(self, location: Location | Path | str) -> None:
        self.location = (
            location if isinstance(location, Location) else parse_location(location)
        )
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
    def records(self) -> Iterator[SourceRecord]:
        """Yield the file's records in order."""

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


class CsvCollector(FileCollector):
    """Rows of a CSV file with a header line, as dicts keyed by the header."""

    def records(self) -> Iterator[SourceRecord]:
        """Yield each data row with the line number where it starts."""
        with self._open() as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
            try:
                yield from self._rows(text)
            except (csv.Error, UnicodeDecodeError) as error:
                raise SourceError(f"{self.source} is not valid CSV: {error}") from None

    def _rows(self, text: IO[str]) -> Iterator[SourceRecord]:
        reader = csv.reader(text)
        header = next(reader, None)
        if not header:
            raise ShapeError(f"{self.source} is empty: a CSV file needs a header line")
        width = len(header)
        start = reader.line_num + 1
        for values in reader:
            if len(values) == width:
                yield _record(SourceRecord, (start, dict(zip(header, values)), None))
            elif values:
                problem = f"{len(values)} fields where the header has {width}"
                yield SourceRecord(start, dict(zip(header, values)), problem)
            start = reader.line_num + 1


class JsonCollector(FileCollector):
    """Objects of a JSON array, parsed incrementally (the array is never held whole)."""

    position_unit = "index"

    def records(self) -> Iterator[SourceRecord]:
        """Yield each element of the top-level array with its index."""
        with self._open() as binary:
            first = _first_byte(binary)
            if first != b"[":
                hint = " (JSON Lines? use --collector jsonl)" if first == b"{" else ""
                raise ShapeError(f"{self.source} is not a JSON array{hint}")
            try:
                for index, item in enumerate(
                    ijson.items(binary, "item", use_float=True)
                ):
                    if isinstance(item, dict):
                        yield SourceRecord(index, item)
                    else:
                        yield SourceRecord(index, {"value": item}, "not a JSON object")
            except ijson.JSONError as error:
                reason = str(error).strip().splitlines()[0]
                raise SourceError(
                    f"{self.source} is not valid JSON: {reason}"
                ) from None


class JsonLinesCollector(FileCollector):
    """One JSON object per line (JSON Lines, NDJSON); blank lines are skipped.

    A line that is not a JSON object is a rejected record, not a fatal error: the
    other lines stand on their own.
    """

    def records(self) -> Iterator[SourceRecord]:
        """Yield each non-blank line's object with its line number."""
        with self._open() as binary:
            first = True
            for number, line in enumerate(binary, start=1):
                stripped = line.strip()
                if not stripped:
                    continue
                if first and stripped.startswith(b"["):
                    raise ShapeError(
                        f"{self.source} is a JSON array, not JSON Lines: use "
                        "--collector json"
                    )
                first = False
                yield _json_line(number, line)


def _first_byte(binary: io.BufferedReader) -> bytes:
    """The first byte that is not white space, consuming only white space."""
    while chunk := binary.peek(1):
        stripped = chunk.lstrip()
        if stripped:
            return stripped[:1]
        binary.read(len(chunk))
    return b""


def _json_line(number: int, line: bytes) -> SourceRecord:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        problem = f"not valid JSON: {error.msg} at column {error.colno}"
    except (ValueError, RecursionError) as error:
        problem = f"not valid JSON: {error}"
    else:
        if isinstance(value, dict):
            return SourceRecord(number, value)
        return SourceRecord(number, {"value": value}, "not a JSON object")
    text = line.decode("utf-8", "replace").rstrip("\r\n")
    return SourceRecord(number, {"line": text}, problem)


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
    location: Location | Path | str, collector: str | None = None
) -> FileCollector:
    """The collector of a location: the one named, else the one its name implies.

    Raises:
        UnsupportedLocationError: the location is a URL the tool cannot read.
        UnknownFormatError: no collector named, and the name implies none.
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
    return COLLECTORS[name](where)


class DumpFolder:
    """The files of a dump, by their names inside its folder (local or remote)."""

    def __init__(self, location: Location | Path | str) -> None:
        self.location = (
            location if isinstance(location, Location) else parse_location(location)
        )
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
        return collector_for(self.location.child(name))
