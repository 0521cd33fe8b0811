"""The nightly load as an Airflow DAG: the same image and commands as the CronJob.

Two tasks, each a pod of the scli image: `scli init-db`, then `scli load-dump` of the
vendor's FTP folder, with DATABASE_URL and the FTP account taken from the same
Kubernetes Secrets as deploy/kubernetes/cronjob.yaml. Airflow adds retries, run
history and alerts on failure; the exit code of `scli` decides success.

The module parses and compiles without Airflow; the DAG itself is only built where
Airflow and its Kubernetes provider are installed. The tests do both: they read the
constants here without Airflow, and Airflow's own DagBag imports this folder in a venv
of its own (deploy/airflow/requirements.lock, `make requirements-airflow`).
"""

from datetime import timedelta

#: The image `make build-docker` tags.
IMAGE = "strider-challenge:1.0.0"
#: The two steps, exactly as the CronJob runs them.
INIT_DB = ["scli", "init-db"]
LOAD_DUMP = [
    "scli",
    "load-dump",
    "--max-rejects",
    "1000",
    "ftp://ftp.vendor.example.com/dump/",
]
#: Environment variable, Kubernetes Secret, key: what the tool reads, from where.
SECRETS = [
    ("DATABASE_URL", "strider-database", "url"),
    ("SCLI_FTP_USER", "strider-vendor", "user"),
    ("SCLI_FTP_PASSWORD", "strider-vendor", "password"),
]
#: 02:30 at +01:00 (POSIX zone names invert the sign), as the CronJob.
SCHEDULE, TIMEZONE = "30 2 * * *", "Etc/GMT-1"

try:
    import pendulum
    from airflow import DAG
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from airflow.providers.cncf.kubernetes.secret import Secret
    from kubernetes.client import models as k8s
except ImportError:  # no Airflow here: the module still parses and compiles
    DAG = None

if DAG is not None:
    with DAG(
        dag_id="strider_nightly_load",
        schedule=SCHEDULE,
        start_date=pendulum.datetime(2024, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        default_args={
            "retries": 2,
            "retry_delay": timedelta(minutes=10),
            "execution_timeout": timedelta(hours=4),
        },
        tags=["strider"],
    ) as dag:
        secrets = [Secret("env", name, secret, key) for name, secret, key in SECRETS]
        init_db = KubernetesPodOperator(
            task_id="init_db",
            name="strider-init-db",
            image=IMAGE,
            cmds=INIT_DB[:1],
            arguments=INIT_DB[1:],
            secrets=secrets[:1],
            get_logs=True,
        )
        load_dump = KubernetesPodOperator(
            task_id="load_dump",
            name="strider-load-dump",
            image=IMAGE,
            cmds=LOAD_DUMP[:1],
            arguments=LOAD_DUMP[1:],
            secrets=secrets,
            container_resources=k8s.V1ResourceRequirements(
                requests={"cpu": "1", "memory": "256Mi"},
                limits={"cpu": "1", "memory": "512Mi"},
            ),
            get_logs=True,
        )
        init_db >> load_dump
