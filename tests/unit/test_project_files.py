"""The files that run the tool outside Python stay true to the code."""

import re
import subprocess

import yaml

from tests.conftest import ROOT
from tests.e2e.helpers import LOADS

MAKE_TARGETS = (
    "requirements requirements-dev requirements-minimum tests-coverage unit-tests "
    "integration-tests e2e-tests app teardown style-check quality-check type-check "
    "checks apply-style package version build-docker clean help run test"
).split()


def compose() -> dict[str, dict[str, dict[str, object]]]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


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


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert "make test" in readme and "make run" in readme
    assert re.search(r"^make test$", ci, re.M)
    assert "export CI=true" in ci


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
