"""Airflow's own DagBag imports deploy/airflow/ as a scheduler would.

Airflow and its Kubernetes provider live in a venv of their own (`make
requirements-airflow`, which .ci/run runs): their pins are not scli's. Without that venv
the tests are skipped, and they fail when CI=true.
"""

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.unit.test_deploy import containers, cronjob

pytestmark = pytest.mark.slow

AIRFLOW_PYTHON = ROOT / ".venv-airflow" / "bin" / "python"
PROBE = Path(__file__).with_name("airflow_dagbag.py")
DAG_ID = "strider_nightly_load"


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the DagBag found in deploy/airflow/, as the probe reports it."""
    if not AIRFLOW_PYTHON.exists():
        message = f"{AIRFLOW_PYTHON} is missing: run `make requirements-airflow`"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    home = tmp_path_factory.mktemp("airflow-home")
    report = home / "dagbag.json"
    done = subprocess.run(
        [
            str(AIRFLOW_PYTHON),
            str(PROBE),
            str(ROOT / "deploy" / "airflow"),
            str(report),
        ],
        capture_output=True,
        text=True,
        env={"AIRFLOW_HOME": str(home), "PATH": "/usr/bin:/bin"},
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    found = json.loads(report.read_text())
    assert isinstance(found, dict)
    return found


def test_the_dag_folder_imports_without_errors_or_warnings(
    dagbag: dict[str, Any],
) -> None:
    assert dagbag["import_errors"] == {}
    assert dagbag["warnings"] == {}
    assert list(dagbag["dags"]) == [DAG_ID]


def test_the_dag_runs_init_db_then_load_dump_in_pods(dagbag: dict[str, Any]) -> None:
    tasks = {task["task_id"]: task for task in dagbag["dags"][DAG_ID]["tasks"]}

    assert sorted(tasks) == ["init_db", "load_dump"]
    assert tasks["init_db"]["upstream"] == []
    assert tasks["load_dump"]["upstream"] == ["init_db"]
    assert {task["operator"] for task in tasks.values()} == {"KubernetesPodOperator"}


def test_each_task_runs_its_cronjob_container(dagbag: dict[str, Any]) -> None:
    dag = dagbag["dags"][DAG_ID]
    tasks = sorted(dag["tasks"], key=lambda task: len(task["upstream"]))

    assert (dag["schedule"], dag["timezone"]) == (
        cronjob()["spec"]["schedule"],
        cronjob()["spec"]["timeZone"],
    )
    assert len(tasks) == len(containers())
    for task, container in zip(tasks, containers()):
        assert task["command"] == container["command"]
        assert task["image"] == container["image"]
        assert sorted(map(tuple, task["secrets"])) == sorted(
            (
                variable["name"],
                variable["valueFrom"]["secretKeyRef"]["name"],
                variable["valueFrom"]["secretKeyRef"]["key"],
            )
            for variable in container["env"]
        )
