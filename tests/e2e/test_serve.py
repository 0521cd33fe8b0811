"""`scli serve` as a real server: requests from its own schema, and its refusals.

A file PUT to it in its own process is the README's example, run by
tests/e2e/test_readme_examples.py.
"""

import os
import signal
import socket
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.helpers import scli
from tests.servers import API_TOKEN, api_server, free_port

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}

# The two text formats are sent as generated: any string is a body to refuse or load.
schemathesis.serializer.alias(["text/csv", "application/x-ndjson"], "text/plain")


#: The checks every generated request's answer must pass.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def test_requests_from_the_openapi_document_get_no_5xx_and_match_their_schema(
    ready: str,
) -> None:
    with api_server(ready) as base:
        schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
        loaded = list(schema.get_all_operations())
        operations = [result.ok() for result in loaded if isinstance(result, Ok)]
        assert len(operations) == len(loaded), loaded
        answered: dict[str, set[int]] = {}

        for operation in operations:

            @settings(
                max_examples=10,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy())
            def answers_in_its_schema(case: Case[Any]) -> None:
                response = case.call_and_validate(
                    base_url=base, headers=AUTH, checks=CHECKS, timeout=30
                )
                answered.setdefault(operation.label, set()).add(response.status_code)

            answers_in_its_schema()

    # Generated requests reach the routes, and some get past the parameters.
    assert 200 in answered["GET /v1/loads"] and 200 in answered["GET /v1/report"]
    assert answered["PUT /v1/{model}/records"] & {200, 415, 422}
    assert set(answered) == {
        "PUT /v1/{model}/records",
        "GET /v1/loads",
        "GET /v1/loads/{load_id}",
        "GET /v1/loads/{load_id}/rejections",
        "GET /v1/report",
        "GET /healthz",
    }


def test_serve_refuses_to_start_without_a_token(ready: str) -> None:
    result = scli(ready, "serve")

    assert result.exit_code == 2
    assert result.stderr == (
        "scli: error: SCLI_API_TOKEN is not set: the API serves only requests that "
        "carry its token (Authorization: Bearer $SCLI_API_TOKEN)\n"
    )


@pytest.mark.parametrize("value", ["lots", "0", "-1", "inf", "nan"])
def test_serve_refuses_a_cap_that_is_not_a_positive_number(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("SCLI_API_TOKEN", API_TOKEN)
    monkeypatch.setenv("SCLI_API_MAX_BODY_MB", value)

    result = scli(sqlite_url, "serve")

    assert result.exit_code == 2
    assert result.stderr == (
        f"scli: error: SCLI_API_MAX_BODY_MB is {value!r}: give the largest body in "
        "MiB, e.g. 1024\n"
    )


def test_serve_refuses_a_sqlite_file_that_does_not_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_API_TOKEN", API_TOKEN)

    result = scli(f"sqlite:///{tmp_path / 'none.db'}", "serve")

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: no SQLite database at {tmp_path / 'none.db'}: create it with "
        "`scli init-db`\n"
    )


def test_serve_exits_1_when_its_port_is_taken(
    ready: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_API_TOKEN", API_TOKEN)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = scli(ready, "serve", "--port", str(port))

    assert result.exit_code == 1
    assert result.stderr == (
        f"scli: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"
    )


def test_serve_exits_1_when_its_host_is_not_an_address_of_this_machine(
    ready: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCLI_API_TOKEN", API_TOKEN)

    foreign = scli(ready, "serve", "--host", "192.0.2.1", "--port", "8000")
    unknown = scli(ready, "serve", "--host", "no-such-host.invalid", "--port", "8000")

    assert (foreign.exit_code, unknown.exit_code) == (1, 1)
    assert foreign.stderr == (
        "scli: error: cannot listen on 192.0.2.1:8000: Cannot assign requested "
        "address\n"
    )
    assert unknown.stderr == (
        "scli: error: cannot listen on no-such-host.invalid:8000: Name or service "
        "not known\n"
    )


def test_serve_answers_until_sigterm_then_stops_gracefully(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In this process (the command's own lines are measured), on the main thread
    # as a console script runs, with SIGTERM sent from a client thread. A file
    # PUT to a server in its own process, on both databases: the README's test.
    ready = sqlite_url
    assert scli(ready, "init-db").exit_code == 0
    monkeypatch.setenv("SCLI_API_TOKEN", API_TOKEN)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    answers: list[httpx2.Response] = []
    delivered: list[int] = []

    def client() -> None:
        try:
            deadline = time.monotonic() + 60
            while not answers and time.monotonic() < deadline:
                try:
                    answers.append(httpx2.get(f"{base}/v1/loads", headers=AUTH))
                except httpx2.TransportError:
                    time.sleep(0.1)
        finally:
            os.kill(os.getpid(), signal.SIGTERM)

    # uvicorn hands the signal back to this handler once it has stopped.
    previous = signal.signal(signal.SIGTERM, lambda sig, _: delivered.append(sig))
    thread = threading.Thread(target=client)
    thread.start()
    try:
        result = scli(ready, "serve", "--port", str(port))
    finally:
        thread.join()
        signal.signal(signal.SIGTERM, previous)

    assert result.exit_code == 0, result.output
    assert [(r.status_code, r.json()) for r in answers] == [(200, [])]
    assert delivered == [signal.SIGTERM]
    assert result.stderr.startswith(
        f"scli serve: http://127.0.0.1:{port} on {ready}; the OpenAPI document at "
        "/openapi.json\n"
    )
    assert "Application shutdown complete." in result.stderr
