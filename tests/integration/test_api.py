"""The HTTP API through TestClient, on SQLite and PostgreSQL: each route, each error."""

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from strider_challenge.adapters.database import create_database_engine
from strider_challenge.domain.answers import ANSWER_KEYS
from strider_challenge.entrypoints.api.app import create_app
from strider_challenge.entrypoints.api.settings import ApiSettings
from strider_challenge.service_layer import services
from strider_challenge.service_layer.unit_of_work import SqlAlchemyUnitOfWork
from tests.conftest import SAMPLE_DATA
from tests.e2e.helpers import DATA_TABLES, LOADS, scli, snapshot
from tests.servers import closed_port, ledger

TOKEN = "s3cret-t0ken"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
CSV, JSON, JSONL = "text/csv", "application/json", "application/x-ndjson"
MOVIES = SAMPLE_DATA / "internal" / "movies.csv"
AUTHORS = SAMPLE_DATA / "vendor" / "authors.json"


def api(database_url: str, **settings: Any) -> TestClient:
    """A client of the app on this database (raising nothing: 500s are answers)."""
    app = create_app(ApiSettings(database_url=database_url, token=TOKEN, **settings))
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def ready_url(database_url: str) -> str:
    """The test's database, with its tables."""
    engine = create_database_engine(database_url)
    services.init_db(uow=SqlAlchemyUnitOfWork(engine))
    engine.dispose()
    return database_url


@pytest.fixture
def client(ready_url: str) -> Iterator[TestClient]:
    with api(ready_url) as client:
        yield client


def put(
    client: TestClient,
    model: str,
    body: bytes | Iterator[bytes],
    content_type: str,
    **params: Any,
) -> Any:
    return client.put(
        f"/v1/{model}/records",
        content=body,
        headers={**AUTH, "Content-Type": content_type},
        params=params,
    )


def as_jsonl(path: Path) -> bytes:
    return b"".join(
        json.dumps(r).encode() + b"\n" for r in json.loads(path.read_text())
    )


def test_a_csv_body_streamed_in_chunks_loads_as_scli_load_loads_the_file(
    client: TestClient, ready_url: str
) -> None:
    data = MOVIES.read_bytes()
    pieces = (data[i : i + 100] for i in range(0, len(data), 100))

    response = put(client, "movie", pieces, CSV)

    body = response.json()
    assert response.status_code == 200, body
    assert body["run_id"] == 1
    assert (body["rows_read"], body["inserted"], body["rejected"]) == (60, 60, 0)
    assert body["position_unit"] == "line"
    (run,) = ledger(ready_url)
    assert (run["source"], run["status"], run["inserted"]) == (
        "PUT /v1/movie/records",
        "succeeded",
        60,
    )
    assert run["sha256"] == body["sha256"] == hashlib.sha256(data).hexdigest()
    assert len(snapshot(ready_url, frozenset({"movie"}))["movie"]) == 60


def test_json_and_json_lines_bodies_load_with_their_rejections(
    client: TestClient,
) -> None:
    array = put(client, "author", AUTHORS.read_bytes(), JSON).json()
    lines = put(client, "author", as_jsonl(AUTHORS), JSONL, force="true").json()

    assert (array["inserted"], array["rejected"], array["position_unit"]) == (
        79,
        1,
        "index",
    )
    assert [r["position"] for r in array["rejections"]] == [24]
    assert (lines["unchanged"], lines["rejected"], lines["position_unit"]) == (
        79,
        1,
        "line",
    )
    assert [r["position"] for r in lines["rejections"]] == [25]
    stored = client.get(f"/v1/loads/{array['run_id']}/rejections", headers=AUTH)
    assert stored.json() == array["rejections"]
    assert "metadata.name" in stored.json()[0]["error"]


def test_the_same_bytes_again_are_skipped_unless_forced_and_listed(
    client: TestClient,
) -> None:
    first = put(client, "movie", MOVIES.read_bytes(), CSV).json()
    again = put(client, "movie", MOVIES.read_bytes(), CSV).json()
    authors = put(client, "author", AUTHORS.read_bytes(), JSON).json()
    forced = put(client, "movie", MOVIES.read_bytes(), CSV, force="true").json()

    every = client.get("/v1/loads", headers=AUTH).json()
    movies = client.get("/v1/loads", params={"model": "movie"}, headers=AUTH).json()
    latest = client.get("/v1/loads", params={"limit": 1}, headers=AUTH).json()
    one = client.get(f"/v1/loads/{authors['run_id']}", headers=AUTH).json()

    assert again["skipped_as"] == first["run_id"]
    assert (forced["skipped_as"], forced["unchanged"]) == (None, 60)
    assert [run["id"] for run in every] == [
        forced["run_id"],
        authors["run_id"],
        again["run_id"],
        first["run_id"],
    ]
    assert [run["status"] for run in every] == [
        "succeeded",
        "succeeded",
        "skipped",
        "succeeded",
    ]
    assert [run["model"] for run in movies] == ["movie", "movie", "movie"]
    assert [run["id"] for run in latest] == [forced["run_id"]]
    assert one == every[1]
    assert (one["model"], one["rejected"], one["sha256"]) == (
        "author",
        1,
        authors["sha256"],
    )


def test_rejections_page_with_limit_and_offset(client: TestClient) -> None:
    rows = MOVIES.read_text().splitlines()
    broken = "\n".join([rows[0], *(f"{r},extra" for r in rows[1:4]), *rows[4:]])
    run_id = put(client, "movie", broken.encode(), CSV).json()["run_id"]

    page = client.get(
        f"/v1/loads/{run_id}/rejections",
        params={"limit": 2, "offset": 1},
        headers=AUTH,
    )

    assert [r["position"] for r in page.json()] == [3, 4]


def test_the_report_answers_as_scli_report_does(
    client: TestClient, ready_url: str
) -> None:
    for model, collector, file in LOADS:
        kind = CSV if collector == "csv" else JSON
        response = put(client, model, (SAMPLE_DATA / file).read_bytes(), kind)
        assert response.status_code == 200, response.text
    parameters = {"month": "2021-12", "outage_movie": "Unforgiven"}

    answered = client.get("/v1/report", params=parameters, headers=AUTH).json()
    printed = scli(ready_url, "report", "--format", "json", "--month", "2021-12")

    assert list(answered) == list(ANSWER_KEYS)
    assert answered == json.loads(printed.stdout)
    assert answered["users_affected_by_outage"] > 0


WRONG_TOKENS = [None, "Bearer wrong", f"Basic {TOKEN}", f"Bearer {TOKEN}x"]


def test_a_missing_or_wrong_token_is_refused_and_nothing_is_written(
    client: TestClient, ready_url: str
) -> None:
    before = snapshot(ready_url)
    answers = []
    for authorization in WRONG_TOKENS:
        headers = {"Content-Type": CSV}
        if authorization:
            headers["Authorization"] = authorization
        answers += [
            client.put(
                "/v1/movie/records", content=MOVIES.read_bytes(), headers=headers
            ),
            client.get("/v1/loads", headers=headers),
            client.get("/v1/loads/1", headers=headers),
            client.get("/v1/loads/1/rejections", headers=headers),
            client.get("/v1/report", headers=headers),
        ]

    for response in answers:
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json() == {
            "error": "missing or wrong token: send Authorization: Bearer <the "
            "server's SCLI_API_TOKEN>"
        }
    assert snapshot(ready_url) == before
    health = client.get("/healthz")
    assert (health.status_code, health.json()) == (200, {"status": "ok"})


#: Bodies refused: model, body, content type, query, status, the CLI's sentence.
REFUSED: list[tuple[str, bytes, str, dict[str, Any], int, str]] = [
    (
        "film",
        b"",
        CSV,
        {},
        404,
        "unknown model 'film' (known: movie, user, stream, author, book, review)",
    ),
    (
        "movie",
        b"title\n",
        "text/plain",
        {},
        415,
        "cannot load a body of type text/plain: send application/json (an array "
        "of records), application/x-ndjson (one record per line) or text/csv "
        "(with a header line)",
    ),
    (
        "user",
        MOVIES.read_bytes(),
        CSV,
        {},
        422,
        "PUT /v1/user/records is not a user file: its records lack email, "
        "first_name, last_name",
    ),
    (
        "author",
        b'[{"metadata": ',
        JSON,
        {},
        422,
        "PUT /v1/author/records is not valid JSON: parse error: premature EOF",
    ),
    (
        "author",
        AUTHORS.read_bytes(),
        JSON,
        {"max_rejects": 0},
        422,
        "more than 0 record(s) rejected (the last at 24: metadata.name: Input "
        "should be a valid string); nothing was loaded",
    ),
    (
        "stream",
        b"\rOi,size_mb\n1,2\n",
        CSV,
        {},
        422,
        "PUT /v1/stream/records: its header line is not valid CSV (new-line "
        "character seen in unquoted field)",
    ),
    (
        "movie",
        MOVIES.read_bytes(),
        CSV,
        {"as_of": "2021-12-02T02:00:00"},
        422,
        "as_of: '2021-12-02T02:00:00' needs a UTC offset, e.g. +01:00 or Z",
    ),
    (
        "movie",
        MOVIES.read_bytes(),
        CSV,
        {"mode": "partial"},
        422,
        "query mode: Input should be 'full' or 'incremental'",
    ),
]


def test_a_refused_body_answers_the_cli_s_sentence_and_changes_nothing(
    client: TestClient, ready_url: str
) -> None:
    put(client, "movie", MOVIES.read_bytes(), CSV)
    before = snapshot(ready_url, DATA_TABLES)

    for model, body, content_type, params, status, error in REFUSED:
        response = put(client, model, body, content_type, force=True, **params)

        assert (response.status_code, response.json()) == (status, {"error": error})
    assert snapshot(ready_url, DATA_TABLES) == before
    runs = client.get("/v1/loads", params={"limit": 100}, headers=AUTH).json()
    assert {run["status"] for run in runs[:-1]} <= {"failed"}
    assert runs[-1]["status"] == "succeeded"


def test_an_older_dump_is_a_conflict_unless_forced(
    client: TestClient, ready_url: str
) -> None:
    newer = "2021-12-31T02:00:00+01:00"
    put(client, "movie", MOVIES.read_bytes(), CSV, as_of=newer)
    header, first, *rest = MOVIES.read_text().splitlines()
    resized = first.rsplit(",", 1)[0] + ",1"
    older = "\n".join([header, resized, *rest]) + "\n"
    before = snapshot(ready_url)

    response = put(client, "movie", older.encode(), CSV, as_of="2021-12-01T00:00Z")
    forced = put(
        client, "movie", older.encode(), CSV, as_of="2021-12-01T00:00Z", force=1
    )

    assert response.status_code == 409
    assert response.json()["error"].startswith(
        "this movie dump is as of 2021-12-01T00:00:00+00:00, older than the one "
        "already loaded as of 2021-12-31T01:00:00+00:00"
    )
    assert (forced.status_code, forced.json()["updated"]) == (200, 1)
    assert snapshot(ready_url) != before


def test_a_body_over_the_cap_is_refused_and_changes_nothing(ready_url: str) -> None:
    data = MOVIES.read_bytes()
    before = snapshot(ready_url, DATA_TABLES)
    with api(ready_url, max_body_bytes=len(data) - 1) as client:
        declared = put(client, "movie", data, CSV)
        # Chunked, without a Content-Length: the cap is met while the load reads.
        streamed = put(client, "movie", iter([data[:200], data[200:]]), CSV)

    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json()["error"] == (
            f"the body is larger than the {(len(data) - 1) / (1 << 20):g} MiB limit "
            "(SCLI_API_MAX_BODY_MB); nothing was loaded"
        )
    assert snapshot(ready_url, DATA_TABLES) == before


NOT_FOUND = [
    ("/v1/loads/7", "no load #7 in the ledger"),
    ("/v1/loads/7/rejections", "no load #7 in the ledger"),
    (
        "/v1/loads?model=film",
        "unknown model 'film' (known: movie, user, stream, author, book, review)",
    ),
    ("/v2/nothing", "Not Found"),
]
INVALID = [
    ("/v1/loads?limit=0", "query limit: Input should be greater than or equal to 1"),
    ("/v1/loads/0", "path load_id: Input should be greater than or equal to 1"),
    ("/v1/report?month=2021-13", "'2021-13' is not a month like 2021-12"),
    ("/v1/report?outage_movie=A%00", "the outage movie title holds a NUL character"),
]


def test_what_does_not_exist_is_404_and_an_invalid_parameter_422(
    client: TestClient,
) -> None:
    for status, cases in ((404, NOT_FOUND), (422, INVALID)):
        for path, error in cases:
            response = client.get(path, headers=AUTH)

            assert (response.status_code, response.json()) == (status, {"error": error})


def test_a_database_without_tables_is_503_and_healthz_says_why(
    database_url: str,
) -> None:
    create_database_engine(database_url).connect().close()  # the SQLite file exists
    with api(database_url) as client:
        health = client.get("/healthz")
        report = client.get("/v1/report", headers=AUTH)
        load = put(client, "movie", MOVIES.read_bytes(), CSV)

    assert (health.status_code, health.json()) == (
        503,
        {"error": "the database has no tables yet: run `scli init-db` first"},
    )
    assert report.status_code == 503
    assert report.json()["error"].startswith("the database has no ")
    assert load.status_code == 503
    assert load.json()["error"].startswith("database: ")


def test_the_openapi_document_describes_every_route_and_its_errors(
    client: TestClient,
) -> None:
    document = client.get("/openapi.json").json()
    put_records = document["paths"]["/v1/{model}/records"]["put"]

    assert set(document["paths"]) == {
        "/v1/{model}/records",
        "/v1/loads",
        "/v1/loads/{load_id}",
        "/v1/loads/{load_id}/rejections",
        "/v1/report",
        "/healthz",
    }
    assert set(put_records["requestBody"]["content"]) == {CSV, JSON, JSONL}
    assert set(put_records["responses"]) == {
        "200",
        "401",
        "404",
        "409",
        "413",
        "415",
        "422",
        "503",
    }
    (mode,) = [p for p in put_records["parameters"] if p["name"] == "mode"]
    assert mode["schema"]["anyOf"][0]["enum"] == ["full", "incremental"]
    assert "HTTPBearer" in document["components"]["securitySchemes"]


def test_healthz_is_503_when_the_database_does_not_answer() -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/nowhere"
    with api(url) as client:
        health = client.get("/healthz")
        loads = client.get("/v1/loads", headers=AUTH)

    for response in (health, loads):
        assert response.status_code == 503
        assert response.json()["error"].startswith("database: connection to server")
