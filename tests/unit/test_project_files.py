"""The files that run the tool outside Python stay true to the code."""

import fnmatch
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

from tests.conftest import ROOT
from tests.e2e.helpers import LOADS
from tests.strict_yaml import load_file
from tests.unit.test_deploy import cronjob

MAKE_TARGETS = (
    "requirements requirements-dev requirements-minimum requirements-airflow lock "
    "lock-check lint-workflows lint-dockerfile tests-coverage unit-tests "
    "integration-tests e2e-tests app teardown style-check quality-check type-check "
    "checks apply-style package version build-docker clean help run test"
).split()


def compose() -> dict[str, dict[str, dict[str, object]]]:
    return load_file(ROOT / "docker-compose.yml")


def dockerfile_stages() -> list[list[str]]:
    """The Dockerfile's instructions, continuation lines joined, one list per stage."""
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    stages: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("FROM "):
            stages.append([])
        if line and not line.startswith("#"):
            stages[-1].append(" ".join(line.split()))
    return stages


def test_make_help_documents_every_target() -> None:
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    documented = {line.split()[0] for line in shown.splitlines() if line.strip()}

    assert set(MAKE_TARGETS) <= documented


def test_compose_app_reaches_a_healthy_postgres_service() -> None:
    services = compose()["services"]
    url = str(services["app"]["environment"]["DATABASE_URL"])  # type: ignore[index]
    host = re.match(r"postgresql://[^@]+@([^:/]+)", url)

    assert host is not None
    db = services[host.group(1)]
    assert str(db["image"]).startswith("postgres:15")
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])  # type: ignore[index]
    depends = services["app"]["depends_on"]
    assert depends[host.group(1)] == {"condition": "service_healthy"}  # type: ignore


def test_compose_app_runs_the_six_documented_loads() -> None:
    app = compose()["services"]["app"]
    command = " ".join(app["command"])  # type: ignore[arg-type]

    assert command.startswith("scli init-db")
    for model, collector, file in LOADS:
        assert (
            f"--model {model} --collector {collector} --config data/{file}" in command
        )
        assert (ROOT / "data" / file).is_file()


def test_dockerfile_copies_only_what_exists_and_runs_scli() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = [
        part
        for line in dockerfile.splitlines()
        if line.startswith("COPY ")
        for part in line.split()[1:-1]
    ]

    assert sources and all((ROOT / source).exists() for source in sources)
    assert 'ENTRYPOINT ["scli"]' in dockerfile
    assert (
        "scli=strider_challenge.entrypoints.cli:app" in (ROOT / "setup.py").read_text()
    )


def test_the_image_builds_the_wheel_then_installs_the_lock_and_the_wheel() -> None:
    build, final = dockerfile_stages()

    assert build[0] == "FROM python:3.11-slim AS wheel"
    assert "RUN pip install --require-hashes -r requirements.build.lock" in build
    assert "RUN python -m build --no-isolation --wheel --outdir /wheels ." in build
    assert final[0] == "FROM python:3.11-slim"
    assert "RUN pip install --require-hashes -r requirements.lock" in final
    (wheel,) = [line for line in final if "--mount=type=bind,from=wheel" in line]
    assert wheel.endswith("pip install --no-deps /wheels/strider_challenge-*.whl")
    assert final[-2:] == ['ENTRYPOINT ["scli"]', 'CMD ["--help"]']


def test_the_image_copies_what_setup_py_reads_into_its_build_stage() -> None:
    build, _ = dockerfile_stages()
    copied = {
        part
        for line in build
        if line.startswith("COPY ")
        for part in line.split()[1:-1]
    }
    setup = (ROOT / "setup.py").read_text()
    read = set(re.findall(r'HERE / "([^"]+)"', setup)) | set(
        re.findall(r'requirements\("([^"]+)"\)', setup)
    )
    manifest = (ROOT / "MANIFEST.in").read_text().split()

    assert read == {
        "README.md",
        "strider_challenge",
        "requirements.txt",
        "requirements.dev.txt",
    }
    assert read <= copied
    assert {"requirements.txt", "requirements.dev.txt"} <= set(manifest)


def test_the_build_context_leaves_out_the_venvs_but_not_what_the_image_copies() -> None:
    ignored = [
        line
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    copied = [
        part
        for stage in dockerfile_stages()
        for line in stage
        if line.startswith("COPY ")
        for part in line.split()[1:-1]
    ]

    assert {".venv", ".venv-*", "dist", ".git"} <= set(ignored)
    assert not [
        source
        for source in copied
        for pattern in ignored
        if fnmatch.fnmatch(source, pattern) or source.startswith(f"{pattern}/")
    ]


def test_the_image_runs_as_the_non_root_user_the_cronjob_expects() -> None:
    _, final = dockerfile_stages()
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    pod: dict[str, Any] = cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]

    assert users and users[-1].isdigit() and int(users[-1]) != 0
    assert pod["securityContext"] == {"runAsNonRoot": True, "runAsUser": int(users[-1])}
    assert f"--uid {users[-1]}" in " ".join(final)


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert "make test" in readme and "make run" in readme
    assert re.search(r"^make test$", ci, re.M)
    assert "export CI=true" in ci


def test_requirements_installs_again_only_when_its_inputs_change(
    tmp_path: Path,
) -> None:
    """A second `make run` must not reinstall: pip runs when its inputs are newer."""
    calls = tmp_path / "pip-calls"
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\necho "$*" >> {calls}\n')
    python.chmod(0o755)
    for name in ("requirements.lock", "setup.py"):
        (tmp_path / name).write_text("")

    def make_requirements() -> str:
        return subprocess.run(
            [
                "make",
                "--no-print-directory",
                "-f",
                str(ROOT / "Makefile"),
                "VENV=venv",
                "requirements",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    first = make_requirements()
    installs = calls.read_text().splitlines()
    again = make_requirements()
    unchanged = calls.read_text().splitlines()
    later = time.time() + 10
    os.utime(tmp_path / "requirements.lock", (later, later))
    make_requirements()

    assert [line.split()[-1] for line in installs] == ["requirements.lock", "."]
    assert "pip install" in first and "pip" not in again
    assert unchanged == installs
    assert len(calls.read_text().splitlines()) == 4


def test_ci_installs_the_browser_the_report_test_needs() -> None:
    ci = (ROOT / ".ci" / "run").read_text()

    assert "if ! command -v chromium" in ci
    assert "apt-get install -y -qq chromium" in ci
    assert ci.index("apt-get install") < ci.index("make test")


def test_every_image_the_readme_shows_is_in_the_repository() -> None:
    readme = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", readme)

    assert "docs/report.png" in images
    for image in images:
        assert (ROOT / image).read_bytes().startswith(b"\x89PNG"), image
