"""One environment's life: its network, its services in start order, its health, and its removal.

``LabLifecycle`` starts what an ``environment.Environment`` describes (or adopts a kept equal one: ``reuse.py``)
in the containers ``containers.LabContainers`` keeps, waits until Airflow is healthy, and on ``stop()`` keeps the
environment for the next equal start or removes every container, network and volume it made, after success,
failure or interrupt. ``operations.LabOperations`` adds what a lab does to a running environment and ``lab.Lab``
the DAG runs: labs use ``Lab``.
"""

from __future__ import annotations

import atexit
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from testcontainers.core.wait_strategies import LogMessageWaitStrategy

from . import reuse, runs, timings
from . import settings as s
from .client import AirflowAPI, V2Client, api_for
from .containers import LabContainers, ignore_sigint, restore_sigint
from .credentials import Secrets, credentials_sql
from .deploy.release import git_image
from .docker import docker_client
from .errors import ComponentUnhealthy, LabError
from .images import ensure_images
from .progress import note
from .secrets import SecretStores
from .secrets.stores import needs_servers
from .services import AirflowContainer, MetricsServer, Postgres, RabbitMQ, Redis, Service
from .types import Broker

if TYPE_CHECKING:  # the value a lab starts; environment.py imports the lab to give it ``start()``
    from .environment import Environment

L = TypeVar("L", bound="LabLifecycle")


_LIVE: set[LabLifecycle] = set()


@atexit.register
def _stop_all_live() -> None:
    """A Jupyter kernel restarted or a script ended without ``stop()``: remove what is still running."""
    for lab in list(_LIVE):
        lab.stop()


class LabLifecycle(LabContainers):
    """Airflow in a lab's containers, from its start (or a kept environment's adoption) to its removal."""

    # -- lifecycle -----------------------------------------------------------------------------------------------------

    def __init__(self, env: Environment, show_progress: bool = True) -> None:
        super().__init__(env, show_progress)
        self.secrets = Secrets()
        self.api: AirflowAPI | None = None
        self.url: str | None = None
        self.timings: dict[str, float] = {}
        #: The started secrets backends, by name: ``lab.secret_stores["vault"].put_connection(...)``.
        self.secret_stores: SecretStores | None = None
        source = env.dag_source
        #: the image the Airflow components run now (a release's, the git image; changes with ``roll_out``)
        plain = s.airflow_statsd_image if env.metrics else s.airflow_image  # --metrics: with the StatsD client
        self.image = (source.image if source else None) or plain(env.airflow_version)
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

    def __enter__(self: L) -> L:
        if not self.url:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self: L) -> L:
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
        self._create_network()

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

    # -- the API server's address --------------------------------------------------------------------------------------

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

    def _api(self) -> AirflowAPI:
        if self.api is None:
            raise LabError("This lab is not running: start it first (`with env.start() as lab:`).")
        return self.api

    # -- removal -------------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Remove every container and the network of this lab. Idempotent; survives Ctrl-C."""
        previous = ignore_sigint()
        try:
            was_up = self.api is not None
            kept = self._keep()
            if reuse.enabled() and was_up:  # where the session's time went: which stops kept their environment
                timings.record("stop", 0, kept=kept, not_kept=self.not_kept, environment=repr(self.env))
            if kept:
                return
            if self.secret_stores is not None:
                self.secret_stores.close()
            self._remove()
            self.url = None
            self.api = None
            _LIVE.discard(self)
        finally:
            restore_sigint(previous)

    # -- a bucket deploy's upload (the start makes the first) ----------------------------------------------------------

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
