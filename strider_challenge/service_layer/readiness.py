"""Whether a database has the tool's tables, before a command that needs them runs."""

from strider_challenge.domain.errors import NoTablesError
from strider_challenge.service_layer.unit_of_work import AbstractUnitOfWork


def require_tables(*, uow: AbstractUnitOfWork) -> None:
    """Refuse a database without tables, naming the command that creates them.

    Raises:
        NoTablesError: `scli init-db` was never run on this database.
    """
    with uow:
        current, _ = uow.schema_revisions()
    if current is None:
        raise NoTablesError("the database has no tables yet: run `scli init-db` first")
