import pytest

from strider_challenge.domain.errors import NoTablesError
from strider_challenge.service_layer import readiness, services
from tests.unit.test_services import FakeUnitOfWork


def test_a_database_without_tables_is_refused_with_the_command_that_makes_them() -> (
    None
):
    uow = FakeUnitOfWork()

    with pytest.raises(NoTablesError) as refused:
        readiness.require_tables(uow=uow)

    assert str(refused.value) == (
        "the database has no tables yet: run `scli init-db` first"
    )


def test_a_database_with_tables_passes_and_nothing_is_committed() -> None:
    uow = FakeUnitOfWork()
    services.init_db(uow=uow)

    readiness.require_tables(uow=uow)

    assert not uow.committed and uow.rolled_back
