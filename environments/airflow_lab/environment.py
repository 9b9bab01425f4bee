"""An Airflow environment is a value: print it, compare it, start it with ``with``.

    >>> env = local(dags="dags/executors", parallelism=4)
    >>> with env.start() as lab:
    ...     result = lab.run("local_fanout")

``Environment`` describes *what* to start (executor, Airflow version, DAG folder, config); ``Lab`` is a
started environment: its containers, its API client and its credentials. Variants (Celery with N workers,
secrets backends) add services and components to the same description; the start-up, health checks,
runs and teardown below serve them all.
"""

from __future__ import annotations

import atexit
import base64
import logging
import os
import re
import secrets
import signal
import time
import uuid
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from . import settings as s
from . import timings
from .client import AirflowAPI, api_for
from .docker import docker_client, labelled
from .errors import ComponentUnhealthy, DagImportError, DagNotFound, LabError, RunTimeout
from .progress import step
from .records import RunResult
from .secrets_backends import (
    SERVER_BACKENDS,
    SecretEntries,
    SecretStore,
    SecretStores,
    check_stores,
    secret_store,
)

TERMINAL_RUN_STATES = {"success", "failed"}


@dataclass(frozen=True)
class Component:
    """One long-running Airflow process in its own container (api-server, scheduler, ...)."""

    name: str
    command: tuple[str, ...]
    #: The key in the health endpoint's answer that reports this component, if any.
    health_key: str | None = None
    #: For components the health endpoint does not cover (Celery workers): a line their log prints when ready.
    ready_log: str | None = None


@dataclass(frozen=True)
class Worker:
    """A Celery worker: which queues it consumes and how many tasks it runs at once."""

    queues: tuple[str, ...] = ("default",)
    concurrency: int = 4


@dataclass(frozen=True)
class Environment:
    """What to start. Immutable: ``env.with_config(...)`` returns a new value."""

    name: str
    executor: str
    airflow_version: str = s.AIRFLOW_VERSION
    dags: Path | None = None
    parallelism: int | None = None
    #: Mounted read-only as Airflow's plugins folder (on ``sys.path`` of every component once its configuration is
    #: loaded: a ``[secrets] backend`` module there also needs ``with_env(PYTHONPATH=settings.PLUGINS_MOUNT)``).
    plugins: Path | None = None
    config: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Celery workers (empty for executors that run tasks elsewhere).
    workers: tuple[Worker, ...] = ()
    #: The Celery broker: ``redis`` or ``rabbitmq``.
    broker: str = "redis"
    #: Where Connections and Variables live and what the kit writes there (``with_secrets``).
    secret_stores: tuple[SecretStore, ...] = ()
    #: Other environment variables of every Airflow container (``with_env``), e.g. ``PYTHONPATH``.
    env_vars: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        check_stores(self.secret_stores)
        for name, what in (("dags", "DAG folder"), ("plugins", "plugins folder")):
            if getattr(self, name) is not None:
                folder = Path(getattr(self, name)).resolve()
                if not folder.is_dir():
                    raise LabError(f"The {what} {folder} does not exist (or is not a folder).")
                object.__setattr__(self, name, folder)
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))
        object.__setattr__(self, "env_vars", MappingProxyType(dict(self.env_vars)))

    def __repr__(self) -> str:
        parts = [f"{self.name!r}", f"executor={self.executor}", f"airflow={self.airflow_version}"]
        if self.dags:
            parts.append(f"dags={_short(self.dags)}")
        if self.plugins:
            parts.append(f"plugins={_short(self.plugins)}")
        if self.parallelism is not None:
            parts.append(f"parallelism={self.parallelism}")
        if self.workers:
            if self.broker != "redis":  # like the other options, shown only when not the default
                parts.append(f"broker={self.broker}")
            parts.append("workers=[" + "; ".join(",".join(w.queues) for w in self.workers) + "]")
        if self.secret_stores:
            parts.append("secrets=" + "+".join(st.backend for st in self.secret_stores))
        parts += [f"{k}={v}" for k, v in sorted(self.config.items())]
        if self.env_vars:  # names only: a value may be a credential
            parts.append("env=" + "+".join(sorted(self.env_vars)))
        return f"Environment({', '.join(parts)})"

    @property
    def major(self) -> int:
        return int(self.airflow_version.split(".")[0])

    def with_config(self, **options: Any) -> Environment:
        """Airflow options as ``section__key=value``, e.g. ``with_config(core__parallelism=1)``."""
        merged = {**self.config, **{k: str(v) for k, v in options.items()}}
        return replace(self, config=merged)

    def with_env(self, **variables: Any) -> Environment:
        """Environment variables (not Airflow options) of every Airflow container, e.g. ``with_env(PYTHONPATH=...)``.

        For Airflow options use ``with_config``; for connections and variables, ``with_secrets("env", ...)``.
        """
        return replace(self, env_vars={**self.env_vars, **{k: str(v) for k, v in variables.items()}})

    def with_secrets(
        self, backend: str, entries: str | Path | Mapping[str, Any] | SecretEntries | None = None
    ) -> Environment:
        """Seed a secrets file (or mapping) into ``backend`` (one of ``secrets_backends.BACKENDS``) at start.

        The kit starts the backend's server if it needs one and configures Airflow to read it. Call again with
        ``env`` or ``metastore`` to hold entries in Airflow's own sources beside the backend.
        """
        return replace(self, secret_stores=(*self.secret_stores, secret_store(backend, entries)))

    def components(self) -> list[Component]:
        if self.major >= 3:
            api = Component("api-server", ("airflow", "api-server", "--port", str(s.API_PORT)), "metadatabase")
        else:
            api = Component("webserver", ("airflow", "webserver", "--port", str(s.API_PORT)), "metadatabase")
        return [
            api,
            Component("scheduler", ("airflow", "scheduler"), "scheduler"),
            Component("dag-processor", ("airflow", "dag-processor"), "dag-processor"),
            Component("triggerer", ("airflow", "triggerer"), "triggerer"),
        ] + [
            Component(
                f"worker-{i}",
                ("airflow", "celery", "worker", "--queues", ",".join(w.queues), "--concurrency", str(w.concurrency)),
                ready_log=r"celery@\S+ ready",
            )
            for i, w in enumerate(self.workers, start=1)
        ]

    @property
    def uses_celery(self) -> bool:
        return self.executor == "CeleryExecutor"

    def airflow_config(self, secrets_: Secrets) -> dict[str, str]:
        """Environment variables every Airflow container of this environment shares."""
        api_host = f"airflow-{self.components()[0].name}"
        conf = {
            "core__executor": self.executor,
            "core__load_examples": "False",
            # the new key encrypts; the template's key still decrypts what the migration wrote (MultiFernet)
            "core__fernet_key": f"{secrets_.fernet_key},{s.TEMPLATE_FERNET_KEY}",
            "database__sql_alchemy_conn": (
                f"postgresql+psycopg2://airflow:{secrets_.db_password}@postgres:{s.POSTGRES_PORT}/airflow"
            ),
            "logging__worker_log_server_port": str(s.WORKER_LOG_SERVER_PORT),
        }
        # not an Airflow option: a connection, which Airflow reads from AIRFLOW_CONN_<ID> (see below)
        lab_db = f"postgresql://airflow:{secrets_.db_password}@postgres:{s.POSTGRES_PORT}/{s.LAB_DATABASE}"
        if self.uses_celery:
            conf |= {
                "celery__broker_url": (
                    f"amqp://airflow:{secrets_.broker_password}@rabbitmq:{s.RABBITMQ_PORT}//"
                    if self.broker == "rabbitmq"
                    else f"redis://redis:{s.REDIS_PORT}/0"
                ),
                "celery__result_backend": (
                    f"db+postgresql://airflow:{secrets_.db_password}@postgres:{s.POSTGRES_PORT}/airflow"
                ),
            }
        if self.major >= 3:
            conf |= {
                # Every component signs and checks task tokens with this key: it must be the same everywhere.
                "api_auth__jwt_secret": secrets_.jwt_secret,
                "api__secret_key": secrets_.secret_key,
                # Task runners report to the API server's Execution API, not to the database.
                "core__execution_api_server_url": f"http://{api_host}:{s.API_PORT}/execution/",
                "api__workers": "1",
                "core__simple_auth_manager_users": f"{secrets_.username}:admin",
                "core__simple_auth_manager_passwords_file": f"{s.AIRFLOW_HOME}/passwords.json",
            }
        else:
            conf |= {
                "webserver__secret_key": secrets_.secret_key,
                "webserver__workers": "1",
                "api__auth_backends": "airflow.providers.fab.auth_manager.api.auth.backend.basic_auth",
                "scheduler__standalone_dag_processor": "True",
            }
        if self.parallelism is not None:
            conf["core__parallelism"] = str(self.parallelism)
        conf |= dict(self.config)
        return {f"AIRFLOW__{k.upper()}": v for k, v in conf.items()} | {f"AIRFLOW_CONN_{s.LAB_CONN_ID.upper()}": lab_db}

    def start(self, show_progress: bool = True) -> Lab:
        return Lab(self, show_progress=show_progress).start()


def local(
    airflow_version: str = s.AIRFLOW_VERSION,
    dags: str | Path | None = None,
    parallelism: int | None = None,
    plugins: str | Path | None = None,
    **config: Any,
) -> Environment:
    """Postgres + API server + scheduler + DAG processor + triggerer, with the LocalExecutor."""
    return Environment("local", "LocalExecutor", airflow_version, dags, parallelism, plugins).with_config(**config)


def celery(
    airflow_version: str = s.AIRFLOW_VERSION,
    dags: str | Path | None = None,
    workers: int | Sequence[str] = 2,
    worker_concurrency: int = 4,
    parallelism: int | None = None,
    broker: str = "redis",
    plugins: str | Path | None = None,
    **config: Any,
) -> Environment:
    """The ``local`` services plus a broker (Redis, or RabbitMQ) and Celery workers, each on its own host.

    ``workers`` is a count (each worker consumes ``default``) or one comma-separated queue list per worker,
    e.g. ``["high_io,default", "default"]``.
    """
    if broker not in ("redis", "rabbitmq"):
        raise LabError(f"Unknown Celery broker {broker!r}: use 'redis' or 'rabbitmq'.")
    specs = ["default"] * workers if isinstance(workers, int) else list(workers)
    if not specs:
        raise LabError("A Celery environment needs at least one worker.")
    pool = tuple(Worker(tuple(q.strip() for q in spec.split(",") if q.strip()), worker_concurrency) for spec in specs)
    name = "celery" if broker == "redis" else f"celery-{broker}"
    env = Environment(name, "CeleryExecutor", airflow_version, dags, parallelism, plugins, workers=pool, broker=broker)
    return env.with_config(**config)


def celery_rabbitmq(**options: Any) -> Environment:
    """``celery`` with RabbitMQ as the broker."""
    return celery(broker="rabbitmq", **options)


ENVIRONMENTS = {"local": local, "celery": celery, "celery-rabbitmq": celery_rabbitmq}


@dataclass(frozen=True)
class Secrets:
    """Generated per start; never reused between environments."""

    username: str = "admin"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    db_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    broker_password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    fernet_key: str = field(default_factory=lambda: base64.urlsafe_b64encode(os.urandom(32)).decode())
    jwt_secret: str = field(default_factory=lambda: secrets.token_urlsafe(64))  # HS512 wants >= 64 bytes
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(64))

    def __repr__(self) -> str:  # keep secrets out of tracebacks and notebook outputs
        return f"Secrets(username={self.username!r}, password='***')"


def credentials_sql(major: int, secrets_: Secrets) -> str:
    """SQL that gives the migrated template this start's passwords (the template's own are public)."""
    sql = f"ALTER USER airflow PASSWORD {_quote(secrets_.db_password)};"
    if major < 3:  # FAB's API user, created in the template; werkzeug's scrypt format, as `airflow users create`
        sql += (
            f"UPDATE ab_user SET password = {_quote(werkzeug_scrypt(secrets_.password))},"
            f" username = {_quote(secrets_.username)} WHERE username = {_quote(s.TEMPLATE_API_USER)};"
        )
    return sql


def werkzeug_scrypt(password: str, n: int = 2**15, r: int = 8, p: int = 1) -> str:
    """The hash ``werkzeug.security.generate_password_hash`` makes by default (werkzeug 3), which FAB checks."""
    import hashlib

    salt = secrets.token_hex(8)
    digest = hashlib.scrypt(password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64)
    return f"scrypt:{n}:{r}:{p}${salt}${digest.hex()}"


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _short(path: Path) -> str:
    """Paths inside the project print relative to it, so a printed environment is the same on every machine."""
    try:
        return str(path.relative_to(s.PROJECT_DIR))
    except ValueError:
        return str(path)


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
        self.containers: dict[str, DockerContainer] = {}
        self.network: Network | None = None
        self.api: AirflowAPI | None = None
        self.url: str | None = None
        self.timings: dict[str, float] = {}
        #: The started secrets backends, by name: ``lab.secret_stores["vault"].put_connection(...)``.
        self.secret_stores: SecretStores | None = None

    def __repr__(self) -> str:
        state = f"running at {self.url}" if self.url else "stopped"
        return f"Lab({self.env!r}, id={self.id}, {state})"

    # -- lifecycle -------------------------------------------------------------------------------------

    def labels(self, role: str) -> dict[str, str]:
        labels = {s.LABEL: "lab", f"{s.LABEL}.lab": self.id, f"{s.LABEL}.env": self.env.name, f"{s.LABEL}.role": role}
        if session := s.settings().session:
            labels[f"{s.LABEL}.session"] = session
        return labels

    def __enter__(self) -> Lab:
        if not self.url:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Lab:
        from .images import ensure_images

        docker_client()  # a clear error now if there is no engine
        _LIVE.add(self)
        began = time.monotonic()
        env = self.env
        what = f"{env.name}, Airflow {env.airflow_version}"
        try:
            with self._progress(f"Starting {what}", done_as=f"Airflow is up: {what}") as progress:
                progress("checking images")
                ensure_images(
                    (env.airflow_version,),
                    secret_stores=_needs_store_images(env),
                    brokers=env.uses_celery,
                    quiet=True,
                )
                images_ready = time.monotonic()
                self._start_containers()
            self.timings = {
                "images_s": round(images_ready - began, 2),
                "start_to_healthy_s": round(time.monotonic() - images_ready, 2),
            }
            timings.record("start", time.monotonic() - began, environment=repr(env))
        except BaseException:
            self.stop()
            raise
        return self

    def _container(self, role: str, image: str, hostname: str | None = None) -> DockerContainer:
        container = DockerContainer(image, name=f"airflow-lab-{self.id}-{role}")
        container.with_network(self.network).with_network_aliases(hostname or role)
        container.with_kwargs(labels=self.labels(role), hostname=hostname or role)
        self.containers[role] = container
        return container

    def _publish(self, container: DockerContainer, port: int) -> None:
        # random host port, loopback only: a lab environment is never reachable from other machines
        container.ports[f"{port}/tcp"] = (s.settings().bind_host,)  # type: ignore[assignment]

    def _start_containers(self) -> None:
        # The kit reports progress itself; importing Airflow in the same process (a lab checking an operator)
        # turns on INFO logging, and testcontainers' "Pulling image ..." lines would then fill the output.
        logging.getLogger("testcontainers").setLevel(logging.WARNING)
        env, secrets_ = self.env, self.secrets
        self.network = Network(docker_network_kw={"labels": self.labels("network")})
        self.network.name = f"airflow-lab-{self.id}"
        self.network.create()

        with self._progress("Starting Postgres") as progress:
            # Airflow's metadata database comes migrated in the image (``airflow-lab images`` made it); only the
            # credentials are new: the database password here, the API user's password on Airflow 2 below.
            pg = self._container("postgres", s.metadata_db_image(env.airflow_version))
            pg.with_envs(POSTGRES_USER="airflow", POSTGRES_PASSWORD=secrets_.db_password, POSTGRES_DB="airflow")
            # a disposable lab database: durability settings off make writes several times faster
            pg.with_command(
                ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
            )
            self._publish(pg, s.POSTGRES_PORT)
            pg.start()
            self._wait_until(
                lambda: pg.exec(["pg_isready", "-h", "127.0.0.1", "-U", "airflow"]).exit_code == 0,
                "postgres",
                progress,
                60,
            )
            self.exec(
                "postgres",
                [
                    "psql",
                    "-U",
                    "airflow",
                    "-d",
                    "airflow",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    credentials_sql(env.major, secrets_),
                ],
            )

        if env.uses_celery and env.broker == "redis":
            with self._progress("Starting Redis (the Celery broker)") as progress:
                redis = self._container("redis", s.redis_image())
                redis.start()
                self._wait_until(
                    lambda: redis.exec(["redis-cli", "ping"]).output.strip() == b"PONG", "redis", progress, 60
                )
        if env.uses_celery and env.broker == "rabbitmq":
            with self._progress("Starting RabbitMQ (the Celery broker)") as progress:
                rabbit = self._container("rabbitmq", s.rabbitmq_image())
                rabbit.with_envs(RABBITMQ_DEFAULT_USER="airflow", RABBITMQ_DEFAULT_PASS=secrets_.broker_password)
                rabbit.start()
                self._wait_until(lambda: "Server startup complete" in _tail(rabbit, 200), "rabbitmq", progress, 120)

        self.secret_stores = SecretStores(self)
        self.secret_stores.start()  # servers (OpenBao, moto) started and seeded before Airflow reads them
        # explicit options (--config, with_config) win over what a secrets backend sets
        airflow_env = self.secret_stores.airflow_env() | env.airflow_config(secrets_)
        airflow_env |= {"AIRFLOW_LAB_USER": secrets_.username, "AIRFLOW_LAB_PASSWORD": secrets_.password}
        airflow_env |= dict(env.env_vars)
        image = s.airflow_image(env.airflow_version)
        self._before_airflow()

        components = env.components()
        for component in components:
            c = self._container(component.name, image, hostname=f"airflow-{component.name}")
            c.with_envs(**airflow_env).with_command(list(component.command))
            if env.dags is not None:
                c.with_volume_mapping(str(env.dags), s.DAGS_MOUNT, mode="ro")
            if env.plugins is not None:
                c.with_volume_mapping(str(env.plugins), s.PLUGINS_MOUNT, mode="ro")
            for host_folder, mount in self.secret_stores.volumes():
                c.with_volume_mapping(host_folder, mount, mode="ro")
            if component == components[0]:  # the API server (webserver on Airflow 2)
                self._publish(c, s.API_PORT)
        # side by side: each `docker run` costs a few hundred ms, and the components do not wait for each other
        with ThreadPoolExecutor(max_workers=len(components)) as pool:
            for started in [pool.submit(self.containers[c.name].start) for c in components]:
                started.result()

        api_container = self.containers[components[0].name]
        host_port = api_container.get_exposed_port(s.API_PORT)
        self.url = f"http://{s.settings().bind_host}:{host_port}"
        self.api = api_for(env.airflow_version, self.url, secrets_.username, secrets_.password)
        self._wait_healthy()
        self.secret_stores.after_healthy()

    def _before_airflow(self) -> None:
        """A hook for variants: runs after the services and secrets stores are up, before any Airflow container."""

    def _wait_healthy(self) -> None:
        expected = {c.health_key: c.name for c in self.env.components() if c.health_key}
        deadline = time.monotonic() + s.settings().start_timeout
        status: dict[str, str] = {}
        with self._progress("Waiting for Airflow to be healthy") as progress:
            while True:
                for component in self.env.components():
                    wrapped = self.containers[component.name].get_wrapped_container()
                    if _exited(wrapped):
                        raise ComponentUnhealthy(
                            component.name,
                            f"its container exited with code {wrapped.attrs['State']['ExitCode']}",
                            _tail(self.containers[component.name]),
                        )
                try:
                    status = self.api.health()
                except Exception as exc:  # the API server is still starting
                    status = {key: f"unreachable ({type(exc).__name__})" for key in expected}
                waiting = [name for key, name in expected.items() if status.get(key) != "healthy"]
                waiting += [
                    c.name
                    for c in self.env.components()
                    if c.ready_log and not re.search(c.ready_log, _tail(self.containers[c.name], 200))
                ]
                if not waiting:
                    return
                if time.monotonic() > deadline:
                    name = waiting[0]
                    raise ComponentUnhealthy(
                        name,
                        f"not healthy after {s.settings().start_timeout:.0f} s (health: {status})",
                        _tail(self.containers[name]),
                    )
                progress(f"waiting for {', '.join(waiting)}")
                time.sleep(s.settings().poll_interval)

    def stop(self) -> None:
        """Remove every container and the network of this lab. Idempotent; survives Ctrl-C."""
        previous = _ignore_sigint()
        try:
            for container in reversed(list(self.containers.values())):
                try:
                    container.get_wrapped_container().remove(force=True, v=True)
                except Exception:
                    pass
            self.containers.clear()
            if self.network is not None and self.network._network is not None:
                try:
                    self.network.remove()
                except Exception:
                    pass
            self.network = None
            if self.secret_stores is not None:
                self.secret_stores.close()
            # whatever a half-finished start left without a Python handle, found by label
            remove_labelled(lab_id=self.id)
            self.url = None
            self.api = None
            _LIVE.discard(self)
        finally:
            _restore_sigint(previous)

    # -- runs ------------------------------------------------------------------------------------------

    @property
    def credentials(self) -> dict[str, str]:
        return {"url": self.url or "", "username": self.secrets.username, "password": self.secrets.password}

    def hostname(self, component: str) -> str:
        """The host name of a component's container, as its processes (and Airflow's records) see it."""
        return self.containers[component].get_wrapped_container().attrs["Config"]["Hostname"]

    def leftovers(self) -> dict[str, int]:
        """How many containers, networks and volumes of this lab still exist (all zero after ``stop()``)."""
        return {kind: len(objects) for kind, objects in labelled(f"{s.LABEL}.lab={self.id}").items()}

    def exec(self, component: str, command: list[str]) -> str:
        """Run a command (e.g. Airflow's own CLI) inside a component's container; return its output.

        Raises ``LabError`` with the output when the command fails.
        """
        result = self.containers[component].get_wrapped_container().exec_run(command, demux=False)
        output = (result.output or b"").decode(errors="replace")
        if result.exit_code != 0:
            raise LabError(f"`{' '.join(command)}` in {component} exited with {result.exit_code}:\n{output[-3000:]}")
        return output

    def sql(self, query: str, database: str = s.LAB_DATABASE) -> list[dict[str, str]]:
        """Run one SQL statement with ``psql`` in the lab's Postgres; rows as dicts of strings.

        ``database="airflow"`` reads Airflow's own metadata tables (e.g. ``sla_miss``, ``deadline``): records
        that no REST endpoint serves.
        """
        import csv
        import io

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
        import json

        script = (Path(__file__).parent / "incontainer" / "retry_schedule.py").read_text()
        out = self.exec("scheduler", ["python", "-c", script, dag_id, run_id, task_id])
        line = next(x for x in reversed(out.splitlines()) if x.startswith("RETRY_SCHEDULE "))
        return json.loads(line.removeprefix("RETRY_SCHEDULE "))

    def kill(self, component: str) -> None:
        """Kill a component's container at once (SIGKILL), as a crashed host would: for failure labs."""
        self.containers[component].get_wrapped_container().kill()

    def logs(self, component: str, lines: int = 40) -> str:
        return _tail(self.containers[component], lines)

    def wait_for_dag(self, dag_id: str, timeout: float = 120, settle: float = 15) -> None:
        """Wait until the DAG processor has parsed ``dag_id``; raise at once on import errors.

        Once other DAGs of the folder have appeared, ``dag_id`` gets ``settle`` more seconds: the processor
        parses a folder in one pass, so a DAG still missing then is not in the folder.
        """
        api = self._api()
        deadline = time.monotonic() + timeout
        with self._progress(f"Waiting for the DAG processor to parse {dag_id}") as progress:
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
                    raise DagNotFound(dag_id, found, str(self.env.dags))
                progress(f"{len(found)} DAG(s) parsed so far")
                time.sleep(s.settings().poll_interval)

    def unpause(self, dag_id: str) -> None:
        """Unpause without triggering: the scheduler then creates the DAG's scheduled runs itself."""
        self.wait_for_dag(dag_id)
        self._api().unpause(dag_id)

    def pause(self, dag_id: str) -> None:
        self._api().pause(dag_id)

    def wait_until(self, ready: Any, what: str, timeout: float = 120) -> Any:
        """Poll ``ready()`` until it returns something truthy (returned); raise ``LabError`` after ``timeout``."""
        with self._progress(f"Waiting until {what}") as progress:
            if not (value := _poll(ready, timeout, progress, s.settings().poll_interval * 2)):
                raise LabError(f"Gave up after {timeout:.0f} s waiting until {what}.")
        return value

    def create_pool(self, name: str, slots: int, description: str = "") -> None:
        """Create a pool through the REST API (as a reader would in the UI or with ``airflow pools set``)."""
        self._api().create_pool(name, slots, description)

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        """Unpause and trigger ``dag_id``; returns the run id without waiting."""
        self.wait_for_dag(dag_id)
        api = self._api()
        api.unpause(dag_id)
        return api.trigger(dag_id, conf)

    def wait(self, dag_id: str, run_id: str, timeout: float | None = None, logs: bool = False) -> RunResult:
        """Wait until the run is finished and return what Airflow recorded about it."""
        api = self._api()
        timeout = timeout or s.settings().run_timeout
        deadline = time.monotonic() + timeout
        began = time.monotonic()
        with self._progress(f"Running {dag_id}") as progress:
            while (state := api.run_state(dag_id, run_id)) not in TERMINAL_RUN_STATES:
                if time.monotonic() > deadline:
                    states = {ti.task_id: str(ti.state) for ti in api.task_instances(dag_id, run_id)}
                    raise RunTimeout(dag_id, run_id, timeout, states, _tail(self.containers["scheduler"]))
                tis = api.task_instances(dag_id, run_id)
                counts: dict[str, int] = {}
                for ti in tis:
                    counts[str(ti.state)] = counts.get(str(ti.state), 0) + 1
                progress(f"run {state}; tasks: " + ", ".join(f"{n} {st}" for st, n in sorted(counts.items())))
                time.sleep(s.settings().poll_interval)
        timings.record("run", time.monotonic() - began, dag_id=dag_id, airflow_version=self.env.airflow_version)
        return RunResult(
            dag_id=dag_id,
            run_id=run_id,
            state=state,
            airflow_version=self.env.airflow_version,
            executor=self.env.executor,
            task_instances=tuple(api.task_instances(dag_id, run_id, with_logs=logs)),
        )

    def run(
        self, dag_id: str, conf: dict[str, Any] | None = None, timeout: float | None = None, logs: bool = False
    ) -> RunResult:
        """Trigger ``dag_id``, wait for it to finish, and return the run as Airflow recorded it."""
        return self.wait(dag_id, self.trigger(dag_id, conf), timeout, logs)

    def _api(self) -> AirflowAPI:
        if self.api is None:
            raise LabError("This lab is not running: start it first (`with env.start() as lab:`).")
        return self.api

    # -- helpers ---------------------------------------------------------------------------------------

    def _progress(self, what: str, done_as: str | None = None) -> Any:
        return step(what, enabled=self.show_progress, done_as=done_as)

    def _wait_until(self, ready: Any, name: str, progress: Any, timeout: float) -> None:
        if not _poll(ready, timeout, progress, s.settings().poll_interval):
            raise ComponentUnhealthy(name, f"not ready after {timeout:.0f} s", _tail(self.containers[name]))


def _poll(ready: Any, timeout: float, progress: Any, interval: float) -> Any:
    """Call ``ready()`` every ``interval`` s until it returns something truthy or ``timeout`` s have passed;
    return its last value."""
    deadline = time.monotonic() + timeout
    while not (value := ready()):
        if time.monotonic() > deadline:
            return value
        progress("waiting")
        time.sleep(interval)
    return value


def _needs_store_images(env: Environment) -> bool:
    return any(st.backend in SERVER_BACKENDS for st in env.secret_stores)


def _exited(wrapped: Any) -> bool:
    wrapped.reload()
    return wrapped.status in ("exited", "dead")


def _tail(container: DockerContainer, lines: int = 30) -> str:
    try:
        raw = container.get_wrapped_container().logs(tail=lines).decode(errors="replace")
    except Exception as exc:
        return f"    (no logs: {exc})"
    return "\n".join(f"    {line}" for line in raw.splitlines())


def remove_labelled(lab_id: str | None = None) -> dict[str, int]:
    """Remove containers, networks and volumes the kit created (all labs, or one). Returns counts."""
    import docker.errors

    found = labelled(f"{s.LABEL}.lab={lab_id}" if lab_id else f"{s.LABEL}=lab")
    removals = [lambda c=c: c.remove(force=True, v=True) for c in found["containers"]]
    removals += [n.remove for n in found["networks"]] + [lambda v=v: v.remove(force=True) for v in found["volumes"]]
    for remove in removals:
        try:
            remove()
        except docker.errors.NotFound:
            pass  # already gone
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: its removal is already in progress elsewhere
                raise
    return {kind: len(objects) for kind, objects in found.items()}


def _ignore_sigint() -> Any:
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return None


def _restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
