"""The book's ``celery`` compose overlay on top of ``local.yml``, started for real and made to run a DAG.

A Celery installation can look healthy (every container up, the health endpoint green) while no task ever
runs: a worker that cannot reach the broker, the Execution API or the result backend just waits. So this
test runs ``celery_queues`` through the two files as the chapter runs them
(``docker-compose -f local.yml -f celery.yml``), checks that the ``high_io``
tasks ran on the one worker that consumes that queue, and reads back a task log, which the API server
fetches from the worker's own log server (shared ``[api] secret_key``, resolvable worker hostname).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from airflow_lab import settings as s

from .conftest import PROJECT
from .test_compose import (  # noqa: F401
    COMPOSE_DIR,
    ComposeProject,
    empty_env_file,
    free_loopback_port,
    project_env,
)

#: celery.yml is an overlay: Compose merges it into local.yml, as the chapter tells readers to run it.
COMPOSE_FILES = (COMPOSE_DIR / "local.yml", COMPOSE_DIR / "celery.yml")
DAGS = PROJECT / "dags" / "executors"
DAG_ID = "celery_queues"
WORKERS = {"airflow-worker-1": "high_io,default", "airflow-worker-2": "default"}
AIRFLOW_SERVICES = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer", *WORKERS)


@pytest.fixture
def celery_project(empty_env_file: Path) -> Iterator[ComposeProject]:  # noqa: F811
    """A uniquely named compose project, always taken down (volumes included), and checked to be gone."""
    project = ComposeProject(
        name=f"airflowlab-celery-{uuid.uuid4().hex[:8]}",
        env=project_env(AIRFLOW_DAGS=str(DAGS), AIRFLOW_API_PORT=str(free_loopback_port())),
        env_file=empty_env_file,
        compose_files=COMPOSE_FILES,
    )
    try:
        yield project
    finally:
        down = project.run("down", "-v", "--remove-orphans", "--timeout", "10", timeout=300)
        left = project.docker_objects()
        assert down.returncode == 0, f"docker-compose down failed:\n{down.stdout}{down.stderr}"
        assert not any(left.values()), f"docker-compose down left objects of {project.name} behind: {left}"


def test_celery_compose_defaults_are_the_lab_kits_and_workers_share_the_secrets(empty_env_file: Path):  # noqa: F811
    project = ComposeProject(
        name="airflowlab-celery-config", env=project_env(), env_file=empty_env_file, compose_files=COMPOSE_FILES
    )
    services = yaml.safe_load(project.run("config", check=True).stdout)["services"]

    assert services["postgres"]["image"] == s.postgres_image()
    assert services["redis"]["image"] == s.redis_image()
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        assert services[name]["image"] == s.airflow_image(), name
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name

    shared = (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
    )
    for key in shared:
        values = {services[name]["environment"][key] for name in ("airflow-init", *AIRFLOW_SERVICES)}
        assert len(values) == 1, f"{key} differs between Airflow services"
    env = services["airflow-worker-1"]["environment"]
    assert env["AIRFLOW__CELERY__BROKER_URL"] == f"redis://redis:{s.REDIS_PORT}/0"
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql")
    for worker, queues in WORKERS.items():
        assert services[worker]["hostname"] == worker
        command = services[worker]["command"]
        assert command[:3] == ["airflow", "celery", "worker"] and command[command.index("--queues") + 1] == queues
    (published,) = services["airflow-api-server"]["ports"]
    assert published.startswith(f"{s.settings().bind_host}:"), "the API must be published on loopback only"


@pytest.mark.docker
def test_compose_celery_routes_queues_to_workers_on_airflow_3(celery_project: ComposeProject):
    project = celery_project
    client, state, run_id, tis = project.up_and_run(DAG_ID)
    summary = {ti.task_id: (ti.state, ti.queue, ti.hostname) for ti in tis}
    assert state == "success", f"run {run_id} {state}: {summary}\n{project.logs()}"
    high_io_worker = project.container_hostname("airflow-worker-1")
    workers = {project.container_hostname(name) for name in WORKERS}
    assert workers == set(WORKERS), workers
    assert all(ti.state == "success" and ti.hostname in workers for ti in tis), summary
    assert {ti.hostname for ti in tis if ti.queue == "high_io"} == {high_io_worker}, summary
    assert {ti.queue for ti in tis} == {"high_io", "default"}, summary
    assert project.services_with_containers() == {"postgres", "redis", "airflow-init", *AIRFLOW_SERVICES}

    # The task ran in another container than the API server's: its log comes over HTTP from that worker.
    log = client.log(DAG_ID, run_id, "download_a", try_number=1)
    assert f"http://{high_io_worker}:{s.WORKER_LOG_SERVER_PORT}/log/" in log, log
    assert "Done. Returned value was: a" in log, log
