"""The containers of a lab, one small testcontainers class per service.

Each class says what its service needs (image, environment, command, published port) and how readiness is
seen, through testcontainers' wait strategies; ``Service.start`` turns a strategy's failure into
``ComponentUnhealthy`` with the container's last log lines. Where a service joins which network, under which
name and labels, is the business of whoever starts it (``ServiceHost``, implemented by ``lab.Lab``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol, TypeVar

from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network
from testcontainers.core.wait_strategies import (
    ExecWaitStrategy,
    HttpWaitStrategy,
    LogMessageWaitStrategy,
    WaitStrategy,
)

from . import settings as s
from .docker import docker_client
from .errors import ComponentUnhealthy

S = TypeVar("S", bound="Service")


class Service(DockerContainer):
    """A container in a lab's network, reachable there as ``hostname`` (``role`` unless given)."""

    #: Seconds the wait strategy may take (testcontainers' own default is 120 s for every service).
    startup_timeout: float = 60
    #: The container's CPU weight against the others when the cores are busy (0: Docker's default).
    cpu_shares: int = 0

    def __init__(self, image: str, role: str, hostname: str | None = None) -> None:
        super().__init__(image)
        self.role = role
        self.hostname = hostname or role

    @property
    def command(self) -> str | list[str] | None:
        return self._command

    def join(self, network: Network | None, name: str, labels: dict[str, str]) -> Service:
        """Put the container on ``network`` under its host name, with the kit's ``name`` and ``labels``."""
        self._name = name
        if network is not None:
            self.with_network(network).with_network_aliases(self.hostname)
        weight = {"cpu_shares": self.cpu_shares} if self.cpu_shares else {}
        return self.with_kwargs(labels=labels, hostname=self.hostname, **weight)

    def publish(self, port: int) -> Service:
        """Publish ``port`` on a random host port, loopback only: a lab environment is never reachable from other
        machines."""
        self.ports[f"{port}/tcp"] = (s.settings().bind_host,)  # type: ignore[assignment]
        return self

    def get_container_host_ip(self) -> str:
        # Published ports listen on the bind host only; testcontainers would guess the Docker host or, run inside a
        # container, the network's gateway, where nothing listens. Its HTTP wait strategy asks this.
        return s.settings().bind_host

    def url(self, port: int) -> str:
        """``http://HOST:PORT`` of a published port, as the host reaches it."""
        return f"http://{self.get_container_host_ip()}:{self.get_exposed_port(port)}"

    def readiness(self) -> WaitStrategy | None:
        """How testcontainers sees this service ready; None: started is ready."""
        return None

    def start(self) -> Service:
        strategy = self.readiness()
        if strategy is not None:
            self.waiting_for(
                strategy.with_startup_timeout(int(self.startup_timeout)).with_poll_interval(s.settings().poll_interval)
            )
        try:
            super().start()
        except (TimeoutError, RuntimeError) as exc:  # what testcontainers' wait strategies raise
            reason = str(exc).split(". ")[0]
            raise ComponentUnhealthy(self.role, reason, self.tail()) from None
        return self

    @classmethod
    def adopted(cls, name: str, role: str) -> Service:
        """Stand for the running container ``name`` that an earlier process started (a kept environment,
        ``reuse.py``) instead of starting one."""
        wrapped = docker_client().containers.get(name)
        service = cls(wrapped.attrs["Config"]["Image"], role, wrapped.attrs["Config"]["Hostname"])
        service._name, service._container = name, wrapped
        return service

    def wait_until_ready(self, strategy: WaitStrategy, timeout: float) -> None:
        """Wait with ``strategy`` on a container that is already running (e.g. after all components started)."""
        try:
            strategy.with_startup_timeout(int(max(timeout, 1))).with_poll_interval(
                s.settings().poll_interval
            ).wait_until_ready(self)
        except (TimeoutError, RuntimeError) as exc:
            raise ComponentUnhealthy(self.role, str(exc).split(". ")[0], self.tail()) from None

    def exited(self) -> bool:
        wrapped = self.get_wrapped_container()
        wrapped.reload()
        return wrapped.status in ("exited", "dead")

    def exit_code(self) -> int:
        return int(self.get_wrapped_container().attrs["State"]["ExitCode"])

    def tail(self, lines: int = 30) -> str:
        """The last log lines, indented for an error message."""
        try:
            raw = self.get_wrapped_container().logs(tail=lines).decode(errors="replace")
        except Exception as exc:
            return f"    (no logs: {exc})"
        return "\n".join(f"    {line}" for line in raw.splitlines())


class Postgres(Service):
    """Airflow's metadata database, migrated (the ``metadata-db`` image of ``airflow_version``), and the labs'
    own database (``settings.LAB_DATABASE``). The template's password is public: the lab sets a new one."""

    #: a disposable lab database: durability settings off make writes several times faster
    FLAGS = ("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")

    def __init__(self, airflow_version: str) -> None:
        super().__init__(s.metadata_db_image(airflow_version), "postgres")
        self.with_envs(POSTGRES_USER="airflow", POSTGRES_PASSWORD=s.TEMPLATE_DB_PASSWORD, POSTGRES_DB="airflow")
        self.with_command(["postgres", *self.FLAGS])
        self.publish(s.POSTGRES_PORT)

    def first_running(self, sql: str) -> Postgres:
        """Run ``sql`` (the start's credentials) in single-user mode before the server listens: no client ever
        reaches it with the template's public passwords, and Airflow may start beside it. An error fails the
        container (single-user mode itself exits 0 on one)."""
        # once per container: a `docker restart` (the database outage lab) brings the server back as before
        script = (
            "[ -e /tmp/first-sql-done ] || {"
            ' out=$(postgres --single -D "$PGDATA" airflow <<< "$POSTGRES_FIRST_SQL" 2>&1)'
            ' && ! grep -q "ERROR:" <<< "$out" && touch /tmp/first-sql-done || { echo "$out" >&2; exit 1; }; }; '
            "exec postgres-entrypoint postgres " + " ".join(self.FLAGS)
        )
        self.with_envs(POSTGRES_FIRST_SQL=sql)
        self.with_command(["bash", "-c", script])
        return self

    def join(self, network: Network | None, name: str, labels: dict[str, str]) -> Service:
        super().join(network, name, labels)
        # Postgres's fast shutdown, as the official image's STOPSIGNAL: on SIGTERM (Docker's default) it waits for
        # every client to disconnect, which Airflow's pooled connections never do, so a `docker restart` would end
        # in SIGKILL after the timeout and crash recovery instead of a restart.
        return self.with_kwargs(**self._kwargs, stop_signal="SIGINT")

    def readiness(self) -> WaitStrategy:
        # 127.0.0.1: the image's init phase runs a server on the socket only; ready means the real one listens
        return ExecWaitStrategy(["pg_isready", "-h", "127.0.0.1", "-U", "airflow"])


class Redis(Service):
    """The default Celery broker."""

    def __init__(self) -> None:
        super().__init__(s.redis_image(), "redis")

    def readiness(self) -> WaitStrategy:
        return ExecWaitStrategy(["redis-cli", "ping"])  # exits non-zero until the server answers


class RabbitMQ(Service):
    """The other Celery broker (``celery(broker="rabbitmq")``)."""

    startup_timeout = 120

    def __init__(self, password: str) -> None:
        super().__init__(s.rabbitmq_image(), "rabbitmq")
        self.with_envs(RABBITMQ_DEFAULT_USER="airflow", RABBITMQ_DEFAULT_PASS=password)

    def readiness(self) -> WaitStrategy:
        return LogMessageWaitStrategy("Server startup complete")


def _below_500(status: int) -> bool:
    return status < 500


class VaultServer(Service):
    """A Vault-API dev server: OpenBao, or the image ``AIRFLOW_LAB_VAULT_IMAGE`` names (HashiCorp Vault's)."""

    def __init__(self, root_token: str) -> None:
        super().__init__(s.vault_image(), "openbao")
        listen = f"0.0.0.0:{s.OPENBAO_PORT}"
        local = f"http://127.0.0.1:{s.OPENBAO_PORT}"
        # BAO_*/VAULT_*: `bao kv ...` or `vault kv ...` run inside the container (as a reader would) needs no flags.
        # HashiCorp's image entrypoint adds -dev-root-token-id/-dev-listen-address from VAULT_DEV_* itself (the same
        # values) and, with SKIP_SETCAP, does not try to give the binary IPC_LOCK (a dev server does not mlock).
        self.with_envs(
            BAO_ADDR=local,
            BAO_TOKEN=root_token,
            VAULT_ADDR=local,
            VAULT_TOKEN=root_token,
            VAULT_DEV_ROOT_TOKEN_ID=root_token,
            VAULT_DEV_LISTEN_ADDRESS=listen,
            SKIP_SETCAP="true",
        )
        self.with_command(["server", "-dev", f"-dev-root-token-id={root_token}", f"-dev-listen-address={listen}"])
        self.publish(s.OPENBAO_PORT)

    def readiness(self) -> WaitStrategy:
        return HttpWaitStrategy(s.OPENBAO_PORT, "/v1/sys/health").for_status_code_matching(_below_500)


class Moto(Service):
    """moto in server mode: an emulator of the AWS API (not AWS) for the aws/ssm stores and bucket deploys."""

    def __init__(self) -> None:
        super().__init__(s.moto_image(), "moto")
        self.publish(s.MOTO_PORT)

    def readiness(self) -> WaitStrategy:
        return HttpWaitStrategy(s.MOTO_PORT, "/moto-api/").for_status_code_matching(_below_500)


class MetricsServer(Service):
    """Etsy's statsd, flushing every second through its graphite backend to carbon-cache (whisper files).

    Airflow sends StatsD over UDP, which has no handshake: ready means statsd's management port and carbon's
    line receiver both accept connections, so no packet is dropped for want of a listener.
    """

    WHISPER_DIR = "/var/lib/graphite/whisper"

    def __init__(self) -> None:
        super().__init__(s.statsd_image(), "statsd")
        self.publish(s.STATSD_ADMIN_PORT)

    def readiness(self) -> WaitStrategy:
        probe = "import socket\nfor port in (2003, %d): socket.create_connection(('127.0.0.1', port), 1).close()"
        return ExecWaitStrategy(["python3", "-c", probe % s.STATSD_ADMIN_PORT])

    def admin_address(self) -> str:
        """``HOST PORT`` of statsd's management interface on the host (``echo counters | nc HOST PORT``)."""
        return f"{self.get_container_host_ip()} {self.get_exposed_port(s.STATSD_ADMIN_PORT)}"


class AirflowContainer(Service):
    """A container of the Airflow image: a component (API server, scheduler, ...), the migration, a sidecar."""

    def __init__(self, image: str, role: str, hostname: str | None = None) -> None:
        super().__init__(image, role, hostname)

    def once_postgres_listens(self, command: Sequence[str]) -> AirflowContainer:
        """Run ``command`` once the lab's Postgres accepts connections (bash's ``/dev/tcp``; the image has no
        client): the container can start beside Postgres without Airflow's first query failing."""
        wait = f'until (exec 3<>/dev/tcp/postgres/{s.POSTGRES_PORT}) 2>/dev/null; do sleep 0.05; done; exec "$@"'
        self.with_command(["bash", "-c", wait, "wait-for-postgres", *command])
        return self

    def mount(self, host: str, target: str, mode: str = "ro") -> AirflowContainer:
        self.with_volume_mapping(host, target, mode=mode)
        return self

    def settings(self) -> tuple[dict[str, str], dict[str, Any], Any, dict[str, Any]]:
        """Environment, volumes, command and ports: what a replacement container of another image keeps."""
        return dict(self.env), dict(self.volumes), self._command, dict(self.ports)

    def take_settings(self, settings: tuple[dict[str, str], dict[str, Any], Any, dict[str, Any]]) -> None:
        self.env, self.volumes, self._command, self.ports = settings


class ServiceHost(Protocol):
    """What starts a service: a running lab (``lab.Lab``). Stores and deploys start their servers through it."""

    id: str

    def start_service(self, service: S, title: str | None = None) -> S: ...

    def progress(self, what: str) -> AbstractContextManager[Callable[[str], None]]: ...
