"""A spool of rejected records: kept in memory up to a point, then in a temp file.

While a PostgreSQL load streams its rows in a COPY, its connection can run nothing
else; the records it refuses wait here, in the order they came, and go to the
ledger once the COPY is done. Memory does not grow with them.
"""

import json
import tempfile
from collections.abc import Iterable, Iterator

from strider_challenge.domain.errors import LoadError
from strider_challenge.domain.results import Rejection

#: Bytes kept in memory before the spool moves to a temporary file.
IN_MEMORY = 8 << 20


class SpoolFullError(LoadError):
    """The temporary directory has no room left for the rejected records."""


class RejectionSpool:
    """Rejections written now, read back later, in order."""

    def __init__(self) -> None:
        self._file = tempfile.SpooledTemporaryFile(
            max_size=IN_MEMORY, mode="w+", encoding="utf-8"
        )
        self.count = 0

    def write(self, rejections: Iterable[Rejection]) -> None:
        """Keep these rejections.

        Raises:
            SpoolFullError: the temporary file cannot grow (disk full, quota).
        """
        try:
            for rejection in rejections:
                self._file.write(
                    json.dumps([rejection.position, rejection.raw, rejection.error])
                    + "\n"
                )
                self.count += 1
        except OSError as error:
            raise SpoolFullError(
                f"no room for the rejected records in {tempfile.gettempdir()}: "
                f"{error.strerror or error} (free some space, or point TMPDIR at a "
                "bigger disk)"
            ) from None

    def __iter__(self) -> Iterator[Rejection]:
        """Every rejection kept, in the order written."""
        self._file.seek(0)
        for line in self._file:
            position, raw, error = json.loads(line)
            yield Rejection(position, raw, error)

    def close(self) -> None:
        """Free the memory or delete the file."""
        self._file.close()
