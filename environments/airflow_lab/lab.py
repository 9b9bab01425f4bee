"""``Lab``: what a lab notebook holds after ``env.start()``. A running environment (``containers``, ``lifecycle``),
what one does to it (``operations``), and its DAG runs: trigger, wait, and read what Airflow recorded (``runs``,
against this lab's API). ``side_by_side`` starts several environments over one time window."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from . import runs
from . import settings as s
from .containers import ignore_sigint, restore_sigint
from .errors import LabError
from .faults import Injector
from .operations import LabOperations
from .progress import step
from .records import RunResult
from .types import Fault

if TYPE_CHECKING:  # the value Lab starts; environment.py imports this module to give it ``start()``
    from .environment import Environment


class Lab(LabOperations):
    """A started environment. Use as a context manager; ``stop()`` is safe to call twice.

    ``lab.run(dag_id)`` triggers a DAG and returns what Airflow recorded; ``exec``, ``sql``, ``logs``, ``kill``,
    ``metrics()``, ``roll_out`` and the rest come from ``LabOperations``, ``LabLifecycle`` and
    ``LabContainers``."""

    # -- runs (runs.py, on this lab's API) -----------------------------------------------------------------------------

    def wait_for_dag(self, dag_id: str, timeout: float = 120, settle: float = 15) -> None:
        """Wait until the DAG processor has parsed ``dag_id``; raise at once on import errors."""
        runs.wait_for_dag(self._api(), dag_id, timeout, settle, str(self.env.dags), self.progress)

    def unpause(self, dag_id: str) -> None:
        """Unpause without triggering: the scheduler then creates the DAG's scheduled runs itself."""
        self.wait_for_dag(dag_id)
        self._api().unpause(dag_id)

    def pause(self, dag_id: str) -> None:
        self._api().pause(dag_id)

    def wait_until(self, ready: Callable[[], Any], what: str, timeout: float = 120) -> Any:
        """Poll ``ready()`` until it returns something truthy (returned); raise ``LabError`` after ``timeout``,
        with the last log lines of what acts on its own (the scheduler, the DAG processor, a deploy's sidecar)."""
        try:
            return runs.wait_until(ready, what, timeout, self.progress)
        except LabError as exc:
            source = self.env.dag_source
            sidecar = source.sidecar.role if source is not None and source.sidecar is not None else ""
            roles = [r for r in (self.env.scheduler_names[0], "dag-processor", sidecar) if r in self.containers]
            tails = "".join(f"\nlast lines of {role}:\n{self.containers[role].tail(15)}" for role in roles)
            raise LabError(f"{exc}{tails}") from None

    def create_pool(self, name: str, slots: int, description: str = "") -> None:
        """Create a pool through the REST API (as a reader would in the UI or with ``airflow pools set``)."""
        self._api().create_pool(name, slots, description)

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause and trigger ``dag_id``; returns the run id without waiting."""
        self.wait_for_dag(dag_id)
        api = self._api()
        api.unpause(dag_id)
        return api.trigger(dag_id, conf)

    def wait(
        self, dag_id: str, run_id: str, timeout: float | None = None, logs: bool = False, outages: bool = False
    ) -> RunResult:
        """Wait until the run is finished and return what Airflow recorded about it (with a deploy on Airflow 3,
        also the bundle and the version (commit) the run used). ``outages``: the API may fail meanwhile (a fault
        took Postgres or the API server away): keep asking until the timeout."""
        result = runs.wait(
            self._api(),
            dag_id,
            run_id,
            self.env.airflow_version,
            self.env.executor,
            timeout,
            logs,
            self.progress,
            lambda: self.container(self.env.scheduler_names[0]).tail(),
            outages=outages,
        )
        if self.env.dag_source is not None and self.env.major >= 3:  # Airflow 2 records neither
            result = replace(result, bundle=runs.bundle(self._api(), dag_id, run_id))
        return result

    def run(
        self,
        dag_id: str,
        conf: dict[str, Any] | None = None,
        timeout: float | None = None,
        logs: bool = False,
        faults: Sequence[Fault] = (),
    ) -> RunResult:
        """Trigger ``dag_id``, wait for it to finish, and return the run as Airflow recorded it.

        ``faults`` (``Fault("airflow-scheduler-1", "kill", at=10)``) are done that many seconds after the trigger;
        the result's ``faults`` says when each was done."""
        self.env.check_faults(faults, timeout or s.settings().run_timeout)
        run_id = self.trigger(dag_id, conf)
        if not faults:
            return self.wait(dag_id, run_id, timeout, logs)
        began = time.monotonic()
        with Injector(faults, self.inject) as injector:
            result = self.wait(dag_id, run_id, timeout, logs, outages=True)
        return replace(result, faults=tuple(injector.report(time.monotonic() - began)))


@contextmanager
def side_by_side(*envs: Environment) -> Iterator[list[Lab]]:
    """``with side_by_side(env_a, env_b) as (a, b):`` starts the environments at the same time, each on its own
    network, and removes all of them at the end: for a lab that compares settings over one time window, which
    one start after another would make several windows long. Every environment costs its own memory.

    If one start fails, the others are removed too and that start's error is raised.
    """
    labs = [Lab(env, show_progress=False) for env in envs]
    try:
        what = f"{len(labs)} environments side by side"
        with step(f"Starting {what}", done_as=f"Airflow is up: {what}") as progress:
            progress(", ".join(repr(env) for env in envs))
            pool = ThreadPoolExecutor(max_workers=max(len(labs), 1))
            started = [pool.submit(lab.start) for lab in labs]
            try:
                wait(started)
            finally:
                # Ctrl-C interrupts this thread's wait, not the starts: let them finish, so that the stops below
                # find every container they made
                previous = ignore_sigint()
                try:
                    pool.shutdown(wait=True)
                finally:
                    restore_sigint(previous)
            for future in started:
                future.result()
        for lab in labs:  # their waits and steps from now on print as a single lab's do
            lab.show_progress = True
        yield labs
    finally:
        for lab in labs:
            lab.stop()
