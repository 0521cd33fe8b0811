"""What the API answers, as pydantic models: they are the OpenAPI document's schemas."""

from typing import Any

from pydantic import BaseModel, Field

from strider_challenge.domain.results import Rejection
from strider_challenge.service_layer.services import LoadReport


class ErrorBody(BaseModel):
    """An error: the same sentence `scli` prints after `scli: error:`."""

    error: str


class RejectionOut(BaseModel):
    """A refused record, where it was in the body, and why."""

    position: int = Field(description="The CSV line, JSON Lines line or array index.")
    error: str
    raw: str = Field(description="The record as JSON text.")

    @classmethod
    def of(cls, rejection: Rejection) -> "RejectionOut":
        """The model of a domain rejection."""
        return cls(
            position=rejection.position, error=rejection.error, raw=rejection.raw
        )


class LoadResult(BaseModel):
    """What one PUT loaded: the counts `scli load` prints, and the first rejections."""

    model: str
    source: str
    run_id: int | None = Field(
        description="The load's id in the ledger (GET /v1/loads/{id}); a skipped "
        "load has its own row, with status skipped; null if the ledger could not "
        "take it."
    )
    skipped_as: int | None = Field(
        description="The earlier load of these exact bytes, when this one was "
        "skipped (force=true loads them again)."
    )
    sha256: str | None
    rows_read: int
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    duplicates: int
    deleted: int
    undeleted: int
    seconds: float
    position_unit: str = Field(description="What a rejection's position counts.")
    rejections: list[RejectionOut] = Field(
        description="The first rejected records (all are in GET "
        "/v1/loads/{id}/rejections)."
    )

    @classmethod
    def of(cls, report: LoadReport, position_unit: str) -> "LoadResult":
        """The model of a load's report."""
        counts = report.counts
        return cls(
            model=report.model,
            source=report.source,
            run_id=report.run_id,
            skipped_as=report.skipped_as,
            sha256=report.sha256,
            rows_read=report.rows_read,
            inserted=counts.inserted,
            updated=counts.updated,
            unchanged=counts.unchanged,
            rejected=report.rejected,
            duplicates=counts.duplicates,
            deleted=counts.deleted,
            undeleted=counts.undeleted,
            seconds=report.seconds,
            position_unit=position_unit,
            rejections=[RejectionOut.of(sample) for sample in report.samples],
        )


class Health(BaseModel):
    """The database answers."""

    status: str = "ok"


class ReportAnswers(BaseModel):
    """The six answers, with the keys of `scli report --format json`; null: no data."""

    pct_streamed_movies_based_on_books: int | float | None
    users_affected_by_outage: int | None
    movies_from_nationality_authors_streamed_in_month: int | None
    avg_stream_duration_seconds: int | None
    median_stream_size_gb: int | float | None
    users_watched_half_movie_last_week: int | None


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI entries of the error codes an endpoint may answer."""
    return {code: {"model": ErrorBody, "description": _WHY[code]} for code in codes}


_WHY = {
    401: "No token, or not the server's (Authorization: Bearer).",
    404: "No such model, or no such load.",
    409: "The dump is older than the newest one loaded (force=true applies it).",
    413: "The body is larger than SCLI_API_MAX_BODY_MB.",
    415: "The body is not application/json, application/x-ndjson or text/csv.",
    422: "A parameter is invalid; or the body is not a file of this model, not "
    "valid JSON, or has more rejected records than max_rejects; nothing loaded.",
    503: "The database does not answer, or has no tables (scli init-db).",
}
