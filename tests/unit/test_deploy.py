"""The deployment examples and the design document run commands the tool has.

The Kubernetes CronJob is validated against the Kubernetes API's own schemas (strict:
an unknown field fails); its `scli` commands and the Airflow DAG's must parse as the CLI
parses them, and every variable they set must be one the code reads. Airflow itself
imports the DAG in tests/e2e/test_airflow_dag.py.
"""

import ast
import re
import shlex
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest
import typer
import yaml
from typer.core import TyperGroup

from strider_challenge.entrypoints.cli import app
from tests.conftest import ROOT

CRONJOB = ROOT / "deploy" / "kubernetes" / "cronjob.yaml"
DAG = ROOT / "deploy" / "airflow" / "strider_nightly.py"
DESIGN = ROOT / "docs" / "architecture.md"
#: The oldest Kubernetes the CronJob runs on (`timeZone` is GA from 1.27), and the
#: newest whose schemas kubernetes-validate ships.
KUBERNETES_VERSIONS = ("1.27", kubernetes_validate.latest_version().rsplit(".", 1)[0])
#: The DAG's module-level constants the tests compare with the CronJob.
DAG_CONSTANTS = ("IMAGE", "INIT_DB", "LOAD_DUMP", "SECRETS", "SCHEDULE", "TIMEZONE")


def cronjob() -> dict[str, Any]:
    loaded = yaml.safe_load(CRONJOB.read_text())
    assert isinstance(loaded, dict)
    return loaded


def containers_of(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container of a CronJob's pod, init containers first (as they run)."""
    pod = manifest["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return [*pod.get("initContainers", []), *pod["containers"]]


def containers() -> list[dict[str, Any]]:
    """Every container of the CronJob's pod, init containers first."""
    return containers_of(cronjob())


def secret_variables() -> set[tuple[str, str, str]]:
    """Each variable the CronJob sets: its name, Secret and key."""
    return {
        (
            variable["name"],
            variable["valueFrom"]["secretKeyRef"]["name"],
            variable["valueFrom"]["secretKeyRef"]["key"],
        )
        for container in containers()
        for variable in container.get("env", [])
    }


def parse_scli(command: list[str]) -> None:
    """Parse `scli SUBCOMMAND ...` as the CLI would, without running it."""
    assert command[0] == "scli", command
    group = typer.main.get_command(app)
    assert isinstance(group, TyperGroup)
    assert command[1] in group.commands, command
    group.commands[command[1]].make_context(command[1], command[2:])


def dag_constants() -> dict[str, Any]:
    tree = ast.parse(DAG.read_text(), filename=str(DAG))
    compile(tree, str(DAG), "exec")
    constants: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            target = node.targets[0]
            if isinstance(target, ast.Tuple):
                names = [name.id for name in target.elts if isinstance(name, ast.Name)]
                values = ast.literal_eval(node.value)
                constants.update(zip(names, values))
            elif isinstance(target, ast.Name) and target.id in DAG_CONSTANTS:
                constants[target.id] = ast.literal_eval(node.value)
    return constants


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_the_cronjob_is_valid_for_the_kubernetes_api(version: str) -> None:
    assert kubernetes_validate.validate(cronjob(), version, strict=True) == version


@pytest.mark.parametrize(
    ("where", "change"),
    [
        ("a misspelt field", lambda job: job["spec"].update(concurencyPolicy="Forbid")),
        (
            "a string for a number",
            lambda job: job["spec"].update(startingDeadlineSeconds="30"),
        ),
        ("a container without a name", lambda job: containers_of(job)[0].pop("name")),
    ],
)
def test_the_schema_check_rejects_a_broken_cronjob(
    where: str, change: Callable[[dict[str, Any]], object]
) -> None:
    broken = cronjob()
    change(broken)

    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def test_the_cronjob_runs_at_half_past_two_one_run_at_a_time() -> None:
    manifest = cronjob()
    spec = manifest["spec"]
    job = spec["jobTemplate"]["spec"]

    assert (manifest["apiVersion"], manifest["kind"]) == ("batch/v1", "CronJob")
    assert spec["schedule"] == "30 2 * * *"
    assert spec["concurrencyPolicy"] == "Forbid"
    assert isinstance(job["backoffLimit"], int) and job["backoffLimit"] >= 1
    assert job["template"]["spec"]["restartPolicy"] == "Never"


def test_every_container_runs_an_scli_command_that_parses_with_resources() -> None:
    commands = [container["command"] for container in containers()]

    assert [command[:2] for command in commands] == [
        ["scli", "init-db"],
        ["scli", "load-dump"],
    ]
    for container in containers():
        assert all(isinstance(part, str) for part in container["command"])
        parse_scli(container["command"])
        assert container["resources"]["requests"]["memory"]
        assert container["resources"]["limits"]["memory"]


def test_every_variable_the_cronjob_sets_comes_from_a_secret_and_is_read() -> None:
    source = "\n".join(
        path.read_text() for path in (ROOT / "strider_challenge").rglob("*.py")
    )
    names = {name for name, _, _ in secret_variables()}

    assert names == {"DATABASE_URL", "SCLI_FTP_USER", "SCLI_FTP_PASSWORD"}
    for name in names:
        assert f'"{name}"' in source, f"the code does not read {name}"
    load_dump = containers()[-1]["command"]
    assert "@" not in load_dump[-1], "credentials belong in the Secrets, not the URL"


def test_the_airflow_dag_compiles_without_airflow_and_runs_the_same_commands() -> None:
    constants = dag_constants()
    tree = ast.parse(DAG.read_text())

    assert [constants["INIT_DB"], constants["LOAD_DUMP"]] == [
        container["command"] for container in containers()
    ]
    assert {constants["IMAGE"]} == {container["image"] for container in containers()}
    assert set(constants["SECRETS"]) == secret_variables()
    assert constants["SCHEDULE"] == cronjob()["spec"]["schedule"]
    assert constants["TIMEZONE"] == cronjob()["spec"]["timeZone"]
    top_level_imports = [
        node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
        for node in tree.body
        if isinstance(node, (ast.Import, ast.ImportFrom))
    ]
    assert not [name for name in top_level_imports if "airflow" in str(name)]


def test_every_scli_command_in_the_design_document_parses() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", DESIGN.read_text(), re.S)
    commands = [
        shlex.split(line.split("#")[0])
        for block in blocks
        for line in block.splitlines()
        if line.strip().startswith("scli ")
    ]

    assert len(commands) >= 2
    for command in commands:
        parse_scli(command)
