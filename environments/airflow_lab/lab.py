"""One running environment: its network, its services in start order, its API, and its removal.

``Lab`` starts what an ``environment.Environment`` describes (``env.start()`` makes one), gives stores and
deploys a public way to start a service on its network (``start_service``), runs commands and SQL in its
containers, drives DAG runs through ``runs``, and removes every container, network and volume it made on
``stop()``, after success, failure or interrupt.
"""

from __future__ import annotations

import atexit
import csv
import io
import json
import signal
import tarfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from . import reuse, runs, timings
from . import settings as s
from .client import AirflowAPI, V2Client, api_for
from .credentials import Secrets, credentials_sql
from .deploy.release import git_image
from .docker import docker_client, labelled, remove_labelled
from .errors import ComponentUnhealthy, LabError
from .faults import Injector
from .images import ensure_images
from .metrics import Metrics, unix_seconds
from .progress import note, step
from .records import RunResult
from .secrets import SecretStores
from .secrets.stores import needs_servers
from .services import AirflowContainer, MetricsServer, Postgres, RabbitMQ, Redis, Service
from .types import Broker, Fault, FaultAction

if TYPE_CHECKING:  # the value Lab starts; environment.py imports this module to give it ``start()``
    from .environment import Environment

S = TypeVar("S", bound=Service)


_LIVE: set[Lab] = set()


@atexit.register
def _stop_all_live() -> None:
    """A Jupyter kernel restarted or a script ended without ``stop()``: remove what is still running."""
    for lab in list(_LIVE):
        lab.stop()


class Lab:
    """A started environment. Use as a context manager; ``stop()`` is safe to call twice."""

    def __init__(self, env: Environment, show_progress: bool = True) -> None:
        self.env = env
        self.id = uuid.uuid4().hex[:8]
        self.secrets = Secrets()
        self.show_progress = show_progress
        self.containers: dict[str, Service] = {}
        self.network: Network | None = None
        self.api: AirflowAPI | None = None
        self.url: str | None = None
        self.timings: dict[str, float] = {}
        #: The started secrets backends, by name: ``lab.secret_stores["vault"].put_connection(...)``.
        self.secret_stores: SecretStores | None = None
        source = env.dag_source
        #: the image the Airflow components run now (a release's, the git image; changes with ``roll_out``)
        plain = s.airflow_statsd_image if env.metrics else s.airflow_image  # --metrics: with the StatsD client
        self.image = (source.image if source else None) or plain(env.airflow_version)
        #: (image, seconds from the first container replaced to healthy) per roll-out
        self.roll_outs: list[tuple[str, float]] = []
        self._dags_volume = ""
        #: what this lab did to its environment that a reset through the REST API would not undo (a component
        #: killed, restarted or replaced): such an environment is not kept for the next lab (``reuse.py``)
        self.changed_by_hand: str | None = None
        #: with reuse on (``AIRFLOW_LAB_REUSE``): why ``stop()`` removed the environment instead of keeping it
        self.not_kept: str | None = None
        #: whether ``start()`` adopted a kept environment instead of starting one
        self.reused = False
        self._default_pool_slots = 0

    def __repr__(self) -> str:
        state = f"running at {self.url}" if self.url else "stopped"
        return f"Lab({self.env!r}, id={self.id}, {state})"

    # -- lifecycle -------------------------------------------------------------------------------------

    def labels(self, role: str) -> dict[str, str]:
        return s.labels(role, lab=self.id, env=self.env.name)

    def __enter__(self) -> Lab:
        if not self.url:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Lab:
        docker_client()  # a clear error now if there is no engine
        _LIVE.add(self)
        began = time.monotonic()
        env = self.env
        what = f"{env.name}, Airflow {env.airflow_version}"
        try:
            with self.progress(f"Starting {what}", done_as=f"Airflow is up: {what}") as progress:
                progress("checking images")
                ensure_images(
                    (env.airflow_version,),
                    secret_stores=needs_servers(env.secret_stores),
                    brokers=env.uses_celery,
                    quiet=True,
                    metrics=env.metrics,
                )
                if self.image == s.airflow_git_image(env.airflow_version):
                    git_image(env.airflow_version)  # built on first use (cached by content)
                images_ready = time.monotonic()
                self.reused = self._adopt()
                if not self.reused:
                    if reuse.enabled():
                        reuse.evict()  # an idle kept Airflow would share the cores with this one
                    self._start_containers()
            self.timings = {
                "images_s": round(images_ready - began, 2),
                "start_to_healthy_s": round(time.monotonic() - images_ready, 2),
            }
            timings.record("reuse" if self.reused else "start", time.monotonic() - began, environment=repr(env))
            if self.reused and self.show_progress:
                note("  (an earlier lab's environment, reset: AIRFLOW_LAB_REUSE)")
        except BaseException:
            self.stop()
            raise
        return self

    def progress(self, what: str, done_as: str | None = None) -> Any:
        """``with lab.progress("Doing x") as update:``: one line when done (none without ``show_progress``; inside
        another step, only that step's detail)."""
        return step(what, enabled=self.show_progress, done_as=done_as)

    def start_service(self, service: S, title: str | None = None) -> S:
        """Start ``service`` on this lab's network, under the lab's name and labels, and wait until it is ready.

        Secrets stores start their servers (OpenBao, moto) and deploys their sidecars this way.
        """
        self._join(service)
        if title is None:
            service.start()
        else:
            with self.progress(title):
                service.start()
        return service

    def start_services(self, services: list[S]) -> list[S]:
        """``start_service`` for several services that do not wait for each other, side by side: each ``docker
        run`` costs a few hundred ms."""
        for service in services:
            self._join(service)
        with ThreadPoolExecutor(max_workers=max(len(services), 1)) as pool:
            for started in [pool.submit(service.start) for service in services]:
                started.result()
        return services

    def _join(self, service: Service) -> None:
        service.join(self.network, f"airflow-lab-{self.id}-{service.role}", self.labels(service.role))
        self.containers[service.role] = service

    def _adopt(self) -> bool:
        """Take over a kept environment equal to this one (``reuse.py``) instead of starting one; False if none."""
        if not reuse.enabled() or self.env.not_reusable:
            return False
        kept = reuse.claim(self.env.reuse_key, reuse.image_id(self.image))
        if kept is None:
            return False
        self.id, self.secrets, self._default_pool_slots = kept.lab_id, kept.credentials(), kept.default_pool_slots
        components = {c.name for c in self.env.components()}
        for role, name in kept.containers.items():
            kind = AirflowContainer if role in components else Service
            self.containers[role] = kind.adopted(name, role)
        self.secret_stores = SecretStores(self.env.secret_stores, self)
        self._connect()
        self.wait_healthy()
        return True

    def _keep(self) -> bool:
        """With reuse on: put Airflow's records back as a fresh start has them and keep the environment for the
        next equal start instead of removing it. False (and ``not_kept`` says why) when it cannot be kept."""
        api = self.api
        if not reuse.enabled() or api is None:
            return False
        try:
            self.not_kept = self.env.not_reusable or (
                f"the lab used {self.changed_by_hand}()" if self.changed_by_hand else None
            )
            if self.not_kept is not None:
                return False
            assert isinstance(api, V2Client)  # not_reusable refuses Airflow 2, the one other client
            exited = any(c.exited() for c in self.containers.values())
            self.not_kept = "a container exited" if exited else api.why_not_fresh()
            if self.not_kept is not None:
                return False
            api.reset(self._default_pool_slots)
            # the labs' own database (tables their tasks wrote, e.g. the deadline labs' alerts) starts empty too
            self.sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public", database=s.LAB_DATABASE)
            names = {role: c.get_wrapped_container().name for role, c in self.containers.items()}
            image = reuse.image_id(self.image)
            reuse.keep(reuse.record(self.id, self.env.reuse_key, image, names, self.secrets, self._default_pool_slots))
        except Exception as exc:  # whatever went wrong, removing the environment is still right
            self.not_kept = f"the reset failed ({type(exc).__name__}: {exc})"[:300]
            return False
        self.containers.clear()
        self.url = self.api = None
        _LIVE.discard(self)
        return True

    def _start_containers(self) -> None:
        env, secrets_ = self.env, self.secrets
        self.network = Network(docker_network_kw={"labels": self.labels("network")})
        self.network.name = f"airflow-lab-{self.id}"
        self.network.create()

        # Airflow's metadata database comes migrated in the image (``airflow-lab images`` made it); only the
        # credentials are new (the database password; on Airflow 2 the API user's), set before Postgres listens.
        services: list[Service] = [Postgres(env.airflow_version).first_running(credentials_sql(env.major, secrets_))]
        if env.uses_celery and env.broker is Broker.REDIS:
            services.append(Redis())
        if env.uses_celery and env.broker is Broker.RABBITMQ:
            services.append(RabbitMQ(secrets_.broker_password))
        self.secret_stores = SecretStores(env.secret_stores, self)
        source = env.dag_source
        if not (env.secret_stores or source is not None or env.metrics):
            # Nothing has to happen between the services and Airflow: start them all at once. Each Airflow
            # component waits for Postgres to listen before it runs (its image's start-up, and the API server's
            # 825 routes, are most of a start: they should not queue behind Postgres's).
            self._start_components(alongside=services)
            return
        self.start_services(services)
        if env.metrics:  # before Airflow: its first packets (UDP) must find a listener
            self.start_service(MetricsServer(), "Starting statsd and carbon (the metrics server)")
        self.secret_stores.start()  # servers (OpenBao, moto) started and seeded before Airflow reads them
        if source is not None and source.bucket is not None:
            self.upload(source.bucket.folder)  # the bucket must hold the DAGs before the DAG processor starts
        if source is not None and source.sidecar is not None:
            self._start_sidecar()
        self._start_components()

    def airflow_env(self, env: Environment | None = None) -> dict[str, str]:
        """The environment variables of every Airflow container of ``env`` (default: this lab's) with this lab's
        secrets: a container of another version against the same database (``one_off``) gets these."""
        env = env or self.env
        stores = self.secret_stores.airflow_env() if self.secret_stores else {}
        # explicit options (--config, with_config) win over what a secrets backend sets
        airflow_env = stores | env.airflow_config(self.secrets)
        airflow_env |= {"AIRFLOW_LAB_USER": self.secrets.username, "AIRFLOW_LAB_PASSWORD": self.secrets.password}
        return airflow_env | dict(env.env_vars)

    def _start_components(self, alongside: Sequence[Service] = ()) -> None:
        """Start the Airflow components (and the services ``alongside``, side by side with them), then wait until
        Airflow is healthy."""
        env = self.env
        assert self.secret_stores is not None
        airflow_env = self.airflow_env()
        components = env.components()
        containers = []
        for component in components:
            c = self._airflow_container(component.name, hostname=f"airflow-{component.name}")
            c.with_envs(**airflow_env).once_postgres_listens(component.command)
            if env.dags is not None:
                c.mount(str(env.dags), s.DAGS_MOUNT)
            for host_folder, mount in self.secret_stores.volumes():
                c.mount(host_folder, mount)
            if component == components[0]:  # the API server (webserver on Airflow 2)
                c.publish(s.API_PORT)
            containers.append(c)
        api_server = containers[0]
        if env.workers:  # Celery: the workers' start-up is as long, and all of it together binds the cores
            self.start_services([*alongside, *containers])
        else:
            # The API server's start is the longest (one thread building 825 routes: 8 s of CPU): its `docker run`
            # goes first, beside the services, and until Airflow is healthy it has 4x the CPU weight of the other
            # components, which finish earlier anyway. The engine handles a batch of runs one by one.
            api_server.cpu_shares = 4 * s.DOCKER_CPU_SHARES
            self.start_services([*alongside, api_server])
            self.start_services(containers[1:])

        self._connect()
        self.wait_healthy()
        if api_server.cpu_shares:
            api_server.get_wrapped_container().update(cpu_shares=s.DOCKER_CPU_SHARES)  # equal from now on
        self.secret_stores.after_migration()
        if reuse.enabled() and not env.not_reusable and isinstance(self.api, V2Client):
            self._default_pool_slots = self.api.default_pool_slots()  # the reset puts it back

    def _airflow_container(self, role: str, hostname: str | None = None) -> AirflowContainer:
        """A container of the image the Airflow components run, with the plugins and the deploy's mounts."""
        container = AirflowContainer(self.image, role, hostname)
        if self.env.plugins is not None:
            container.mount(str(self.env.plugins), s.PLUGINS_MOUNT)
        source = self.env.dag_source
        if source is not None:
            for host, target in source.mounts:
                container.mount(str(host), target)
        if self._dags_volume:
            container.mount(self._dags_volume, s.DAGS_MOUNT)
        return container

    def _start_sidecar(self) -> None:
        """Airflow 2's sidecar pattern (git-sync, a bucket sync): a sidecar writes the DAG files into a volume
        that the Airflow components mount read-only as their DAG folder. One code path for every sidecar."""
        source = self.env.dag_source
        assert source is not None and source.sidecar is not None
        loop = source.sidecar
        self._dags_volume = f"airflow-lab-{self.id}-dags"
        docker_client().volumes.create(self._dags_volume, labels=self.labels("dags-volume"))
        sidecar = AirflowContainer(self.image, loop.role, hostname=loop.role)
        sidecar.mount(self._dags_volume, s.DAGS_MOUNT, mode="rw")
        for host, target in source.mounts:
            sidecar.mount(str(host), target)
        sidecar.with_envs(**loop.environment()).with_command(loop.command())
        sidecar.waiting_for(LogMessageWaitStrategy(loop.ready))
        self.start_service(sidecar, loop.title)

    def wait_healthy(self) -> None:
        """Wait until Airflow's health endpoint reports every component healthy and each Celery worker is ready.

        One loop over the API, not one wait strategy per container: a single endpoint reports the scheduler,
        DAG processor and triggerer, and a component that exits meanwhile fails the wait at once.
        """
        components = self.env.components()
        expected = {c.health_key: c.name for c in components if c.health_key}
        deadline = time.monotonic() + s.settings().start_timeout
        status: dict[str, str] = {}
        api = self._api()
        with self.progress("Waiting for Airflow to be healthy") as progress:
            while True:
                for component in components:
                    if self.containers[component.name].exited():
                        raise self._exited(component.name)
                try:
                    status = api.health()
                except Exception as exc:  # the API server is still starting
                    status = {key: f"unreachable ({type(exc).__name__})" for key in expected}
                waiting = [name for key, name in expected.items() if status.get(key) != "healthy"]
                if not waiting:
                    break
                if time.monotonic() > deadline:
                    name = waiting[0]
                    raise ComponentUnhealthy(
                        name,
                        f"not healthy after {s.settings().start_timeout:.0f} s (health: {status})",
                        self.containers[name].tail(),
                    )
                progress(f"waiting for {', '.join(waiting)}")
                # a health read costs the API server a few ms; a start is waited on by everything that follows
                time.sleep(min(s.settings().poll_interval, 0.2))
            if self.env.schedulers > 1:  # the health endpoint reports the newest heartbeat: one scheduler's
                progress(f"waiting for {self.env.schedulers} schedulers")
                query = (
                    "SELECT count(*) AS n FROM job WHERE job_type = 'SchedulerJob' AND state = 'running'"
                    " AND latest_heartbeat > now() - interval '30 seconds'"
                )
                if not runs.poll(
                    lambda: int(self.sql(query, database="airflow")[0]["n"]) >= self.env.schedulers,
                    deadline - time.monotonic(),
                    progress,
                    s.settings().poll_interval,
                ):
                    raise ComponentUnhealthy(
                        self.env.scheduler_names[-1], "not every scheduler heartbeats", self.logs("scheduler")
                    )
            for component in components:  # Celery workers: the health endpoint does not cover them
                if component.ready_log:
                    progress(f"waiting for {component.name}")
                    self.containers[component.name].wait_until_ready(
                        LogMessageWaitStrategy(component.ready_log), deadline - time.monotonic()
                    )

    def stop(self) -> None:
        """Remove every container and the network of this lab. Idempotent; survives Ctrl-C."""
        previous = _ignore_sigint()
        try:
            was_up = self.api is not None
            kept = self._keep()
            if reuse.enabled() and was_up:  # where the session's time went: which stops kept their environment
                timings.record("stop", 0, kept=kept, not_kept=self.not_kept, environment=repr(self.env))
            if kept:
                return
            for container in reversed(list(self.containers.values())):
                try:
                    container.get_wrapped_container().remove(force=True, v=True)
                except Exception:
                    pass
            self.containers.clear()
            if self.network is not None:
                try:
                    self.network.remove()
                except Exception:
                    pass  # never created (a start that failed first), or already gone
            self.network = None
            if self.secret_stores is not None:
                self.secret_stores.close()
            # whatever a half-finished start left without a Python handle (the sidecar volume), found by label
            remove_labelled(lab_id=self.id)
            self.url = None
            self.api = None
            _LIVE.discard(self)
        finally:
            _restore_sigint(previous)

    # -- inside the containers -------------------------------------------------------------------------

    @property
    def credentials(self) -> dict[str, str]:
        return {"url": self.url or "", "username": self.secrets.username, "password": self.secrets.password}

    def container(self, component: str) -> Service:
        """A component's container, by the kit's name (``scheduler-2``, ``postgres``) or its host name as ``airflow-lab
        up`` prints it (``airflow-scheduler-2``). ``scheduler`` is the first scheduler when there are several."""
        for name in (component, component.removeprefix("airflow-")):
            if name in self.containers:
                return self.containers[name]
        if component.removeprefix("airflow-") == "scheduler" and self.env.schedulers > 1:
            return self.containers[self.env.scheduler_names[0]]
        raise LabError(f"This lab has no component {component!r}: it has {', '.join(self.env.addressable())}.")

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

    def exec_result(self, component: str, command: list[str]) -> tuple[int, str]:
        """Run a command in a component's container; its exit code and output (stdout and stderr)."""
        result = self.container(component).get_wrapped_container().exec_run(command, demux=False)
        return result.exit_code, (result.output or b"").decode(errors="replace")

    def exec(self, component: str, command: list[str]) -> str:
        """Run a command (e.g. Airflow's own CLI) inside a component's container; return its output.

        Raises ``LabError`` with the output when the command fails.
        """
        exit_code, output = self.exec_result(component, command)
        if exit_code != 0:
            raise LabError(f"`{' '.join(command)}` in {component} exited with {exit_code}:\n{output[-3000:]}")
        return output

    def put_files(self, component: str, folder: str, files: dict[str, bytes]) -> None:
        """Write ``files`` (name: content) into ``folder`` of a component's container."""
        self.exec_result(component, ["mkdir", "-p", folder])
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = len(data), 0o644
                tar.addfile(info, io.BytesIO(data))
        self.container(component).get_wrapped_container().put_archive(folder, buf.getvalue())

    def sql(self, query: str, database: str = s.LAB_DATABASE) -> list[dict[str, str]]:
        """Run one SQL statement with ``psql`` in the lab's Postgres; rows as dicts of strings.

        ``database="airflow"`` reads Airflow's own metadata tables (e.g. ``sla_miss``, ``deadline``): records
        that no REST endpoint serves.
        """
        out = self.exec(
            "postgres", ["psql", "-U", "airflow", "-d", database, "--csv", "-v", "ON_ERROR_STOP=1", "-c", query]
        )
        return list(csv.DictReader(io.StringIO(out)))

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

    def logs(self, component: str, lines: int = 40) -> str:
        return self.container(component).tail(lines)

    # -- runs (runs.py, on this lab's API) ------------------------------------------------------------------

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

    def _connect(self) -> None:
        """Point ``url`` and ``api`` at the API server's published port (new after each start, restart, roll-out)."""
        name = self.env.components()[0].name
        api_server = self.containers[name]
        try:
            self.url = api_server.url(s.API_PORT)
        # the port is read from a running container: one that failed at once has none (testcontainers says so with
        # a TimeoutError before it reads the mapping, or a ConnectionError when the container exits meanwhile)
        except (TimeoutError, ConnectionError):
            if api_server.exited():
                raise self._exited(name) from None
            raise
        self.api = api_for(self.env.airflow_version, self.url, self.secrets.username, self.secrets.password)

    def _exited(self, component: str) -> ComponentUnhealthy:
        """The error for a component whose container has exited: its exit code and last log lines."""
        container = self.containers[component]
        return ComponentUnhealthy(
            component, f"its container exited with code {container.exit_code()}", container.tail()
        )

    def _api(self) -> AirflowAPI:
        if self.api is None:
            raise LabError("This lab is not running: start it first (`with env.start() as lab:`).")
        return self.api

    # -- metrics (``env.with_metrics()``) -----------------------------------------------------------------

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

    # -- deploys (the environment's ``dag_source``) ----------------------------------------------------------

    def describe_bucket(self) -> list[str]:
        """Where a bucket deploy reads from, for ``airflow-lab up``: the S3 endpoint on the host and a command
        that deploys again with one's own tooling."""
        source = self.env.dag_source
        if source is None or source.bucket is None or self.secret_stores is None:
            return []
        return source.bucket.describe(self.secret_stores.moto_url() or "", self.env.major)

    def upload(self, folder: str | Path) -> list[str]:
        """Copy a DAG folder to the environment's bucket (moto), replacing what is under the prefix: a deploy.

        Runs boto3 in the moto container (the kit's host has no AWS SDK). Returns the keys written.
        """
        source = self.env.dag_source
        if source is None or source.bucket is None:
            raise LabError("This environment deploys no bucket: start it from deploy.s3_bundle(...).")
        out = self.exec("moto", source.bucket.upload_command(Path(folder)))
        keys: list[str] = json.loads(out.strip().splitlines()[-1])
        return keys

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
        seconds = round(time.monotonic() - began, 2)
        self.roll_outs.append((image, seconds))
        return seconds

    # -- upgrades: other Airflow components on the same database ----------------------------------------------

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
                previous = _ignore_sigint()
                try:
                    pool.shutdown(wait=True)
                finally:
                    _restore_sigint(previous)
            for future in started:
                future.result()
        for lab in labs:  # their waits and steps from now on print as a single lab's do
            lab.show_progress = True
        yield labs
    finally:
        for lab in labs:
            lab.stop()


def _ignore_sigint() -> Any:
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return None


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
