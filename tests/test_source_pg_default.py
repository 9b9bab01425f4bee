"""The source material's Postgres connection and hook snippet, run as written on Airflow 3.3.2 and 2.11.2.

``environments/secrets/pg-default-as-in-source.env`` holds its ``AIRFLOW_CONN_PG_DEFAULT`` line unchanged; a
Postgres answers as ``host`` with the URI's user, password and database, and ``incontainer/
pg_default_as_in_source.py`` runs its ``with hook.get_conn() as conn:`` block in the Airflow image. The verdict
table in book/secrets/connections.md is what these assertions hold.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

import pytest

from .conftest import PROJECT
from .test_secrets_backends import env_file

SCRIPT = Path(__file__).parent / "incontainer" / "pg_default_as_in_source.py"


def run_snippet(version: str) -> dict:
    from airflow_lab import settings as s
    from airflow_lab.docker import docker_client

    uri = env_file(PROJECT / "environments" / "secrets" / "pg-default-as-in-source.env")["AIRFLOW_CONN_PG_DEFAULT"]
    labels = {s.LABEL: "lab", f"{s.LABEL}.session": os.environ["AIRFLOW_LAB_SESSION"]}
    client = docker_client()
    network = client.networks.create(f"airflow-lab-source-{uuid.uuid4().hex[:8]}", labels=labels)
    started = []
    try:
        postgres = client.containers.create(
            s.postgres_image(),
            # the URI's own credentials and database, so it runs as written
            environment={"POSTGRES_USER": "user", "POSTGRES_PASSWORD": "pass", "POSTGRES_DB": "db"},
            labels=labels,
        )
        started.append(postgres)
        network.connect(postgres, aliases=["host"])  # the URI's host name
        postgres.start()
        deadline = time.monotonic() + 60
        while postgres.exec_run(["pg_isready", "-h", "127.0.0.1", "-U", "user", "-d", "db"]).exit_code != 0:
            assert time.monotonic() < deadline, postgres.logs(tail=20).decode()
            time.sleep(0.5)
        airflow = client.containers.run(
            s.airflow_image(version),
            ["python", "/tmp/snippet.py"],
            environment={"AIRFLOW_CONN_PG_DEFAULT": uri, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
            volumes={str(SCRIPT): {"bind": "/tmp/snippet.py", "mode": "ro"}},
            network=network.name,
            labels=labels,
            detach=True,
        )
        started.append(airflow)
        code = airflow.wait(timeout=300)["StatusCode"]
        output = airflow.logs().decode(errors="replace")
        assert code == 0, output[-3000:]
        (line,) = [x for x in output.splitlines() if x.startswith("VERDICT ")]
        return json.loads(line.removeprefix("VERDICT "))
    finally:
        for container in started:
            container.remove(force=True, v=True)
        network.remove()


@pytest.mark.parametrize("version", ["3.3.2", "2.11.2"])
def test_the_sources_uri_keeps_its_driver_in_conn_type_and_its_with_block_commits(version, no_leftovers):
    verdict = run_snippet(version)
    assert verdict["airflow"] == version
    # the whole scheme is the conn_type: only a bare "postgresql" is turned into "postgres"
    assert verdict["conn_type"] == "postgresql+psycopg2", verdict
    # so no hook is registered for it; PostgresHook, which does not look at conn_type, connects anyway
    assert verdict["get_hook"].startswith("AirflowException: Unknown hook type"), verdict
    # the with block committed the first insert and rolled back the one that raised
    assert verdict["committed_rows"] == [1], verdict
    if version.startswith("3."):
        # the Postgres provider uses psycopg 3 beside SQLAlchemy 2: its `with` commits and closes
        assert (verdict["driver"], verdict["closed_after_with"], verdict["closed_after_failed_with"]) == (
            "psycopg",
            True,
            True,
        ), verdict
    else:
        # psycopg2: `with connection` ends the transaction but leaves the connection open
        assert (verdict["driver"], verdict["closed_after_with"], verdict["closed_after_failed_with"]) == (
            "psycopg2",
            False,
            False,
        ), verdict
