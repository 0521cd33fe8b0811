"""What a load did, counted."""

from dataclasses import dataclass


@dataclass(frozen=True)
class MergeCounts:
    """The effect of merging the staged rows into a table.

    Args:
        inserted: keys that were not in the table.
        updated: keys whose values changed.
        unchanged: keys already present with exactly these values (nothing rewritten).
        duplicates: rows dropped because a later row of the same source had their key.
    """

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
