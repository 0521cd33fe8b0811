"""Print, as JSON, what Airflow's own DagBag makes of a DAG folder.

Run by the Airflow venv's Python (`make requirements-airflow`), not by the test venv:
`python tests/e2e/airflow_dagbag.py deploy/airflow OUT.json`. The JSON goes to a file,
since Airflow logs to standard output.
"""

import json
import sys
from typing import Any

from airflow.dag_processing.dagbag import DagBag


def describe(folder: str) -> dict[str, Any]:
    """The import errors, the warnings and every DAG's schedule and tasks."""
    bag = DagBag(dag_folder=folder)
    return {
        "import_errors": {
            str(path): str(error) for path, error in bag.import_errors.items()
        },
        "warnings": {
            str(path): [str(w) for w in found]
            for path, found in bag.captured_warnings.items()
        },
        "dags": {
            dag_id: {
                "schedule": dag.timetable.expression,
                "timezone": dag.timezone.name,
                "tasks": [
                    {
                        "task_id": task.task_id,
                        "operator": type(task).__name__,
                        "upstream": sorted(task.upstream_task_ids),
                        "image": task.image,
                        "command": [*task.cmds, *task.arguments],
                        "secrets": [
                            [secret.deploy_target, secret.secret, secret.key]
                            for secret in task.secrets
                        ],
                    }
                    for task in dag.tasks
                ],
            }
            for dag_id, dag in bag.dags.items()
        },
    }


if __name__ == "__main__":
    folder, out = sys.argv[1:]
    with open(out, "w") as file:
        json.dump(describe(folder), file)
