"""The book's docker-compose file for the ``local`` environment, started for real and made to run a DAG.

Why this test exists: published Airflow 3 compose setups have shipped with the JWT secret unset (so
every component signs task tokens with its own random key) or with the Execution API URL pointing at
``localhost``. Such a file starts, every container stays up and the health endpoint is green; only
running a task shows that nothing can run. So this test runs one, on the file exactly as printed in
the book, and reads back a task log (which needs the shared ``[api] secret_key`` and a resolvable
scheduler hostname).
"""

from __future__ import annotations

import base64
import os
import secrets
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from airflow_lab import runs
from airflow_lab import settings as s

from .conftest import PROJECT

COMPOSE_DIR = PROJECT / "environments" / "compose"
COMPOSE_FILE = COMPOSE_DIR / "local.yml"
DAGS = PROJECT / "dags" / "executors"
DAG_ID = "local_fanout"
FANOUT_TASKS = 5  # four extract_* tasks and combine
AIRFLOW_SERVICES = ("airflow-api-server", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer")
HEALTH_KEYS = ("metadatabase", "scheduler", "triggerer", "dag-processor")
# Variables a reader may set to swap images, DAGs or the port: unset here, so the file's own defaults apply.
OPTIONAL_VARIABLES = ("AIRFLOW_IMAGE", "POSTGRES_IMAGE", "AIRFLOW_DAGS", "AIRFLOW_API_PORT", "AIRFLOW_ADMIN_USER")


def generated_secrets() -> dict[str, str]:
    return {
        "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
        "AIRFLOW_FERNET_KEY": base64.urlsafe_b64encode(os.urandom(32)).decode(),
        "AIRFLOW_JWT_SECRET": secrets.token_urlsafe(64),
        "AIRFLOW_API_SECRET_KEY": secrets.token_urlsafe(64),
        "AIRFLOW_ADMIN_PASSWORD": secrets.token_urlsafe(16),
    }


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ComposeProject:
    name: str
    env: dict[str, str]
    #: An empty file in place of the `.env` a reader may keep next to the compose file: test the file alone.
    env_file: Path
    #: Passed as `-f` in this order: an overlay (celery.yml) comes after the file it adds to.
    compose_files: tuple[Path, ...] = (COMPOSE_FILE,)

    def run(self, *args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
        docker_compose = shutil.which("docker-compose")
        assert docker_compose, "docker-compose is not on PATH (Debian: apt-get install docker-compose)"
        command = [
            docker_compose,
            "-p",
            self.name,
            *(arg for path in self.compose_files for arg in ("-f", str(path))),
            "--env-file",
            str(self.env_file),
            *args,
        ]
        result = subprocess.run(command, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            pytest.fail(
                f"`docker-compose {' '.join(args)}` exited with {result.returncode}:\n"
                f"{result.stdout}{result.stderr}\n{self.logs()}"
            )
        return result

    def logs(self, lines: int = 40) -> str:
        result = self.run("logs", "--no-color", "--tail", str(lines), timeout=60)
        return f"--- docker-compose logs --tail {lines} ---\n{result.stdout}{result.stderr}"

    def docker_objects(self) -> dict[str, list[str]]:
        from airflow_lab.docker import labelled

        found = labelled(f"com.docker.compose.project={self.name}")
        return {kind: [o.name for o in objects] for kind, objects in found.items()}

    def up_and_run(self, dag_id: str) -> tuple[Any, str, str, list]:
        """``up -d``, wait for health and the DAG, trigger and wait: (API client, state, run_id, task instances)."""
        from airflow_lab.client import V2Client

        self.run("up", "-d", timeout=600, check=True)  # returns once airflow-init has migrated the database
        client = V2Client(
            f"http://127.0.0.1:{self.env['AIRFLOW_API_PORT']}", "admin", self.env["AIRFLOW_ADMIN_PASSWORD"]
        )
        health: dict[str, str] = {}
        deadline = time.monotonic() + s.settings().start_timeout
        while not all(health.get(key) == "healthy" for key in HEALTH_KEYS):
            if time.monotonic() > deadline:
                pytest.fail(f"not healthy after {s.settings().start_timeout:.0f} s: {health}\n{self.logs()}")
            try:
                health = client.health()
            except Exception as exc:  # the API server is still starting
                health = {"api-server": f"unreachable ({type(exc).__name__})"}
            time.sleep(1)

        # the kit's run loop (runs.py) on the compose file's Airflow: import errors fail at once, a run that does
        # not finish names each task's state and the compose logs
        runs.wait_for_dag(client, dag_id, timeout=120, dags_folder=str(DAGS))
        run_id = runs.trigger(client, dag_id)
        result = runs.wait(client, dag_id, run_id, s.AIRFLOW_VERSION, "compose", scheduler_log=self.logs)
        return client, result.state, run_id, list(result.task_instances)

    def services_with_containers(self) -> set[str]:
        """Services that have a container, running or exited: what `up` really started."""
        from airflow_lab.docker import docker_client

        containers = docker_client().containers.list(
            all=True, filters={"label": f"com.docker.compose.project={self.name}"}
        )
        return {c.labels["com.docker.compose.service"] for c in containers}

    def container_hostname(self, service: str) -> str:
        from airflow_lab.docker import docker_client

        labels = [f"com.docker.compose.project={self.name}", f"com.docker.compose.service={service}"]
        (container,) = docker_client().containers.list(filters={"label": labels})
        return container.attrs["Config"]["Hostname"]


def project_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in OPTIONAL_VARIABLES}
    return env | generated_secrets() | extra


@pytest.fixture
def empty_env_file(tmp_path: Path) -> Path:
    path = tmp_path / "empty.env"
    path.touch()
    return path


@pytest.fixture
def compose_project(empty_env_file: Path) -> Iterator[ComposeProject]:
    """A uniquely named compose project, always taken down (volumes included), and checked to be gone."""
    project = ComposeProject(
        name=f"airflowlab-compose-{uuid.uuid4().hex[:8]}",
        env=project_env(AIRFLOW_DAGS=str(DAGS), AIRFLOW_API_PORT=str(free_loopback_port())),
        env_file=empty_env_file,
    )
    try:
        yield project
    finally:
        down = project.run("down", "-v", "--remove-orphans", "--timeout", "10", timeout=300)
        left = project.docker_objects()
        assert down.returncode == 0, f"docker-compose down failed:\n{down.stdout}{down.stderr}"
        assert not any(left.values()), f"docker-compose down left objects of {project.name} behind: {left}"


def test_compose_defaults_are_the_lab_kits_and_airflow_components_share_their_secrets(empty_env_file: Path):
    project = ComposeProject(name="airflowlab-compose-config", env=project_env(), env_file=empty_env_file)
    config = yaml.safe_load(project.run("config", check=True).stdout)
    services = config["services"]

    assert services["postgres"]["image"] == s.postgres_image()
    for name in ("airflow-init", *AIRFLOW_SERVICES):
        assert services[name]["image"] == s.airflow_image(), name

    shared = (
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
    )
    for key in shared:
        values = {services[name]["environment"][key] for name in ("airflow-init", *AIRFLOW_SERVICES)}
        assert len(values) == 1, f"{key} differs between Airflow services"
    scheduler_env = services["airflow-scheduler"]["environment"]
    assert scheduler_env["AIRFLOW__API_AUTH__JWT_SECRET"] == project.env["AIRFLOW_JWT_SECRET"]
    assert (
        scheduler_env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == f"http://airflow-api-server:{s.API_PORT}/execution/"
    )
    assert services["airflow-scheduler"]["hostname"] == "airflow-scheduler"
    (published,) = services["airflow-api-server"]["ports"]
    assert published.startswith(f"{s.settings().bind_host}:"), "the API must be published on loopback only"


@pytest.mark.docker
def test_compose_local_runs_a_dag_on_airflow_3(compose_project: ComposeProject):
    project = compose_project
    client, state, run_id, tis = project.up_and_run(DAG_ID)
    summary = {ti.task_id: (ti.state, ti.hostname) for ti in tis}
    assert state == "success", f"run {run_id} {state}: {summary}\n{project.logs()}"
    scheduler = project.container_hostname("airflow-scheduler")
    assert len(tis) == FANOUT_TASKS, summary
    assert all(ti.state == "success" and ti.hostname == scheduler for ti in tis), summary
    # `airflow-common` (scale 0, the base celery.yml extends) is in the file but must never get a container
    assert project.services_with_containers() == {"postgres", "airflow-init", *AIRFLOW_SERVICES}

    # The API server has no access to the scheduler's files: it fetches the log over HTTP from the hostname
    # recorded above, signing the request with [api] secret_key.
    log = client.log(DAG_ID, run_id, "extract_orders", try_number=1)
    assert f"http://{scheduler}:{s.WORKER_LOG_SERVER_PORT}/log/" in log, log
    assert "Done. Returned value was: orders" in log, log
