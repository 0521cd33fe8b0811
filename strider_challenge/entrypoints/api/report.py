"""GET /v1/report: the six answers, as `scli report --format json` gives them."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from strider_challenge.domain.answers import (
    BUSINESS_TIME,
    DEFAULT_MONTH,
    DEFAULT_NATIONALITY,
    DEFAULT_OUTAGE_END,
    DEFAULT_OUTAGE_MOVIE,
    DEFAULT_OUTAGE_START,
    ReportParameters,
)
from strider_challenge.entrypoints.api.dependencies import (
    ReadOnlyUnitOfWork,
    require_token,
)
from strider_challenge.entrypoints.api.schemas import ReportAnswers, responses
from strider_challenge.entrypoints.formats import json_value
from strider_challenge.service_layer import answers

router = APIRouter(tags=["report"], dependencies=[Depends(require_token)])


@router.get(
    "/v1/report", response_model=ReportAnswers, responses=responses(401, 422, 503)
)
def get_report(
    uow: ReadOnlyUnitOfWork,
    month: Annotated[str, Query(description="The month, YYYY-MM.")] = DEFAULT_MONTH,
    timezone: Annotated[
        str,
        Query(description="Business time: a UTC offset or an IANA zone."),
    ] = BUSINESS_TIME,
    outage_movie: Annotated[
        str, Query(description="The movie whose streams the outage cut.")
    ] = DEFAULT_OUTAGE_MOVIE,
    outage_start: Annotated[
        str, Query(description="When the outage began, 'YYYY-MM-DD HH:MM'.")
    ] = DEFAULT_OUTAGE_START,
    outage_end: Annotated[
        str, Query(description="When the outage ended, 'YYYY-MM-DD HH:MM'.")
    ] = DEFAULT_OUTAGE_END,
    nationality: Annotated[
        str, Query(description="The authors' nationality, as the vendor's slug.")
    ] = DEFAULT_NATIONALITY,
) -> dict[str, Any]:
    """The answers to the six questions, from one consistent read of the database."""
    parameters = ReportParameters.parse(
        month=month,
        zone=timezone,
        outage_movie=outage_movie,
        outage_start=outage_start,
        outage_end=outage_end,
        nationality=nationality,
    )
    result = answers.report(parameters=parameters, uow=uow)
    return {key: json_value(value) for key, value in result.answers.as_dict().items()}
