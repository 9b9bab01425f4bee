"""Bad input gets a clear error naming the cause, and nothing is left behind: failed runs, import errors,
timeouts, unknown DAGs and Ctrl-C all end with no labelled container, network or volume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
from airflow_lab import settings as s
from airflow_lab.docker import docker_client
from airflow_lab.environment import local
from airflow_lab.errors import LabError
from airflow_lab.lab import Lab

from .conftest import PROJECT, TEST_DAGS, airflow_lab, labelled_objects

pytestmark = pytest.mark.docker


def recorded_task_state(dag_id: str, task_id: str) -> str | None:
    """The state Airflow recorded for the task, read from this session's metadata database (None before there
    is one: no lab Postgres yet, tables not there yet, or no such task instance)."""
    session = f"{s.LABEL}.session={os.environ['AIRFLOW_LAB_SESSION']}"
    found = docker_client().containers.list(filters={"label": [session, f"{s.LABEL}.role=postgres"]})
    if not found:
        return None
    query = f"SELECT state FROM task_instance WHERE dag_id = '{dag_id}' AND task_id = '{task_id}'"
    result = found[0].exec_run(["psql", "-U", "airflow", "-d", "airflow", "-tAc", query])
    if result.exit_code != 0:
        return None
    return result.output.decode().strip() or None


def wait_for_task_state(
    dag_id: str, task_id: str, state: str, alive: Callable[[], bool] = lambda: True, timeout: float = 180
) -> None:
    """Wait until Airflow records ``state`` for the task; fail at once when ``alive()`` says the lab is gone."""
    deadline = time.monotonic() + timeout
    while (recorded := recorded_task_state(dag_id, task_id)) != state:
        assert alive(), f"the lab ended before {dag_id}.{task_id} was {state} (last recorded: {recorded})"
        assert time.monotonic() < deadline, f"{dag_id}.{task_id} not {state} after {timeout:.0f} s: {recorded}"
        time.sleep(0.5)  # the poll's interval, not a wait: the loop ends on the recorded state


def test_a_failed_run_exits_1_with_the_failure_recorded(no_leftovers):
    result = airflow_lab("run", "local", "--dags", str(TEST_DAGS / "failing"), "--dag-id", "always_fails", "--logs")
    assert result.returncode == 1, result.stderr[-3000:]
    run = json.loads(result.stdout)
    assert run["state"] == "failed"
    [boom] = run["task_instances"]
    assert boom["state"] == "failed"
    assert "failing on purpose" in boom["tries"][-1]["log"]


def test_an_import_error_is_raised_with_file_and_error_not_a_timeout(no_leftovers):
    started = time.monotonic()
    result = airflow_lab("run", "local", "--dags", str(TEST_DAGS / "broken"), "--dag-id", "broken_import")
    assert result.returncode == 2
    assert "could not import" in result.stderr
    assert "broken_import.py" in result.stderr and "module_that_does_not_exist" in result.stderr
    assert result.stdout == ""
    assert time.monotonic() - started < 120


def test_an_unknown_dag_id_names_the_dags_that_were_found(no_leftovers):
    result = airflow_lab("run", "local", "--dags", "dags/executors", "--dag-id", "no_such_dag")
    assert result.returncode == 2
    assert "'no_such_dag' was not found" in result.stderr and "local_fanout" in result.stderr


def test_a_run_timeout_lists_task_states_and_the_scheduler_log(no_leftovers):
    result = airflow_lab("run", "local", "--dags", str(TEST_DAGS / "slow"), "--dag-id", "sleeps", "--timeout", "8")
    assert result.returncode == 2
    assert "did not finish within 8 s" in result.stderr
    assert "nap:" in result.stderr  # the task's state at the deadline
    assert "last scheduler log lines" in result.stderr


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupt_or_termination_removes_everything(signum, no_leftovers):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "airflow_lab.cli",
            "run",
            "local",
            "--dags",
            str(TEST_DAGS / "slow"),
            "--dag-id",
            "sleeps",
        ],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # interrupt while the run is under way: Airflow recorded its task as running
        wait_for_task_state("sleeps", "nap", "running", alive=lambda: process.poll() is None)
        assert labelled_objects()["containers"], "the environment should be running before the interrupt"
        process.send_signal(signum)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err[-2000:]
    assert "interrupted" in err


def test_an_api_server_that_exits_before_its_port_is_read_fails_the_start_with_its_log(monkeypatch, no_leftovers):
    # a secrets backend Airflow cannot import makes every component exit at start (the custom backend lab's case);
    # CI reached the port of such an API server after it had exited, and got testcontainers' TimeoutError
    env = local(dags=TEST_DAGS / "quick").with_config(secrets__backend="no_such_module.Backend")
    connect = Lab._connect

    def connect_once_exited(lab: Lab) -> None:
        api_server = lab.containers[lab.env.components()[0].name]
        api_server.get_wrapped_container().wait(timeout=120)  # the event: the container has exited
        connect(lab)

    monkeypatch.setattr(Lab, "_connect", connect_once_exited)
    lab = Lab(env)
    try:
        with pytest.raises(LabError, match="exited with code") as failed:
            lab.start()
    finally:
        lab.stop()
    assert "no_such_module" in str(failed.value)


def test_a_wait_that_times_out_shows_what_the_scheduler_and_dag_processor_logged_last(no_leftovers):
    with local(dags=TEST_DAGS / "quick").start(show_progress=False) as lab:
        with pytest.raises(LabError, match="Gave up after 1 s waiting until never") as gave_up:
            lab.wait_until(lambda: False, "never", timeout=1)
    assert "last lines of scheduler:" in str(gave_up.value) and "last lines of dag-processor:" in str(gave_up.value)
