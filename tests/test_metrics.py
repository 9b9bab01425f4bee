"""Airflow's StatsD metrics through a real statsd + carbon server: the reader, the CLI's --metrics, bad input."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time

import pytest
from airflow_lab import cli
from airflow_lab.environment import local
from airflow_lab.errors import LabError
from airflow_lab.lab import Lab
from airflow_lab.metrics import Metrics

from .conftest import airflow_lab, airflow_lab_up


def test_counters_add_up_the_seconds_of_the_window_and_gauges_keep_the_last_value():
    dump = {  # statsd's graphite layout, as whisper_dump.py prints it
        "stats.counters.airflow.ti_successes.count": [[100, 2.0], [101, 0.0], [102, 3.0], [110, 5.0]],
        "stats.gauges.airflow.pool.running_slots.p": [[100, 1.0], [102, 2.0]],
        "stats.timers.airflow.dag.d.t.duration.count": [[100, 1.0], [101, 2.0]],
        "stats.timers.airflow.dag.d.t.duration.sum": [[100, 1000.0], [101, 5000.0]],
        "stats.timers.airflow.dag.d.t.duration.upper": [[100, 1000.0], [101, 3000.0]],
        "stats.counters.statsd.packets_received.count": [[100, 9.0]],  # statsd's own: not Airflow's
    }
    metrics = Metrics.from_dump(dump, "airflow", since=100, until=102)
    assert metrics.counters == {"ti_successes": 5}  # 110 is after the window
    assert metrics.gauges == {"pool.running_slots.p": 2.0}
    assert metrics.timers == {"dag.d.t.duration": {"count": 3, "mean": 2000.0, "max": 3000.0}}
    frame = metrics.series("pool.running_slots.p")
    assert list(frame["pool.running_slots.p"]) == [1.0, 2.0]


def test_reading_metrics_of_a_lab_without_the_server_names_the_fix():
    with pytest.raises(LabError, match=r"with_metrics\(\)"):
        Lab(local()).metrics()


@pytest.mark.parametrize("option", ["metrics.statsd_host=graphite.example.invalid", "metrics.statsd_on=False"])
def test_metrics_with_a_conflicting_statsd_option_exits_2_before_anything_starts(option, capsys, monkeypatch):
    monkeypatch.setattr(Lab, "start", lambda self: pytest.fail("nothing may start on bad input"))
    code = cli.main(["run", "local", "--dags", "dags/executors", "--dag-id", "x", "--metrics", "--config", option])
    err = capsys.readouterr().err
    assert code == 2
    assert "[metrics] statsd_" in err and "Fix: drop that option" in err


def test_metrics_is_a_flag_that_takes_no_value(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["run", "local", "--dags", "dags/executors", "--dag-id", "x", "--metrics=yes"])
    assert exit_.value.code == 2
    assert "--metrics: ignored explicit argument 'yes'" in capsys.readouterr().err


@pytest.mark.docker
def test_run_with_metrics_counts_what_airflow_recorded(no_leftovers):
    result = airflow_lab("run", "local", "--dags", "dags/executors", "--dag-id", "local_fanout", "--metrics")
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout)
    counters, timers = run["metrics"]["counters"], run["metrics"]["timers"]
    tries = [t for ti in run["task_instances"] for t in ti["tries"]]
    successes = sum(t["state"] == "success" for t in tries)
    assert successes == 5
    assert counters["ti_successes"] == successes
    assert counters.get("ti_failures", 0) == 0
    for ti in run["task_instances"]:  # one finish per task, one duration timing per task
        assert counters[f"ti.finish.local_fanout.{ti['task_id']}.success"] == 1
        assert timers[f"dag.local_fanout.{ti['task_id']}.duration"]["count"] == 1
    assert run["metrics"]["gauges"]["executor.open_slots"] > 0


def test_metrics_with_a_deploy_that_runs_its_own_image_exits_2(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(Lab, "start", lambda self: pytest.fail("nothing may start on bad input"))
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    argv = ["run", "local", "--dags", f"git+file://{tmp_path}@main", "--dag-id", "x", "--metrics"]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "StatsD client" in err and "Fix: drop --metrics" in err


def _statsd_admin(host: str, port: int, command: str) -> str:
    """One command on statsd's management interface: its answer, up to the closing END."""
    with socket.create_connection((host, port), timeout=5) as conn:
        conn.sendall(command.encode() + b"\n")
        answer = b""
        while b"END" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer.decode()


@pytest.mark.docker
def test_up_with_metrics_prints_where_the_running_server_answers(no_leftovers):
    with airflow_lab_up("local", "--dags", "dags/executors", "--metrics") as text:
        host, port = re.search(r"echo counters \| nc (\S+) (\d+)", text).groups()
        series = re.search(r"one series: +(docker exec .+)", text).group(1)
        # Airflow's components report to the server: the scheduler's heartbeat counter arrives (an event, polled)
        deadline = time.monotonic() + 60
        while "airflow.scheduler_heartbeat" not in (counters := _statsd_admin(host, int(port), "counters")):
            assert time.monotonic() < deadline, counters
            time.sleep(1)
        # statsd has it; carbon writes its file at its next write (another event, polled): then read the series
        while True:
            fetched = subprocess.run(["bash", "-c", series], capture_output=True, text=True, timeout=30)
            values = [line.rsplit(None, 1)[-1] for line in fetched.stdout.splitlines() if line.strip()]
            stored = any(v not in ("None", "0.000000") for v in values)
            if (fetched.returncode == 0 and stored) or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert fetched.returncode == 0, fetched.stderr
        assert stored, fetched.stdout[-500:]  # a stored heartbeat
