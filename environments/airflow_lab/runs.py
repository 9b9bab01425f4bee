"""Trigger a DAG, wait for it, collect what Airflow recorded: against any ``client.AirflowAPI``.

A lab's API server, the compose files' (``tests/test_compose.py``) or any other Airflow answer the same calls;
``Lab.run`` and friends are these functions on the lab's API with its progress output.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from . import settings as s
from . import timings
from .client import AirflowAPI
from .errors import DagImportError, DagNotFound, LabError, RunTimeout
from .progress import step
from .records import RunResult

TERMINAL_RUN_STATES = {"success", "failed"}

Progress = Callable[[str], AbstractContextManager[Callable[[str], None]]]


def quiet(what: str) -> AbstractContextManager[Callable[[str], None]]:
    return step(what, enabled=False)


def poll(ready: Callable[[], Any], timeout: float, progress: Callable[[str], None], interval: float) -> Any:
    """Call ``ready()`` every ``interval`` s until it returns something truthy or ``timeout`` s have passed;
    return its last value."""
    deadline = time.monotonic() + timeout
    while not (value := ready()):
        if time.monotonic() > deadline:
            return value
        progress("waiting")
        time.sleep(interval)
    return value


def wait_until(ready: Callable[[], Any], what: str, timeout: float = 120, progress: Progress = quiet) -> Any:
    """Poll ``ready()`` until it returns something truthy (returned); raise ``LabError`` after ``timeout``."""
    with progress(f"Waiting until {what}") as update:
        if not (value := poll(ready, timeout, update, s.settings().poll_interval * 2)):
            raise LabError(f"Gave up after {timeout:.0f} s waiting until {what}.")
    return value


def wait_for_dag(
    api: AirflowAPI,
    dag_id: str,
    timeout: float = 120,
    settle: float = 15,
    dags_folder: str = "",
    progress: Progress = quiet,
) -> None:
    """Wait until the DAG processor has parsed ``dag_id``; raise at once on import errors.

    Once other DAGs of the folder have appeared, ``dag_id`` gets ``settle`` more seconds: the processor
    parses a folder in one pass, so a DAG still missing then is not in the folder.
    """
    deadline = time.monotonic() + timeout
    with progress(f"Waiting for the DAG processor to parse {dag_id}") as update:
        while True:
            errors = api.import_errors()
            if errors:
                raise DagImportError(errors)
            found = api.dag_ids()
            if dag_id in found:
                return
            if found:
                deadline = min(deadline, time.monotonic() + settle)
            if time.monotonic() > deadline:
                raise DagNotFound(dag_id, found, dags_folder)
            update(f"{len(found)} DAG(s) parsed so far")
            time.sleep(s.settings().poll_interval)


def trigger(api: AirflowAPI, dag_id: str, conf: dict[str, Any] | None = None, progress: Progress = quiet) -> str:
    """Unpause and trigger ``dag_id`` once it is parsed; returns the run id without waiting."""
    wait_for_dag(api, dag_id, progress=progress)
    api.unpause(dag_id)
    return api.trigger(dag_id, conf)


def wait(
    api: AirflowAPI,
    dag_id: str,
    run_id: str,
    airflow_version: str,
    executor: str,
    timeout: float | None = None,
    logs: bool = False,
    progress: Progress = quiet,
    scheduler_log: Callable[[], str] = lambda: "    (no scheduler log)",
    outages: bool = False,
) -> RunResult:
    """Wait until the run is finished and return what Airflow recorded about it.

    ``outages``: the API may fail for a while (a fault injected into Postgres or the API server): a failed
    request is retried until the timeout instead of ending the wait."""
    timeout = timeout or s.settings().run_timeout
    deadline = time.monotonic() + timeout
    began = time.monotonic()
    with progress(f"Running {dag_id}") as update:
        while True:
            try:
                state = api.run_state(dag_id, run_id)
                if state in TERMINAL_RUN_STATES:
                    break
                counts: dict[str, int] = {}
                for ti in api.task_instances(dag_id, run_id):
                    counts[str(ti.state)] = counts.get(str(ti.state), 0) + 1
                update(f"run {state}; tasks: " + ", ".join(f"{n} {st}" for st, n in sorted(counts.items())))
            except Exception as exc:
                if not outages:
                    raise
                update(f"the API does not answer ({type(exc).__name__})")
            if time.monotonic() > deadline:
                states = {ti.task_id: str(ti.state) for ti in api.task_instances(dag_id, run_id)}
                raise RunTimeout(dag_id, run_id, timeout, states, scheduler_log())
            time.sleep(s.settings().poll_interval)
    timings.record("run", time.monotonic() - began, dag_id=dag_id, airflow_version=airflow_version)
    return RunResult(
        dag_id=dag_id,
        run_id=run_id,
        state=state,
        airflow_version=str(airflow_version),
        executor=str(executor),
        task_instances=tuple(api.task_instances(dag_id, run_id, with_logs=logs)),
    )


def bundle(api: AirflowAPI, dag_id: str, run_id: str) -> dict[str, Any]:
    """Airflow 3: the bundle and the version (commit) a run used, as Airflow recorded them."""
    run = api.get(f"/dags/{dag_id}/dagRuns/{run_id}")
    versions = run.get("dag_versions") or []
    return {
        "name": versions[-1]["bundle_name"] if versions else None,
        "version": run.get("bundle_version"),
        "dag_version": versions[-1]["version_number"] if versions else None,
    }
