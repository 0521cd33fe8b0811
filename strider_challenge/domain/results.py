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


#: How many rejected records a tally keeps as examples.
REJECT_SAMPLES = 5


@dataclass(frozen=True)
class ValidationTally:
    """What the validate phase made of the records it read.

    Args:
        rows_read: every record read, rejected ones included.
        fast: rows accepted column by column, by the fast path.
        checked: rows accepted one by one, by the row path.
        rejected: records refused.
        samples: the first rejections, as examples.

    Always rows_read = fast + checked + rejected.
    """

    rows_read: int = 0
    fast: int = 0
    checked: int = 0
    rejected: int = 0
    samples: tuple[Rejection, ...] = ()

    def add(
        self, fast: int, checked: int, rejections: list[Rejection]
    ) -> "ValidationTally":
        """This tally with one more batch counted."""
        room = REJECT_SAMPLES - len(self.samples)
        return ValidationTally(
            rows_read=self.rows_read + fast + checked + len(rejections),
            fast=self.fast + fast,
            checked=self.checked + checked,
            rejected=self.rejected + len(rejections),
            samples=self.samples + tuple(rejections[: max(room, 0)]),
        )
