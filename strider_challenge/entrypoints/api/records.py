"""PUT /v1/{model}/records: the body is a file of the model, loaded as by scli load."""

from datetime import datetime
from functools import partial
from typing import Annotated, Literal

import anyio.to_thread
import typer
from fastapi import APIRouter, Depends, Path, Query, Request

from strider_challenge.adapters.payloads import (
    MEDIA_TYPES,
    AsyncChunks,
    LimitedStream,
    payload_collector,
    too_large,
)
from strider_challenge.domain.datasets import DATASETS, get_dataset
from strider_challenge.entrypoints.api.dependencies import (
    Settings,
    UnitOfWork,
    require_token,
)
from strider_challenge.entrypoints.api.errors import ParameterError
from strider_challenge.entrypoints.api.schemas import LoadResult, responses
from strider_challenge.entrypoints.common import parse_instant
from strider_challenge.service_layer import services

router = APIRouter(tags=["records"], dependencies=[Depends(require_token)])


#: The schema of a body in each format, for the OpenAPI document.
_BODY_SCHEMAS = {
    "json": {"type": "array", "items": {"type": "object"}},
    "jsonl": {"type": "string"},
    "csv": {"type": "string"},
}
#: The body, as the OpenAPI document describes it (the route reads the stream).
_BODY = {
    "required": True,
    "description": "The records, streamed: a JSON array of objects, JSON Lines, or "
    "CSV with its header line (UTF-8).",
    "content": {
        media: {"schema": _BODY_SCHEMAS[kind]} for media, kind in MEDIA_TYPES.items()
    },
}


@router.put(
    "/v1/{model}/records",
    response_model=LoadResult,
    responses=responses(401, 404, 409, 413, 415, 422, 503),
    openapi_extra={"requestBody": _BODY},
)
async def put_records(
    request: Request,
    uow: UnitOfWork,
    settings: Settings,
    model: Annotated[
        str,
        Path(
            description="Which table the records fill.",
            json_schema_extra={"enum": list(DATASETS)},
        ),
    ],
    mode: Annotated[
        Literal["full", "incremental"] | None,
        Query(
            description="full: the body is the model's whole dataset, records it "
            "lacks are marked deleted; incremental: only add and update. Default: "
            "the model's own (as scli load --mode)."
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            description="The dump's effective time, ISO 8601 with an offset. "
            "Default: now.",
            examples=["2021-12-02T02:00:00+01:00"],
        ),
    ] = None,
    force: Annotated[
        bool,
        Query(
            description="Load even bytes already loaded, a dump older than the "
            "newest (as a correction), or an empty full dump."
        ),
    ] = False,
    max_rejects: Annotated[
        int | None,
        Query(ge=0, description="More rejected records than this: nothing loads."),
    ] = None,
) -> LoadResult:
    """Load the body into the model's table in one transaction, as `scli load`.

    The body is read as it arrives, never whole. The load has its ledger row,
    its rejected records, its history, and waits for another load of the same
    model to finish. On any error the database is left as it was.
    """
    dataset = get_dataset(model)
    collector = payload_collector(
        LimitedStream(AsyncChunks(request.stream()), settings.max_body_bytes),
        content_type=request.headers.get("content-type", ""),
        shown=f"PUT {request.url.path}",
    )
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > settings.max_body_bytes:
        raise too_large(settings.max_body_bytes)
    run = partial(
        services.load,
        dataset=dataset,
        collector=collector,
        uow=uow,
        mode=mode,
        as_of=None if as_of is None else _instant(as_of),
        force=force,
        max_rejects=max_rejects,
    )
    report = await anyio.to_thread.run_sync(run)
    return LoadResult.of(report, collector.position_unit)


def _instant(text: str) -> datetime:
    """The as_of parameter, read as `scli load --as-of` reads it."""
    try:
        return parse_instant(text)
    except typer.BadParameter as error:
        raise ParameterError(f"as_of: {error.message}") from None
