"""Fault injection and extra schedulers (``--schedulers``, ``--kill``, ``--restart``): checked before anything
starts, done when asked, reported in the run's JSON. The failures labs (labs/operate/) measure what Airflow does."""

from __future__ import annotations

import json
import threading

import pytest
from airflow_lab.cli import main, parser
from airflow_lab.environment import celery, local
from airflow_lab.errors import LabError
from airflow_lab.faults import Injector
from airflow_lab.services import Postgres
from airflow_lab.types import Fault, FaultAction

from .conftest import airflow_lab

RUN = ["run", "local", "--dags", "dags/operate", "--dag-id", "operate_failover"]


def test_a_fault_is_read_as_component_at_seconds():
    fault = Fault.parse("airflow-scheduler-2@7.5", "kill")
    assert (fault.component, fault.action, fault.at) == ("airflow-scheduler-2", FaultAction.KILL, 7.5)
    for bad in ("airflow-scheduler-2", "@5", "postgres@soon", "postgres@-1"):
        with pytest.raises(LabError, match="COMPONENT@SECONDS"):
            Fault.parse(bad, "restart")


def test_schedulers_are_named_by_number_only_when_there_are_several():
    assert "airflow-scheduler" in local().addressable()
    names = celery(schedulers=3).addressable()
    assert [n for n in names if "scheduler" in n] == [f"airflow-scheduler-{i}" for i in (1, 2, 3)]
    assert {"postgres", "redis", "airflow-worker-1", "airflow-worker-2"} <= set(names)
    assert local(schedulers=2) != local() and hash(local(schedulers=2)) != hash(local())


def test_zero_schedulers_is_refused_before_docker(capsys):
    with pytest.raises(LabError, match="at least one scheduler"):
        local(schedulers=0)
    with pytest.raises(SystemExit) as exit_:
        parser().parse_args([*RUN, "--schedulers", "0"])
    assert exit_.value.code == 2
    assert "at least 1" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "cause"),
    [
        (["--kill", "airflow-scheduler-3@5", "--schedulers", "2"], "no component 'airflow-scheduler-3'"),
        (["--restart", "redis@5"], "no component 'redis'"),  # local has no broker
        (["--kill", "postgres@400"], "after the run's timeout"),
        (["--kill", "postgres@100", "--timeout", "60"], "after the run's timeout"),
    ],
)
def test_a_fault_the_environment_cannot_take_exits_2_naming_the_fix(capsys, no_docker_engine, args, cause):
    assert main([*RUN, *args]) == 2
    err = capsys.readouterr().err
    assert cause in err
    assert "use one of" in err or "earlier time" in err


def test_killed_scheduler_is_reported_and_the_other_finishes_the_run(no_leftovers):
    # What the killed scheduler had queued or started is found by the survivor's orphan check (every
    # orphaned_tasks_check_interval, once the dead scheduler's heartbeat is older than the health threshold) or by
    # the task heartbeat timeout: all shortened, so the test takes a minute, not five.
    args = ["--schedulers", "2", "--kill", "airflow-scheduler-2@3"]
    for option in (
        "task_instance_heartbeat_timeout=15",
        "orphaned_tasks_check_interval=5",
        "scheduler_health_check_threshold=10",
    ):
        args += ["--config", f"scheduler.{option}"]
    process = airflow_lab(*RUN, *args, timeout=400)
    assert process.returncode == 0, process.stderr[-3000:]
    result = json.loads(process.stdout)
    (fault,) = result["faults"]
    assert (fault["component"], fault["action"], fault["at"]) == ("airflow-scheduler-2", "kill", 3.0)
    assert fault["done_at"] >= 3.0
    assert result["state"] == "success"
    for ti in result["task_instances"]:  # whatever the killed scheduler was running, the survivor ran again
        last = ti["tries"][-1]
        assert (last["state"], last["hostname"]) == ("success", "airflow-scheduler-1"), ti
        assert all(t["hostname"] in ("", "airflow-scheduler-2") for t in ti["tries"][:-1]), ti  # "": never started


def test_a_fault_due_after_the_run_ended_is_an_error_naming_the_run_length():
    fired = threading.Event()
    faults = [Fault("postgres", "restart", 0), Fault("airflow-triggerer", "kill", 60)]
    with Injector(faults, lambda fault: fired.set()) as injector:
        assert fired.wait(10)  # the first fault was done; the run "ends" long before the second is due
    with pytest.raises(LabError, match=r"before the fault kill airflow-triggerer@60 was due: choose a time inside"):
        injector.report(run_seconds=2)


def test_a_fault_that_fails_is_reported_not_lost():
    tried = threading.Event()

    def refuse(fault: Fault) -> None:
        tried.set()
        raise RuntimeError("no such container")

    with Injector([Fault("postgres", "kill", 0)], refuse) as injector:
        assert tried.wait(10)
    with pytest.raises(LabError, match="kill postgres@0 failed: no such container"):
        injector.report(run_seconds=1)


def test_each_fault_reports_when_it_was_due_and_done():
    fired = threading.Event()
    with Injector([Fault("postgres", "kill", 0.2)], lambda fault: fired.set()) as injector:
        assert fired.wait(10)
    (report,) = injector.report(run_seconds=1)
    assert (report["component"], report["action"], report["at"]) == ("postgres", "kill", 0.2)
    assert report["done_at"] >= 0.2


def test_postgres_is_stopped_with_its_fast_shutdown_so_a_restart_is_not_a_kill():
    # SIGTERM, Docker's default, is Postgres's smart shutdown: it waits for Airflow's pooled connections to close,
    # which they never do, so `docker restart` would SIGKILL it after the timeout (labs/operate/postgres_restart.ipynb
    # asserts the fast shutdown from Postgres's own log)
    postgres = Postgres("3.3.2").join(None, "airflow-lab-x-postgres", {"airflow-lab": "lab"})
    assert postgres._kwargs["stop_signal"] == "SIGINT"
    assert postgres._kwargs["labels"] == {"airflow-lab": "lab"}, "the kit's labels must survive: cleanup finds by them"
