"""Shared fixtures. Docker tests fail (never skip) when there is no engine: the message says how to get one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from airflow_lab import timings

# Airflow (imported by the DAG integrity test) reads its home at import time: keep it out of ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-lab-test-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
# Everything this test session starts (in-process, through the CLI, in lab kernels) carries this label, so the
# leak checks below see only this session's objects even when someone else uses the same Docker engine.
# With pytest-xdist each worker process gets its own label: workers run labs side by side.
os.environ.setdefault("AIRFLOW_LAB_SESSION", f"pytest-{uuid.uuid4().hex[:8]}")
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AIRFLOW_LAB_SESSION"] = f"{os.environ['AIRFLOW_LAB_SESSION'].split('@')[0]}@{worker}"

PROJECT = Path(__file__).resolve().parent.parent
TEST_DAGS = Path(__file__).resolve().parent / "dags"


def labelled_objects() -> dict[str, list[str]]:
    """The names of every container, network and volume this test session created."""
    from airflow_lab import settings as s
    from airflow_lab.docker import labelled

    mine = f"{s.LABEL}.session={os.environ['AIRFLOW_LAB_SESSION']}"
    return {kind: [o.name for o in objects] for kind, objects in labelled(mine).items()}


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> subprocess.CompletedProcess:
    """One `jb build` of the whole book per test session (about 100 s), shared by the build and browser tests.

    Built as `make book` builds it (-W: a warning fails), into a temporary folder so a reader's _build is untouched.
    The HTML is in ``Path(result.args[-1]) / "_build" / "html"``.
    """
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).with_name("jb")
    return subprocess.run(
        [str(jb), "build", str(PROJECT), "-W", "-n", "--keep-going", "--path-output", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture(scope="session")
def book_html(built_book) -> Path:
    """The built book's HTML folder; fails (with jb's output) when the build failed."""
    assert built_book.returncode == 0, built_book.stdout[-4000:] + built_book.stderr[-4000:]
    return Path(built_book.args[-1]) / "_build" / "html"


@pytest.fixture
def no_docker_engine(monkeypatch):
    """No Docker engine answers (a socket that is not there): what must work or fail before the engine is asked."""
    from airflow_lab.docker import docker_client

    docker_client.cache_clear()  # a client made by an earlier test would still reach the real engine
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    yield
    docker_client.cache_clear()


@pytest.fixture
def no_leftovers():
    """Asserts that the test left no labelled container, network or volume behind."""
    before = labelled_objects()
    yield
    after = labelled_objects()
    leaked = {kind: sorted(set(after[kind]) - set(before[kind])) for kind in after}
    assert not any(leaked.values()), f"the kit leaked Docker objects: {leaked}"


def airflow_lab(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    """Runs ``airflow-lab ARGS`` as a reader would (its own process, from the project folder) and returns it."""
    return subprocess.run(
        [sys.executable, "-m", "airflow_lab.cli", *args], cwd=PROJECT, capture_output=True, text=True, timeout=timeout
    )


@contextmanager
def airflow_lab_up(*args: str) -> Iterator[str]:
    """Runs ``airflow-lab up ARGS``, yields what it printed up to "Ctrl-C", then presses Ctrl-C.

    On leaving, the command must have exited 130 (interrupted, cleaned up); it is killed if it hangs. Ctrl-C is
    pressed even when the test's body failed: a killed ``up`` would leave its environment running.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_lab.cli", "up", *args],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        yield "".join(lines)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                process.kill()
    assert process.returncode == 130, process.stderr.read()[-2000:] if process.stderr else ""


def pytest_sessionstart(session):
    """The session's first timings line: when it began and the machine's CPU time then (the controller's only)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _mark_session("start")


def _mark_session(event: str) -> None:
    timings.record("session", 0, event=event, cores=os.cpu_count(), **(timings.machine_cpu() or {}))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Where the session's time went (starts, runs, image builds, the cores' work), from the kit's timings file
    (`make test` sets it)."""
    path = os.environ.get("AIRFLOW_LAB_TIMINGS_FILE")
    if not path or not Path(path).exists() or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    from bench import suite_timings

    _mark_session("end")
    summary = suite_timings(Path(path))
    terminalreporter.section("where the time went (airflow-lab timings)")
    for kind in ("start", "reuse", "run", "build", "files", "cpu"):
        if kind in summary:
            terminalreporter.write_line(f"{kind}: {summary[kind]}")


def pytest_sessionfinish(session, exitstatus):
    """Removes the environments labs kept for each other (AIRFLOW_LAB_REUSE), then fails the session if anything
    it created is still there: every lab also checks its own, but a kept environment is the session's."""
    from airflow_lab import reuse
    from airflow_lab.errors import DockerUnavailable

    try:
        reuse.remove_all()
        left = labelled_objects()
    except DockerUnavailable:
        return  # no engine: the session started nothing (its Docker tests failed and said why)
    if any(left.values()):
        print(f"\nthe test session leaked Docker objects: {left}", file=sys.stderr)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        from airflow_lab.docker import remove_labelled

        remove_labelled(session=os.environ["AIRFLOW_LAB_SESSION"])  # reported above; the next session starts clean


def pytest_configure(config):
    # Hooks about each test file (labs included): a conftest's item hooks reach only the items below its folder,
    # and the labs are not below tests/, so these are registered as a plugin of the whole session.
    from . import session_hooks

    config.pluginmanager.register(session_hooks, "airflow-lab-session-hooks")
