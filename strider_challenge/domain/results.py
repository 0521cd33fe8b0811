"""What a load did, counted, and the records it refused."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeCounts:
    """The effect of merging staged rows into a table.

    Args:
        inserted: keys that were not in the table.
        updated: keys whose values changed.
        unchanged: keys already present with exactly these values (nothing rewritten).
        duplicates: rows dropped because a later row of the same source had their key.
        deleted: records a full dump lacked, now marked deleted (not among the rows).
        undeleted: deleted records that came back; also counted as updated.
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    deleted: int = 0
    undeleted: int = 0


@dataclass(frozen=True)
class Rejection:
    """A record that was not loaded, where it was, and why.

    Args:
        position: the CSV line number where the record starts, or the JSON array index.
        raw: the record as JSON text.
        error: why it was refused.
    """

    position: int
    raw: str
    error: str
