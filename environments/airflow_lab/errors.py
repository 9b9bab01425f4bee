"""Errors the kit raises: each names the cause and the fix."""

from __future__ import annotations


class LabError(RuntimeError):
    """Base class: something the reader can act on."""


class DockerUnavailable(LabError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "No Docker engine answers (" + detail + "). The labs start Airflow in containers and need one.\n"
            "Fix: install and start an engine, e.g. on Debian/Ubuntu as root:\n"
            "  apt-get install -y docker.io && (dockerd > /var/log/dockerd.log 2>&1 &)\n"
            "or start Docker Desktop; set DOCKER_HOST if the engine is not on the default socket.\n"
            "Building the book (`make book`) needs no Docker."
        )


class ImageBuildFailed(LabError):
    def __init__(self, image: str, reason: str, log_tail: list[str]) -> None:
        tail = "\n".join(f"    {line}" for line in log_tail[-25:])
        super().__init__(
            f"Building image {image} failed: {reason}\n  last build output:\n{tail}\n"
            "Fix: if pip or apt could not verify a certificate (a TLS-intercepting proxy), set "
            "AIRFLOW_LAB_CA_BUNDLE=/path/to/ca-bundle.pem; if a package could not be downloaded, "
            "check access to PyPI and the Debian mirror (AIRFLOW_LAB_DEBIAN_MIRROR)."
        )


class ComponentUnhealthy(LabError):
    def __init__(self, component: str, reason: str, log_tail: str) -> None:
        self.component = component
        super().__init__(f"{component} did not become healthy: {reason}\n  last log lines of {component}:\n{log_tail}")


class DagImportError(LabError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        text = "\n".join(f"  {file}:\n    " + err.strip().replace("\n", "\n    ") for file, err in errors.items())
        super().__init__(f"Airflow could not import {len(errors)} DAG file(s):\n{text}")


class DagNotFound(LabError):
    def __init__(self, dag_id: str, found: list[str], dags_dir: str) -> None:
        super().__init__(
            f"DAG {dag_id!r} was not found in {dags_dir}. DAGs Airflow parsed there: {', '.join(found) or 'none'}."
        )


class RunTimeout(LabError):
    def __init__(self, dag_id: str, run_id: str, timeout: float, states: dict[str, str], log_tail: str) -> None:
        rows = "\n".join(f"    {task}: {state}" for task, state in sorted(states.items())) or "    (no task instances)"
        super().__init__(
            f"DAG run {dag_id}/{run_id} did not finish within {timeout:.0f} s.\n  task states:\n{rows}\n"
            f"  last scheduler log lines:\n{log_tail}\n"
            "Fix: raise --timeout (AIRFLOW_LAB_RUN_TIMEOUT) if the DAG is just slow; otherwise the states above "
            "show where it is stuck (queued: no free slot or executor; scheduled: a limit such as a pool binds)."
        )
