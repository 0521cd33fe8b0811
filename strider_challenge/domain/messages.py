"""A record as a message broker delivers it."""

from typing import NamedTuple


class Message(NamedTuple):
    """One record as a broker delivered it.

    Args:
        sequence: its position in the broker's log (a JetStream stream sequence, a
            Kafka offset); it positions a rejected record.
        subject: where it was published (a subject, a topic).
        data: the record, a JSON object as UTF-8 bytes.
    """

    sequence: int
    subject: str
    data: bytes
