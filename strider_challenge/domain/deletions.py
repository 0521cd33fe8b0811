"""The guard against a truncated full dump: how many deletions a load may make.

A full dump cut short but still well formed (10 of the vendor's 200 authors) would
mark every record it lacks deleted. A full load may mark at most `max_deletes`
percent of the model's current (not deleted) records deleted; more stops it.
"""

from strider_challenge.domain.errors import TooManyDeletionsError

#: The percent of the current records a full load may mark deleted, by default.
DEFAULT_MAX_DELETES = 10.0


def check_deletions(
    model: str, *, deleting: int, current: int, max_deletes: float | None
) -> None:
    """Refuse to mark `deleting` of `current` records deleted beyond `max_deletes`%.

    Args:
        model: the model loaded, for the message.
        deleting: the current records the dump lacks.
        current: the model's current records before the load.
        max_deletes: the percent allowed; None allows any.

    Raises:
        TooManyDeletionsError: more than `max_deletes` percent would be deleted.
    """
    if max_deletes is None or deleting * 100 <= max_deletes * current:
        return
    share = deleting * 100 / current
    raise TooManyDeletionsError(
        f"this full {model} load would mark {deleting:,} of the {current:,} current "
        f"records deleted ({share:.1f}%), more than --max-deletes {max_deletes:g}%: "
        "nothing was loaded (a truncated dump? --force or a higher --max-deletes "
        "loads it)"
    )
