"""`make test` sums up where its time went, the cores' work included (benchmarks/bench.py's suite_timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import PROJECT

sys.path.insert(0, str(PROJECT / "benchmarks"))
from bench import suite_timings  # noqa: E402


def _lines(path, *entries: dict) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))


def _file(path: str, at: float, seconds: float, alone: bool, busy: float, whole: float) -> dict:
    return dict(
        kind="file", at=at, seconds=seconds, path=path, alone=alone, waited_s=0, cpu_busy_s=busy, cpu_all_s=whole
    )


def test_the_floor_is_the_session_s_busy_cpu_over_the_cores_and_alone_files_are_apart(tmp_path):
    timings = tmp_path / "timings.jsonl"
    _lines(
        timings,
        {"kind": "session", "event": "start", "at": 1000.0, "cores": 2, "cpu_busy_s": 50.0, "cpu_all_s": 100.0},
        # 100 s alone, a quarter of two cores busy; then 300 s shared, three quarters busy
        _file("a", at=1100.0, seconds=100.0, alone=True, busy=50.0, whole=200.0),
        _file("b", at=1400.0, seconds=300.0, alone=False, busy=450.0, whole=600.0),
        {"kind": "session", "event": "end", "at": 1400.0, "cores": 2, "cpu_busy_s": 550.0, "cpu_all_s": 900.0},
    )
    cpu = suite_timings(timings)["cpu"]
    assert cpu["session_s"] == 400 and cpu["busy_cpu_s"] == 500 and cpu["utilization"] == 0.62
    assert cpu["floor_s"] == 250  # 500 CPU-seconds of work on 2 cores
    assert cpu["alone_files"] == {"seconds": 100, "busy_cpu_s": 50, "utilization": 0.25}
    assert cpu["the_rest"] == {"seconds": 300, "busy_cpu_s": 450, "utilization": 0.75}


def test_a_session_without_its_start_and_end_has_no_cpu_figure(tmp_path):
    timings = tmp_path / "timings.jsonl"
    _lines(timings, {"kind": "run", "seconds": 3.0, "at": 5.0, "session": "x", "dag_id": "d"})
    assert "cpu" not in suite_timings(timings)


def test_a_test_session_records_the_machine_s_cpu_at_its_ends_and_around_each_file(tmp_path):
    timings = tmp_path / "timings.jsonl"
    env = os.environ | {"AIRFLOW_LAB_TIMINGS_FILE": str(timings)}
    # the inner session is a session of its own, not one of this session's xdist workers, and labels itself
    for name in [n for n in env if n.startswith("PYTEST_XDIST_")] + ["AIRFLOW_LAB_SESSION"]:
        env.pop(name)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_records.py", "-n", "1", "-q", "-p", "no:cacheprovider"],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert "cpu: {'cores'" in done.stdout, done.stdout[-2000:]
    entries = [json.loads(line) for line in timings.read_text().splitlines()]
    files = [e for e in entries if e["kind"] == "file"]
    assert [f["path"] for f in files] == ["tests/test_records.py"] and files[0]["cpu_all_s"] > 0, files
    cpu = suite_timings(timings)["cpu"]
    # the cores cannot have been busier than all the time: 1 s for the two readings not being at the same instant
    assert 0 < cpu["busy_cpu_s"] and cpu["floor_s"] <= cpu["session_s"] + 1 and cpu["utilization"] <= 1, cpu
