"""An Airflow environment is a value: print it, compare it, start it with ``with``.

    >>> env = local(dags="dags/executors", parallelism=4)
    >>> with env.start() as lab:
    ...     result = lab.run("local_fanout")

``Environment`` describes *what* to start (executor, Airflow version, DAG folder or source, config), every
field checked when the value is made; ``lab.Lab`` is a started environment: its containers, its API client
and its credentials. Variants (Celery with N workers, secrets backends, deploys) add services and
components to the same description.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import settings as s
from .credentials import Secrets, credentials_sql
from .deploy.source import DagSource
from .errors import LabError
from .lab import Lab, side_by_side
from .secrets import SecretEntries, SecretStore, check_stores, secret_store
from .types import AirflowVersion, Broker, Executor, Fault, SecretsBackend, broker, executor


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
    #: ``Executor.LOCAL``/``CELERY``, or another executor's name or import path, passed on to Airflow as it is.
    executor: Executor | str
    airflow_version: AirflowVersion = AirflowVersion(s.AIRFLOW_VERSION)
    dags: Path | None = None
    parallelism: int | None = None
    #: Mounted read-only as Airflow's plugins folder (on ``sys.path`` of every component once its configuration is
    #: loaded: a ``[secrets] backend`` module there also needs ``with_env(PYTHONPATH=settings.PLUGINS_MOUNT)``).
    plugins: Path | None = None
    config: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Celery workers (empty for executors that run tasks elsewhere).
    workers: tuple[Worker, ...] = ()
    #: The Celery broker: ``redis`` or ``rabbitmq``.
    broker: Broker = Broker.REDIS
    #: Where Connections and Variables live and what the kit writes there (``with_secrets``).
    secret_stores: tuple[SecretStore, ...] = ()
    #: Other environment variables of every Airflow container (``with_env``), e.g. ``PYTHONPATH``.
    env_vars: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    #: Where the DAG code comes from when it is not a mounted folder: git, a bucket, a release image (``deploy``).
    dag_source: DagSource | None = None
    #: How many schedulers run side by side (high availability; Airflow supports it on Postgres, both majors).
    schedulers: int = 1
    #: A StatsD server (statsd + carbon) on the lab's network that every component sends its metrics to.
    metrics: bool = False

    def __post_init__(self) -> None:
        # plain strings are accepted (``local("2.11.2")``) and checked here, before anything starts
        object.__setattr__(self, "airflow_version", AirflowVersion(self.airflow_version))
        object.__setattr__(self, "executor", executor(self.executor))
        object.__setattr__(self, "broker", broker(self.broker))
        check_stores(self.secret_stores)
        if not isinstance(self.schedulers, int) or self.schedulers < 1:
            raise LabError(
                f"An environment needs at least one scheduler, got schedulers={self.schedulers!r}:"
                " use 1 (the default) or more for high availability (--schedulers 2)."
            )
        for name, what in (("dags", "DAG folder"), ("plugins", "plugins folder")):
            if getattr(self, name) is not None:
                folder = Path(getattr(self, name)).resolve()
                if not folder.is_dir():
                    raise LabError(f"The {what} {folder} does not exist (or is not a folder).")
                object.__setattr__(self, name, folder)
        object.__setattr__(self, "config", MappingProxyType(dict(self.config)))
        if self.metrics and self.dag_source is not None and self.dag_source.image:
            raise LabError(
                f"Metrics need Airflow's StatsD client in its image, and this deploy runs {self.dag_source.image}.\n"
                "Fix: drop --metrics (with_metrics), or deploy from a folder or an s3:// bucket."
            )
        if self.metrics and (taken := sorted(k for k in self.config if k.lower() in _METRICS_CONFIG)):
            options = ", ".join("[{}] {}".format(*k.lower().split("__", 1)) for k in taken)
            raise LabError(
                f"The metrics server sets {options} itself, so Airflow sends its metrics there.\n"
                "Fix: drop that option (--config), or drop --metrics (with_metrics) to send metrics to your own server."
            )
        object.__setattr__(self, "env_vars", MappingProxyType(dict(self.env_vars)))

    def __hash__(self) -> int:  # the mappings are read-only views: hash their items (a key for caches)
        return hash(self._identity())

    @property
    def reuse_key(self) -> str:
        """The same for equal environments in every process (``hash`` of a str is salted per process): the
        name under which a stopped lab keeps this environment for the next start (``reuse.py``)."""
        return hashlib.sha256(repr(self._identity()).encode()).hexdigest()[:16]

    @property
    def not_reusable(self) -> str | None:
        """Why a stopped lab of this environment cannot be kept for the next equal start (None: it can).

        Kept are environments whose whole state the kit can put back as a fresh start has it through the REST
        API (runs, pools, variables, connections): not ones with servers of their own or seeded entries."""
        if self.major < 3:
            return "Airflow 2 (the reset uses Airflow 3's REST API)"
        if self.secret_stores:
            return "its secrets backends hold seeded entries"
        if self.dag_source is not None:
            return "its DAGs come from a deploy"
        if self.metrics:
            return "its metrics server keeps every count"
        return None

    def _identity(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.executor,
            self.airflow_version,
            self.dags,
            self.parallelism,
            self.plugins,
            tuple(sorted(self.config.items())),
            self.workers,
            self.broker,
            self.secret_stores,
            tuple(sorted(self.env_vars.items())),
            self.dag_source,
            self.schedulers,
            self.metrics,
        )

    def __repr__(self) -> str:
        parts = [f"{self.name!r}", f"executor={self.executor}", f"airflow={self.airflow_version}"]
        if self.dags:
            parts.append(f"dags={_short(self.dags)}")
        if self.plugins:
            parts.append(f"plugins={_short(self.plugins)}")
        if self.parallelism is not None:
            parts.append(f"parallelism={self.parallelism}")
        if self.schedulers != 1:
            parts.append(f"schedulers={self.schedulers}")
        if self.workers:
            if self.broker != "redis":  # like the other options, shown only when not the default
                parts.append(f"broker={self.broker}")
            parts.append("workers=[" + "; ".join(",".join(w.queues) for w in self.workers) + "]")
        if self.secret_stores:
            parts.append("secrets=" + "+".join(st.backend for st in self.secret_stores))
        parts += [f"{k}={v}" for k, v in sorted(self.config.items())]
        if self.env_vars:  # names only: a value may be a credential
            parts.append("env=" + "+".join(sorted(self.env_vars)))
        if self.metrics:
            parts.append("metrics=statsd")
        text = f"Environment({', '.join(parts)})"
        if self.dag_source is not None:  # as the deploy chapter's labs print it
            text = f"Deployed({', '.join([text, *self.dag_source.describe()])})"
        return text

    @property
    def major(self) -> int:
        return self.airflow_version.major

    def deploying(self, source: DagSource) -> Environment:
        """This environment with its DAG code from ``source`` (see ``deploy``) instead of a folder."""
        return replace(self, dag_source=source)

    def with_config(self, **options: Any) -> Environment:
        """Airflow options as ``section__key=value``, e.g. ``with_config(core__parallelism=1)``."""
        merged = {**self.config, **{k: str(v) for k, v in options.items()}}
        return replace(self, config=merged)

    def with_env(self, **variables: Any) -> Environment:
        """Environment variables (not Airflow options) of every Airflow container, e.g. ``with_env(PYTHONPATH=...)``.

        For Airflow options use ``with_config``; for connections and variables, ``with_secrets("env", ...)``.
        """
        return replace(self, env_vars={**self.env_vars, **{k: str(v) for k, v in variables.items()}})

    def with_metrics(self) -> Environment:
        """Start a StatsD server (statsd flushing every second to carbon) and send every component's metrics
        there; read them with ``lab.metrics()``."""
        return replace(self, metrics=True)

    def with_secrets(
        self, backend: str | SecretsBackend, entries: str | Path | Mapping[str, Any] | SecretEntries | None = None
    ) -> Environment:
        """Seed a secrets file (or mapping) into ``backend`` (a ``types.SecretsBackend``) at start.

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
            *(Component(name, ("airflow", "scheduler"), "scheduler") for name in self.scheduler_names),
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
    def scheduler_names(self) -> tuple[str, ...]:
        """``scheduler``, or ``scheduler-1`` ... ``scheduler-N`` with several."""
        if self.schedulers == 1:
            return ("scheduler",)
        return tuple(f"scheduler-{i}" for i in range(1, self.schedulers + 1))

    def addressable(self) -> list[str]:
        """The components a fault can hit, as ``airflow-lab up`` names them (their host names)."""
        services = ["postgres"] + ([str(self.broker)] if self.uses_celery else [])
        return services + [f"airflow-{c.name}" for c in self.components()]

    def check_faults(self, faults: Sequence[Fault], timeout: float | None = None) -> None:
        """Each fault names a component of this environment, due before ``timeout``: checked before anything starts."""
        names = self.addressable()
        for fault in faults:
            if fault.component not in names:
                raise LabError(
                    f"{fault}: this environment has no component {fault.component!r}; use one of {', '.join(names)}."
                )
            if timeout is not None and fault.at >= timeout:
                raise LabError(
                    f"{fault}: {fault.at:g} s is after the run's timeout ({timeout:g} s): the run would be over."
                    " Choose an earlier time or a longer --timeout."
                )

    @property
    def uses_celery(self) -> bool:
        return self.executor is Executor.CELERY

    def airflow_config(self, secrets_: Secrets) -> dict[str, str]:
        """Environment variables every Airflow container of this environment shares."""
        api_host = f"airflow-{self.components()[0].name}"
        conf = {
            "core__executor": self.executor,
            "core__load_examples": "False",
            # Airflow's default checks at each component's start that the database is migrated, loading every
            # migration script (0.4 s of CPU each). The template is migrated (an upgrade migrates before it
            # starts the new version): Airflow's docs name this case, "the correct version through other means".
            "database__check_migrations": "False",
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
                    if self.broker is Broker.RABBITMQ
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
        if self.metrics:  # statsd_prefix: the name Lab.metrics() strips again
            conf |= {
                "metrics__statsd_on": "True",
                "metrics__statsd_host": "statsd",
                "metrics__statsd_port": str(s.STATSD_PORT),
                "metrics__statsd_prefix": s.STATSD_PREFIX,
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
    schedulers: int = 1,
    **config: Any,
) -> Environment:
    """Postgres + API server + scheduler(s) + DAG processor + triggerer, with the LocalExecutor."""
    env = Environment(
        "local",
        Executor.LOCAL,
        AirflowVersion(airflow_version),
        _path(dags),
        parallelism,
        _path(plugins),
        schedulers=schedulers,
    )
    return env.with_config(**config)


def celery(
    airflow_version: str = s.AIRFLOW_VERSION,
    dags: str | Path | None = None,
    workers: int | Sequence[str] = 2,
    worker_concurrency: int = 4,
    parallelism: int | None = None,
    broker: str = "redis",
    plugins: str | Path | None = None,
    schedulers: int = 1,
    **config: Any,
) -> Environment:
    """The ``local`` services plus a broker (Redis, or RabbitMQ) and Celery workers, each on its own host.

    ``workers`` is a count (each worker consumes ``default``) or one comma-separated queue list per worker,
    e.g. ``["high_io,default", "default"]``.
    """
    broker_ = Broker.parse(broker, "Celery broker")
    specs = ["default"] * workers if isinstance(workers, int) else list(workers)
    if not specs:
        raise LabError("A Celery environment needs at least one worker.")
    pool = tuple(Worker(tuple(q.strip() for q in spec.split(",") if q.strip()), worker_concurrency) for spec in specs)
    name = "celery" if broker_ is Broker.REDIS else f"celery-{broker_}"
    env = Environment(
        name,
        Executor.CELERY,
        AirflowVersion(airflow_version),
        _path(dags),
        parallelism,
        _path(plugins),
        workers=pool,
        broker=Broker(broker_),
        schedulers=schedulers,
    )
    return env.with_config(**config)


def celery_rabbitmq(**options: Any) -> Environment:
    """``celery`` with RabbitMQ as the broker."""
    return celery(broker="rabbitmq", **options)


__all__ = [
    "ENVIRONMENTS",
    "Environment",
    "Lab",
    "Secrets",
    "celery",
    "celery_rabbitmq",
    "credentials_sql",
    "local",
    "side_by_side",
]

ENVIRONMENTS: dict[str, Callable[..., Environment]] = {
    "local": local,
    "celery": celery,
    "celery-rabbitmq": celery_rabbitmq,
}


#: What ``with_metrics`` sets (see ``airflow_config``): another value would send the metrics elsewhere.
_METRICS_CONFIG = {f"metrics__{o}" for o in ("statsd_on", "statsd_host", "statsd_port", "statsd_prefix")}


def _short(path: Path) -> str:
    """Paths inside the project print relative to it, so a printed environment is the same on every machine."""
    try:
        return str(path.relative_to(s.PROJECT_DIR))
    except ValueError:
        return str(path)


def _path(folder: str | Path | None) -> Path | None:
    return None if folder is None else Path(folder)
