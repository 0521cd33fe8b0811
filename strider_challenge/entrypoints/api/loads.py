"""GET /v1/loads...: the ledger, as `scli runs` lists it, and each load's rejections."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from strider_challenge.domain.datasets import DATASETS, get_dataset
from strider_challenge.domain.ledger import LoadRun
from strider_challenge.entrypoints.api.dependencies import UnitOfWork, require_token
from strider_challenge.entrypoints.api.errors import NotFoundError
from strider_challenge.entrypoints.api.schemas import RejectionOut, responses
from strider_challenge.service_layer import services

router = APIRouter(tags=["loads"], dependencies=[Depends(require_token)])

#: The largest id, count or offset a request may give (the ledger's integer column).
LARGEST = 2**31 - 1

LoadId = Annotated[int, Path(ge=1, le=LARGEST, description="The load's id.")]


@router.get("/v1/loads", response_model=list[LoadRun], responses=responses(401, 404))
def list_loads(
    uow: UnitOfWork,
    model: Annotated[
        str | None,
        Query(
            description="Only the loads of this model.",
            json_schema_extra={"enum": list(DATASETS)},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="How many loads.")] = 20,
) -> list[LoadRun]:
    """The latest loads, newest first (`scli runs --format json`)."""
    if model is not None:
        get_dataset(model)
    return services.recent_runs(uow=uow, limit=limit, model=model)


@router.get(
    "/v1/loads/{load_id}", response_model=LoadRun, responses=responses(401, 404)
)
def get_load(uow: UnitOfWork, load_id: LoadId) -> LoadRun:
    """One load: its counts, source, SHA-256, mode and effective time."""
    found = services.load_run(uow=uow, load_id=load_id)
    if found is None:
        raise NotFoundError(f"no load #{load_id} in the ledger")
    return found


@router.get(
    "/v1/loads/{load_id}/rejections",
    response_model=list[RejectionOut],
    responses=responses(401, 404),
)
def list_rejections(
    uow: UnitOfWork,
    load_id: LoadId,
    limit: Annotated[int, Query(ge=1, le=10_000, description="How many.")] = 100,
    offset: Annotated[
        int, Query(ge=0, le=LARGEST, description="How many to skip first.")
    ] = 0,
) -> list[RejectionOut]:
    """The records a load refused, in the order of the body, with why."""
    found = services.rejections_of(uow=uow, load_id=load_id, limit=limit, offset=offset)
    if found is None:
        raise NotFoundError(f"no load #{load_id} in the ledger")
    return [RejectionOut.of(rejection) for rejection in found]
