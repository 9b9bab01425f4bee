"""The containers of one lab: its network, the services it starts on it (under the lab's name and labels), commands
and SQL run inside them, and their removal. ``lifecycle.LabLifecycle`` builds Airflow's start, reuse and health on
this; ``operations`` and ``lab`` add what labs do."""

from __future__ import annotations

import csv
import io
import signal
import tarfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from testcontainers.core.network import Network

from . import settings as s
from .docker import remove_labelled
from .errors import ComponentUnhealthy, LabError
from .progress import step
from .services import Service

if TYPE_CHECKING:  # the value whose containers these are
    from .environment import Environment

S = TypeVar("S", bound=Service)


class LabContainers:
    """One lab's network and containers, by role (``postgres``, ``scheduler``, ``vault``, ...)."""

    def __init__(self, env: Environment, show_progress: bool = True) -> None:
        self.env = env
        self.id = uuid.uuid4().hex[:8]
        self.show_progress = show_progress
        self.containers: dict[str, Service] = {}
        self.network: Network | None = None

    def labels(self, role: str) -> dict[str, str]:
        return s.labels(role, lab=self.id, env=self.env.name)

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

    def _create_network(self) -> None:
        self.network = Network(docker_network_kw={"labels": self.labels("network")})
        self.network.name = f"airflow-lab-{self.id}"
        self.network.create()

    def _join(self, service: Service) -> None:
        service.join(self.network, f"airflow-lab-{self.id}-{service.role}", self.labels(service.role))
        self.containers[service.role] = service

    def _remove(self) -> None:
        """Remove every container and the network; then, found by this lab's label, whatever has no Python handle
        (a half-finished start's sidecar volume)."""
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
        remove_labelled(lab_id=self.id)

    # -- inside the containers ---------------------------------------------------------------------------------------

    def container(self, component: str) -> Service:
        """A component's container, by the kit's name (``scheduler-2``, ``postgres``) or its host name as ``airflow-lab
        up`` prints it (``airflow-scheduler-2``). ``scheduler`` is the first scheduler when there are several."""
        for name in (component, component.removeprefix("airflow-")):
            if name in self.containers:
                return self.containers[name]
        if component.removeprefix("airflow-") == "scheduler" and self.env.schedulers > 1:
            return self.containers[self.env.scheduler_names[0]]
        raise LabError(f"This lab has no component {component!r}: it has {', '.join(self.env.addressable())}.")

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

    def sql(self, query: str, database: str = s.LAB_DATABASE) -> list[dict[str, str]]:
        """Run one SQL statement with ``psql`` in the lab's Postgres; rows as dicts of strings.

        ``database="airflow"`` reads Airflow's own metadata tables (e.g. ``sla_miss``, ``deadline``): records
        that no REST endpoint serves.
        """
        out = self.exec(
            "postgres", ["psql", "-U", "airflow", "-d", database, "--csv", "-v", "ON_ERROR_STOP=1", "-c", query]
        )
        return list(csv.DictReader(io.StringIO(out)))

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

    def logs(self, component: str, lines: int = 40) -> str:
        return self.container(component).tail(lines)

    def _exited(self, component: str) -> ComponentUnhealthy:
        """The error for a component whose container has exited: its exit code and last log lines."""
        container = self.containers[component]
        return ComponentUnhealthy(
            component, f"its container exited with code {container.exit_code()}", container.tail()
        )


def ignore_sigint() -> Any:
    try:
        return signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        return None


def restore_sigint(previous: Any) -> None:
    if previous is not None:
        signal.signal(signal.SIGINT, previous)
