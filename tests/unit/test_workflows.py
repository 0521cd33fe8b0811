"""The GitHub workflows do what the README and the Makefile say, read as YAML.

actionlint (`make lint-workflows`, in `make checks`) checks them against GitHub's own
rules; these tests check what they are for: CI runs the README's test command against
PostgreSQL 15, and a version tag releases the wheel and the image.
"""

import re
import subprocess
from typing import Any

import pytest
from yaml.constructor import ConstructorError

from tests.conftest import ROOT
from tests.strict_yaml import load, load_file

WORKFLOWS = ROOT / ".github" / "workflows"
YAML_FILES = [
    ROOT / "docker-compose.yml",
    ROOT / "deploy" / "kubernetes" / "cronjob.yaml",
    *sorted(WORKFLOWS.glob("*.yml")),
]


def workflow(name: str) -> dict[str, Any]:
    return load_file(WORKFLOWS / name)


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found = job["steps"]
    assert isinstance(found, list)
    return found


def runs(job: dict[str, Any]) -> list[str]:
    """Each line of each `run:` step of a job, in order."""
    return [
        line.strip()
        for step in steps(job)
        for line in str(step.get("run", "")).splitlines()
        if line.strip()
    ]


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [
        step for step in steps(job) if str(step.get("uses", "")).startswith(action)
    ]
    return step


def readme_test_command() -> str:
    quick_start = re.search(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    assert quick_start is not None
    (command,) = [
        line.split("#")[0].strip()
        for line in quick_start.group(1).splitlines()
        if "test" in line.split("#")[0]
    ]
    return command


def make_targets() -> set[str]:
    shown = subprocess.run(
        ["make", "--no-print-directory", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line.split()[0] for line in shown.splitlines() if line.strip()}


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda path: path.name)
def test_every_yaml_file_parses_with_no_key_given_twice(path: Any) -> None:
    assert load_file(path)


def test_a_key_given_twice_is_an_error() -> None:
    with pytest.raises(ConstructorError, match="found the key 'image' twice"):
        load("services:\n  db:\n    image: postgres:15\n    image: postgres:16\n")


def test_ci_runs_the_readme_test_command_on_every_push_and_pull_request() -> None:
    ci = workflow("ci.yml")
    (job,) = ci["jobs"].values()

    assert {"push", "pull_request", "workflow_call"} <= set(ci["on"])
    assert runs(job)[-1] == readme_test_command() == "make test"
    assert job["env"]["CI"] == "true"
    assert step_using(job, "actions/setup-python")["with"]["python-version"] == "3.11"
    assert ci["permissions"] == {"contents": "read"}


def test_ci_tests_against_a_healthy_postgresql_15_on_the_default_port() -> None:
    (job,) = workflow("ci.yml")["jobs"].values()
    (postgres,) = job["services"].values()

    assert postgres["image"] == "postgres:15"
    assert postgres["ports"] == ["5432:5432"]
    assert postgres["env"] == {"POSTGRES_HOST_AUTH_METHOD": "trust"}
    assert "--health-cmd" in postgres["options"]
    assert "pg_isready" in postgres["options"]


def test_ci_builds_the_airflow_venv_before_the_tests_that_need_it() -> None:
    (job,) = workflow("ci.yml")["jobs"].values()
    commands = runs(job)

    assert commands.index("make requirements-airflow") < commands.index("make test")


def test_a_version_tag_releases_only_after_ci_passes() -> None:
    release = workflow("release.yml")
    jobs = release["jobs"]

    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert jobs["test"]["uses"] == "./.github/workflows/ci.yml"
    assert jobs["release"]["needs"] == "test"
    assert release["permissions"] == {"contents": "read"}
    assert jobs["release"]["permissions"] == {"contents": "write", "packages": "write"}


def test_the_release_checks_the_tag_then_builds_the_wheel_before_the_image() -> None:
    job = workflow("release.yml")["jobs"]["release"]
    commands = runs(job)
    order = [str(step.get("uses", step.get("run", ""))) for step in steps(job)]
    image = next(i for i, step in enumerate(order) if "build-push-action" in step)

    assert 'if [ "v$version" != "$GITHUB_REF_NAME" ]; then' in commands
    assert order.index("make package") < image


def test_the_image_goes_to_the_registry_the_repository_variables_name() -> None:
    job = workflow("release.yml")["jobs"]["release"]
    login = step_using(job, "docker/login-action")["with"]
    push = step_using(job, "docker/build-push-action")["with"]

    assert job["env"]["IMAGE"] == "${{ vars.REGISTRY }}/${{ vars.IMAGE_NAME }}"
    assert login["registry"] == "${{ vars.REGISTRY }}"
    assert login["password"] == "${{ secrets.REGISTRY_PASSWORD }}"
    assert push["push"] is True
    assert push["tags"].splitlines() == [
        "${{ env.IMAGE }}:${{ env.VERSION }}",
        "${{ env.IMAGE }}:latest",
    ]


def test_the_release_attaches_the_wheel_and_the_sdist() -> None:
    job = workflow("release.yml")["jobs"]["release"]
    attach = " ".join(runs(job)[-6:])

    assert "gh release upload" in attach and "gh release create" in attach
    assert attach.count("dist/*.whl dist/*.tar.gz") == 2


def test_every_make_target_the_workflows_run_exists() -> None:
    used = {
        match
        for path in WORKFLOWS.glob("*.yml")
        for match in re.findall(r"\bmake (?:--silent )?([a-z-]+)", path.read_text())
    }

    assert used == {"version", "package", "requirements-airflow", "test"}
    assert used <= make_targets()
