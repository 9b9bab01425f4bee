"""`airflow-lab run` end to end: the JSON contract other programs rely on, on both Airflow majors."""

from __future__ import annotations

import json
import re

import pytest
from airflow_lab import settings as s

from .conftest import airflow_lab

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


@pytest.mark.docker
@pytest.mark.parametrize("version", s.SUPPORTED_AIRFLOW_VERSIONS)
def test_run_prints_the_run_as_airflow_recorded_it(version, no_leftovers):
    result = airflow_lab(
        "run", "local", "--dags", "dags/executors", "--dag-id", "local_fanout", "--airflow-version", version, "--logs"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout)  # exactly one JSON object on stdout

    assert run["state"] == "success"
    assert (run["dag_id"], run["airflow_version"], run["executor"]) == ("local_fanout", version, "LocalExecutor")
    assert run["run_id"]
    tis = {ti["task_id"]: ti for ti in run["task_instances"]}
    assert set(tis) == {"extract_orders", "extract_users", "extract_events", "extract_prices", "combine"}
    for ti in tis.values():
        assert ti["state"] == "success" and ti["try_number"] == 1 and ti["map_index"] == -1
        assert ti["queue"] == "default" and ti["pool"] == "default_pool"
        assert ti["hostname"] == "airflow-scheduler"  # LocalExecutor: the scheduler's host runs the task
        assert ISO_UTC.match(ti["start_date"]) and ISO_UTC.match(ti["end_date"])
        assert ti["start_date"] < ti["end_date"]
        [attempt] = ti["tries"]
        assert attempt["try_number"] == 1 and attempt["state"] == "success"
        assert attempt["start_date"] == ti["start_date"] and attempt["hostname"] == ti["hostname"]
        assert "Returned value was" in attempt["log"], attempt["log"][-500:]
        # plain text a reader can print: not Airflow 2's JSON form, the repr of [(host, text)] with \\n escapes
        assert not attempt["log"].startswith("[(") and "\\n" not in attempt["log"]
        assert len(attempt["log"].splitlines()) > 3
    assert "Returned value was: orders" in tis["extract_orders"]["tries"][0]["log"]


@pytest.mark.docker
@pytest.mark.parametrize("env", ["celery", "celery-rabbitmq"])
def test_celery_runs_every_task_on_a_worker_host_not_the_scheduler(env, no_leftovers):
    result = airflow_lab("run", env, "--dags", "dags/executors", "--dag-id", "local_fanout", "--workers", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout)
    assert (run["state"], run["executor"]) == ("success", "CeleryExecutor")
    hosts = {ti["hostname"] for ti in run["task_instances"]}
    assert hosts and hosts <= {"airflow-worker-1", "airflow-worker-2"}, hosts
    assert {ti["queue"] for ti in run["task_instances"]} == {"default"}
