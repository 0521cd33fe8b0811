"""Collectors read a source lazily and yield its records one at a time.

Memory does not grow with the file: CSV is read row by row and JSON arrays are parsed
incrementally. Every byte read goes through a SHA-256 so that the ledger can recognise a
source it has already loaded.
"""

import csv
import hashlib
import io
import json
from abc import ABC, abstractmethod
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

import ijson

from strider_challenge.domain.errors import ShapeError, SourceError


class SourceRecord(NamedTuple):
    """One record of a source and where it stands in it.

    Args:
        position: the CSV line number where the record starts, or the JSON array index.
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


class _HashingReader(io.RawIOBase):
    """A read-only binary stream that hashes what passes through it."""

    def __init__(self, stream: IO[bytes]) -> None:
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

    def __init__(self, path: Path) -> None:
        self.path = path
        self._hashing: _HashingReader | None = None

    @property
    def source(self) -> str:
        """The path as given."""
        return str(self.path)

    @property
    def sha256(self) -> str:
        """The hex digest of the bytes read so far."""
        digest = self._hashing.digest if self._hashing else hashlib.sha256()
        return digest.hexdigest()

    @abstractmethod
    def records(self) -> Iterator[SourceRecord]:
        """Yield the file's records in order."""

    def sha256_upfront(self) -> str | None:
        """Hash the whole file before loading it: cheap for a local file."""
        try:
            with self.path.open("rb") as file:
                return hashlib.file_digest(file, "sha256").hexdigest()
        except OSError:
            return None  # reported clearly when the load opens the file

    def _open(self) -> io.BufferedReader:
        try:
            stream = self.path.open("rb")
        except OSError as error:
            reason = error.strerror or type(error).__name__
            raise SourceError(f"cannot read {self.source}: {reason}") from None
        self._hashing = _HashingReader(stream)
        return io.BufferedReader(self._hashing, buffer_size=1 << 20)


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
            if values:
                problem = None
                if len(values) != width:
                    problem = f"{len(values)} fields where the header has {width}"
                yield SourceRecord(start, dict(zip(header, values)), problem)
            start = reader.line_num + 1


class JsonCollector(FileCollector):
    """Objects of a JSON array, parsed incrementally (the array is never held whole)."""

    def records(self) -> Iterator[SourceRecord]:
        """Yield each element of the top-level array with its index."""
        with self._open() as binary:
            first = binary.peek(64).lstrip()[:1]
            if first != b"[":
                raise ShapeError(f"{self.source} is not a JSON array")
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


COLLECTORS: dict[str, type[FileCollector]] = {
    "csv": CsvCollector,
    "json": JsonCollector,
}
