"""What a lab does to a running environment besides running DAGs: files and host names in its containers,
faults (a killed or restarted component), its metrics, a deploy's bucket and roll-out, and an upgrade's steps
(the old version's components stopped, a one-off container of the new one, the new components started)."""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import reuse, runs, timings
from . import settings as s
from .docker import labelled
from .errors import LabError
from .images import ensure_images
from .lifecycle import LabLifecycle
from .metrics import Metrics, unix_seconds
from .services import AirflowContainer, MetricsServer
from .types import Fault, FaultAction

if TYPE_CHECKING:  # the value an upgrade starts next
    from .environment import Environment


class LabOperations(LabLifecycle):
    """A running environment's operations; ``lab.Lab`` adds its DAG runs."""

    # -- inside the containers -----------------------------------------------------------------------------------------

    @property
    def credentials(self) -> dict[str, str]:
        return {"url": self.url or "", "username": self.secrets.username, "password": self.secrets.password}

    def hostname(self, component: str) -> str:
        """The host name of a component's container, as its processes (and Airflow's records) see it."""
        return self.container(component).get_wrapped_container().attrs["Config"]["Hostname"]

    def component_of(self, hostname: str) -> str:
        """The component whose container has ``hostname`` (a task instance's recorded host), as ``up`` names it."""
        for name, container in self.containers.items():
            if container.hostname == hostname:
                return f"airflow-{name}" if isinstance(container, AirflowContainer) else name
        raise LabError(f"No container of this lab has the host name {hostname!r}.")

    def leftovers(self) -> dict[str, int]:
        """How many containers, networks and volumes of this lab still exist (all zero after ``stop()``).

        An environment that ``stop()`` kept for the next lab (``AIRFLOW_LAB_REUSE``) is no longer this lab's but
        the session's: ``reuse.remove_all()`` removes it at the session's end, where the leak check counts it."""
        if reuse.holds(self.id):
            return {"containers": 0, "networks": 0, "volumes": 0}
        return {kind: len(objects) for kind, objects in labelled(f"{s.LABEL}.lab={self.id}").items()}

    def retry_schedule(self, dag_id: str, run_id: str, task_id: str) -> dict[str, Any]:
        """When Airflow scheduled each retry of a task instance, by Airflow's own ``next_retry_datetime``.

        Runs ``incontainer/retry_schedule.py`` in the scheduler's container (the Airflow version under test),
        on the task as the scheduler sees it and the run's stored logical date. For every earlier try: its
        end, the computed next-retry time and delay, and the band of delays the formula allows for that try.
        """
        script = (Path(__file__).parent / "incontainer" / "retry_schedule.py").read_text()
        out = self.exec(self.env.scheduler_names[0], ["python", "-c", script, dag_id, run_id, task_id])
        line = next(x for x in reversed(out.splitlines()) if x.startswith("RETRY_SCHEDULE "))
        result: dict[str, Any] = json.loads(line.removeprefix("RETRY_SCHEDULE "))
        return result

    # -- faults: what a crashed host or an operator does ---------------------------------------------------------------

    def kill(self, component: str) -> None:
        """Kill a component's container at once (SIGKILL), as a crashed host would: for failure labs."""
        self.changed_by_hand = "kill"
        self.container(component).get_wrapped_container().kill()

    def restart(self, component: str) -> None:
        """Restart a component's container (``docker restart``: SIGTERM, then start again with the same settings)."""
        self.changed_by_hand = "restart"
        container = self.container(component)
        container.get_wrapped_container().restart(timeout=10)
        if container is self.containers[self.env.components()[0].name]:  # the API server: a new host port
            container.get_wrapped_container().reload()
            self._connect()

    def inject(self, fault: Fault) -> None:
        """Do what ``fault`` says to its component now (``run(..., faults=...)`` times them)."""
        if fault.action is FaultAction.KILL:
            self.kill(fault.component)
        else:
            self.restart(fault.component)

    def running(self, component: str) -> bool:
        """Whether a component's container is running (a killed one is not; a restarted one is again)."""
        container = self.container(component).get_wrapped_container()
        container.reload()
        return bool(container.status == "running")

    # -- metrics (``env.with_metrics()``) ------------------------------------------------------------------------------

    def metrics(
        self, since: datetime | float | None = None, until: datetime | float | None = None, timeout: float = 90
    ) -> Metrics:
        """What Airflow sent to StatsD from ``since`` (default: everything stored) to ``until`` (default: now), as
        the metrics server stored it, to the second.

        Waits on the server, not on a clock: until carbon has written, for every series, a point of a flush after
        ``until``. statsd writes every metric it knows at each flush (idle counters as 0), so then every packet
        sent before ``until`` is in the files.
        """
        if "statsd" not in self.containers:
            raise LabError("This lab has no metrics server: start it from env.with_metrics() (CLI: --metrics).")
        lo = unix_seconds(since, 0)
        # the first flush after `until` is stamped at most ceil(until) + 1 (statsd rounds its flush time)
        hi = unix_seconds(until, time.time()) + 2
        script = (Path(__file__).parent / "incontainer" / "whisper_dump.py").read_text()

        def flushed() -> dict[str, Any] | None:
            out = self.exec("statsd", ["python3", "-c", script, str(lo), str(hi + 60)])
            line = next(x for x in reversed(out.splitlines()) if x.startswith("WHISPER "))
            dump: dict[str, Any] = json.loads(line.removeprefix("WHISPER "))
            # a timer's statistics other than its count get a point only in seconds with timings
            steady = [p for n, p in dump.items() if not n.startswith("stats.timers.") or n.endswith(".count")]
            return dump if steady and all(p and p[-1][0] > hi for p in steady) else None

        dump = runs.wait_until(flushed, "the metrics server has stored the last second", timeout, self.progress)
        return Metrics.from_dump(dump, s.STATSD_PREFIX, lo, hi)

    def describe_metrics(self) -> list[str]:
        """Where ``airflow-lab up --metrics`` tells a reader to look."""
        server = self.containers.get("statsd")
        if not isinstance(server, MetricsServer):
            return []
        name = server.get_wrapped_container().name
        series = f"{MetricsServer.WHISPER_DIR}/stats/counters/{s.STATSD_PREFIX}/scheduler_heartbeat/count.wsp"
        return [
            f"Metrics: Airflow sends StatsD to statsd:{s.STATSD_PORT} (UDP, prefix {s.STATSD_PREFIX!r}); statsd"
            " flushes every second to carbon-cache (whisper files).",
            f"  live values (statsd's management port): echo counters | nc {server.admin_address()}",
            f"  stored series: docker exec {name} find {MetricsServer.WHISPER_DIR} -name '*.wsp'",
            f"  one series:    docker exec {name} whisper-fetch --pretty --from=$(($(date +%s) - 300)) {series}",
        ]

    # -- deploys (the environment's ``dag_source``) --------------------------------------------------------------------

    def describe_bucket(self) -> list[str]:
        """Where a bucket deploy reads from, for ``airflow-lab up``: the S3 endpoint on the host and a command
        that deploys again with one's own tooling."""
        source = self.env.dag_source
        if source is None or source.bucket is None or self.secret_stores is None:
            return []
        return source.bucket.describe(self.secret_stores.moto_url() or "", self.env.major)

    def roll_out(self, image: str) -> float:
        """Replace each Airflow component's container with one from ``image``, keeping the database and settings.

        This is how an image release reaches a running installation (compose ``up`` with a new tag, a Helm
        upgrade); a rollback is a roll-out of the previous image. Returns the seconds until all are healthy.
        """
        self.changed_by_hand = "roll_out"
        if self.api is None:
            raise LabError("This lab is not running: start it first.")
        began = time.monotonic()
        components = self.env.components()
        with self.progress(f"Rolling out {image}") as progress:
            for component in components:
                old = self.containers.pop(component.name)
                assert isinstance(old, AirflowContainer)
                kept = old.settings()
                old.get_wrapped_container().remove(force=True, v=True)
                progress(f"replacing {component.name}")
                new = AirflowContainer(image, component.name, hostname=f"airflow-{component.name}")
                new.take_settings(kept)
                self.start_service(new)
        self.image = image
        self._connect()
        self.wait_healthy()
        return round(time.monotonic() - began, 2)

    # -- upgrades: other Airflow components on the same database -------------------------------------------------------

    def stop_airflow(self) -> None:
        """Remove the Airflow components' containers; Postgres with its data, the network and the other services
        stay. An upgrade then migrates the database (``one_off``) and starts the new version (``start_airflow``)."""
        self.changed_by_hand = "stop_airflow"
        for component in self.env.components():
            container = self.containers.pop(component.name, None)
            if container is not None:
                container.get_wrapped_container().remove(force=True, v=True)
        self.url, self.api = None, None

    def one_off(
        self,
        env: Environment,
        role: str,
        command: list[str],
        environment: dict[str, str] | None = None,
        timeout: float = 600,
    ) -> tuple[int, str]:
        """Run ``command`` to its end in a container of ``env``'s Airflow image on this lab's network, with ``env``'s
        settings and this lab's secrets (e.g. the next version's ``airflow db migrate``), or with ``environment``
        only; its exit code and output."""
        self.changed_by_hand = "one_off"
        ensure_images((env.airflow_version,), quiet=True)
        container = AirflowContainer(s.airflow_image(env.airflow_version), role)
        container.with_envs(**(self.airflow_env(env) if environment is None else environment)).with_command(command)
        self.start_service(container)
        wrapped = container.get_wrapped_container()
        try:
            code = int(wrapped.wait(timeout=timeout)["StatusCode"])
            return code, wrapped.logs().decode(errors="replace")
        finally:
            self.containers.pop(role, None)
            wrapped.remove(force=True, v=True)

    def start_airflow(self, env: Environment) -> None:
        """Start ``env``'s Airflow components (after ``stop_airflow``) against this lab's database, which must be
        migrated for ``env``'s version; the lab is ``env``'s from then on."""
        self.changed_by_hand = "start_airflow"
        if self.network is None or "postgres" not in self.containers:
            raise LabError("This lab is not running: start it first.")
        ensure_images((env.airflow_version,), quiet=True)
        self.env, self.image = env, s.airflow_image(env.airflow_version)
        began = time.monotonic()
        with self.progress(f"Starting Airflow {env.airflow_version} on the same database"):
            self._start_components()
        timings.record("start", time.monotonic() - began, environment=repr(env))
