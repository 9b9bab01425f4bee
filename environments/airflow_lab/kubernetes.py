"""The pods Airflow submits to Kubernetes: render them without a cluster, validate them, or run them on one.

    >>> mode = detect_mode()
    >>> print(mode)                          # which of the two modes runs, and why
    >>> pods = render_pods(DAGS, "k8s_pod_per_task")
    >>> for pod in pods: assert not validate(pod.spec)

Render mode (no cluster): the pods come from Airflow's own code, run inside the lab's Airflow image with the
cncf.kubernetes provider: ``airflow kubernetes generate-dag-yaml`` for the KubernetesExecutor's worker pods
and ``KubernetesPodOperator.build_pod_request_obj()`` for the pods that operator launches. Nothing is
submitted anywhere. ``validate`` checks a pod against the official Kubernetes API schema
(``kubernetes-validate``) plus the resource rules the API server applies and the schema cannot express.

Cluster mode (a kubeconfig whose API server answers): ``submit_dry_run`` hands every rendered pod to the
API server with ``dryRun=All`` (admitted or rejected, never started) and ``run_pod`` runs one pod to its end
and returns its phase, exit code and log.

This file is also the script that runs inside the render container (``python render_pods.py DAG_ID DATE``):
the top of the module imports nothing the Airflow image lacks.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The newest Kubernetes minor that cncf.kubernetes provider 10.25 lists as supported.
KUBERNETES_VERSION = "1.35"
RENDER_ROLE = "render"
_BEGIN, _END = "<<<airflow-lab-pods>>>", "<<<end-airflow-lab-pods>>>"
#: Where the render container sees what it is given.
_IN_IMAGE_DAGS = "/opt/airflow/dags"
_IN_IMAGE_SCRIPT = "/opt/airflow/render_pods.py"
_DEFAULT_LOGICAL_DATE = "2025-01-01T00:00:00+00:00"


def _k8s_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "kubernetes"


def pod_template_file() -> Path:
    return _k8s_dir() / "pod_template.yaml"


def airflow_env_file() -> Path:
    return _k8s_dir() / "airflow.env"


def airflow_env(path: Path | None = None) -> dict[str, str]:
    """The ``AIRFLOW__*`` settings of ``environments/kubernetes/airflow.env`` (the chapter quotes that file)."""
    values = {}
    for line in (path or airflow_env_file()).read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


# ---------------------------------------------------------------- which mode -------------------------------


def find_kubeconfig() -> Path | None:
    """The first existing file of ``$KUBECONFIG`` (``:``-separated), else ``~/.kube/config``, else None."""
    candidates = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    candidates.append(str(Path.home() / ".kube" / "config"))
    return next((Path(p) for p in candidates if Path(p).is_file()), None)


def _required_kubeconfig(kubeconfig: Path | None) -> Path:
    found = kubeconfig or find_kubeconfig()
    if found is None:
        from .errors import LabError

        raise LabError("Cluster mode needs a kubeconfig: set KUBECONFIG or create ~/.kube/config.")
    return found


@dataclass(frozen=True)
class Mode:
    name: str  # "cluster" or "render"
    reason: str

    @property
    def cluster(self) -> bool:
        return self.name == "cluster"

    def __str__(self) -> str:
        if self.cluster:
            return f"MODE: cluster — {self.reason}"
        return f"MODE: render — {self.reason}; nothing below was executed in a cluster"


def detect_mode(timeout: float = 5) -> Mode:
    """Cluster mode when a kubeconfig exists and its API server answers; render mode otherwise."""
    kubeconfig = find_kubeconfig()
    if kubeconfig is None:
        return Mode("render", "no Kubernetes cluster found (no kubeconfig)")
    try:
        version = _core_api(kubeconfig, VersionApi=True).get_code(_request_timeout=timeout)
    except Exception as exc:  # the kubernetes client raises many types for "no cluster"
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        return Mode("render", f"the kubeconfig {kubeconfig} names no reachable cluster ({reason})")
    return Mode("cluster", f"Kubernetes {version.git_version} at the current context of {kubeconfig}")


def cluster_available() -> bool:
    return detect_mode().cluster


def _core_api(kubeconfig: Path, VersionApi: bool = False) -> Any:  # noqa: N803
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=str(kubeconfig))
    return client.VersionApi(api_client) if VersionApi else client.CoreV1Api(api_client)


# ---------------------------------------------------------------- render -----------------------------------


@dataclass(frozen=True)
class RenderedPod:
    """One pod as Airflow would submit it. ``kind``: ``executor`` (a KubernetesExecutor worker pod, one per
    task) or ``operator`` (the pod a KubernetesPodOperator task launches from inside its worker pod)."""

    kind: str
    task_id: str
    spec: dict[str, Any]

    @property
    def container(self) -> dict[str, Any]:
        containers = self.spec["spec"]["containers"]
        return next((c for c in containers if c["name"] == "base"), containers[0])

    def summary(self) -> dict[str, Any]:
        """The fields the chapter talks about, flattened for a table."""
        resources = self.container.get("resources") or {}
        command = (self.container.get("command") or []) + (self.container.get("args") or [])
        return {
            "pod": self.kind,
            "task_id": self.task_id,
            "namespace": self.spec["metadata"].get("namespace"),
            "image": self.container.get("image"),
            "command": " ".join(command)[:60] + ("…" if len(" ".join(command)) > 60 else ""),
            "requests": _quantities(resources.get("requests")),
            "limits": _quantities(resources.get("limits")),
            "labels": ",".join(
                f"{k}={v}"
                for k, v in sorted(self.spec["metadata"].get("labels", {}).items())
                if k in ("task_id", "kubernetes_executor", "kubernetes_pod_operator", "app")
            ),
        }


def _quantities(values: dict[str, str] | None) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((values or {}).items())) or "-"


def render_image(airflow_version: str | None = None) -> str:
    """The lab's Airflow image (it carries the cncf.kubernetes provider), built if missing."""
    from . import images
    from . import settings as s

    version = airflow_version or s.AIRFLOW_VERSION
    images.ensure_images((version,))
    return s.airflow_image(version)


def render_pods(
    dags: Path,
    dag_id: str,
    logical_date: str = _DEFAULT_LOGICAL_DATE,
    config: dict[str, str] | None = None,
    airflow_version: str | None = None,
    timeout: float = 180,
) -> list[RenderedPod]:
    """Every pod the DAG's tasks would create, rendered by Airflow's code in a throw-away container.

    ``config``: ``AIRFLOW__*`` settings on top of ``environments/kubernetes/airflow.env``. The container is
    labelled like every lab object, mounts the DAG folder read-only and is removed before this returns,
    also on an error or Ctrl-C.
    """
    import uuid

    from . import settings as s
    from .docker import docker_client
    from .errors import LabError
    from .progress import step

    dags = Path(dags).resolve()
    environment = {
        **airflow_env(),
        **(config or {}),
        "AIRFLOW__CORE__DAGS_FOLDER": _IN_IMAGE_DAGS,
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    }
    template_in_image = environment["AIRFLOW__KUBERNETES_EXECUTOR__POD_TEMPLATE_FILE"]
    image = render_image(airflow_version)
    lab_id = uuid.uuid4().hex[:8]
    command = (
        "airflow db migrate >/tmp/migrate.log 2>&1 || { cat /tmp/migrate.log; exit 1; }; "
        f"python {_IN_IMAGE_SCRIPT} {dag_id} {logical_date}"
    )
    container = None
    try:
        with step(f"Rendering the pods of {dag_id} with Airflow's code (no cluster)"):
            container = docker_client().containers.run(
                image,
                ["bash", "-c", command],
                detach=True,
                environment=environment,
                labels=s.labels(RENDER_ROLE, lab=f"k8s-{lab_id}"),
                volumes={
                    str(dags): {"bind": _IN_IMAGE_DAGS, "mode": "ro"},
                    str(pod_template_file()): {"bind": template_in_image, "mode": "ro"},
                    str(Path(__file__).resolve()): {"bind": _IN_IMAGE_SCRIPT, "mode": "ro"},
                },
                network_disabled=True,  # rendering needs no network: proof that nothing is submitted
            )
            status = container.wait(timeout=timeout)
            output = container.logs().decode(errors="replace")
        if status.get("StatusCode") != 0 or _BEGIN not in output:
            raise LabError(f"Rendering the pods of {dag_id} failed:\n" + "\n".join(output.splitlines()[-30:]))
        payload = json.loads(output.split(_BEGIN, 1)[1].split(_END, 1)[0])
    finally:
        if container is not None:
            container.remove(force=True)
    return [RenderedPod(p["kind"], p["task_id"], p["spec"]) for p in payload]


def leftovers() -> dict[str, int]:
    """Render containers still present (there should be none once ``render_pods`` returned)."""
    from . import settings as s
    from .docker import labelled

    found = labelled(f"{s.LABEL}.role={RENDER_ROLE}")
    return {kind: len(objects) for kind, objects in found.items()}


# ---------------------------------------------------------------- validate ---------------------------------


def validate(pod: dict[str, Any], kubernetes_version: str = KUBERNETES_VERSION) -> list[str]:
    """Problems the API server would reject the pod for; empty when there are none we can check offline.

    1. the official OpenAPI schema of ``kubernetes_version``, strict (unknown fields are errors), through
       ``kubernetes-validate``: types, required fields, field names;
    2. what the schema cannot say and the API server's validation does: every resource quantity parses
       and no limit is below its request.
    """
    import kubernetes_validate
    from kubernetes.utils import parse_quantity

    errors = []
    try:
        kubernetes_validate.validate(pod, kubernetes_version, strict=True)
    except kubernetes_validate.ValidationError as exc:
        path = "/".join(str(p) for p in exc.absolute_path)
        errors.append(f"schema: {path}: {exc.message}")
    for container in (pod.get("spec") or {}).get("containers") or []:
        if not isinstance(container, dict):
            continue
        resources = container.get("resources") or {}
        parsed: dict[str, dict[str, Any]] = {}
        for kind in ("requests", "limits"):
            for name, value in (resources.get(kind) or {}).items():
                try:
                    parsed.setdefault(kind, {})[name] = parse_quantity(value)
                except (ValueError, TypeError):
                    errors.append(f"{container.get('name')}: {kind}.{name}: {value!r} is not a quantity")
        for name, limit in parsed.get("limits", {}).items():
            request = parsed.get("requests", {}).get(name)
            if request is not None and limit < request:
                wanted = (resources.get("limits") or {})[name], (resources.get("requests") or {})[name]
                errors.append(f"{container.get('name')}: {name} limit {wanted[0]} is below its request {wanted[1]}")
    return errors


# ---------------------------------------------------------------- cluster mode -----------------------------


def submit_dry_run(pod: dict[str, Any], kubeconfig: Path | None = None) -> dict[str, Any]:
    """Cluster mode: the API server admits (or rejects) the pod with ``dryRun=All``; nothing is started."""
    api = _core_api(_required_kubeconfig(kubeconfig))
    namespace = pod["metadata"].get("namespace") or "default"
    return api.api_client.sanitize_for_serialization(api.create_namespaced_pod(namespace, pod, dry_run="All"))


def run_pod(pod: dict[str, Any], kubeconfig: Path | None = None, timeout: float = 300) -> dict[str, Any]:
    """Cluster mode: create the pod, wait for it to end, return phase, exit code and log; delete it."""
    import time

    api = _core_api(_required_kubeconfig(kubeconfig))
    namespace = pod["metadata"].get("namespace") or "default"
    name = pod["metadata"]["name"]
    api.create_namespaced_pod(namespace, pod)
    try:
        deadline = time.monotonic() + timeout
        while True:
            status = api.read_namespaced_pod(name, namespace).status
            if status.phase in ("Succeeded", "Failed"):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"pod {namespace}/{name} still {status.phase} after {timeout:.0f} s")
            time.sleep(2)
        terminated = [c.state.terminated for c in status.container_statuses or [] if c.state.terminated]
        return {
            "phase": status.phase,
            "exit_code": terminated[0].exit_code if terminated else None,
            "log": api.read_namespaced_pod_log(name, namespace),
        }
    finally:
        api.delete_namespaced_pod(name, namespace)


# ---------------------------------------------------------------- inside the render container ---------------


def _render_in_image(dag_id: str, logical_date: str) -> list[dict[str, Any]]:
    """Runs in the Airflow image: the executor's pods via the CLI, the operator's via its own builder."""
    import subprocess
    import tempfile
    from types import SimpleNamespace

    import pendulum
    import yaml
    from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
    from kubernetes.client import ApiClient

    pods = []
    with tempfile.TemporaryDirectory() as out:
        subprocess.run(
            ["airflow", "kubernetes", "generate-dag-yaml", dag_id, "-l", logical_date, "-o", out],
            check=True,
            stdout=sys.stderr,
        )
        for path in sorted(Path(out).rglob("*.yml")):
            spec = yaml.safe_load(path.read_text())
            spec.setdefault("apiVersion", "v1")  # the CLI writes the pod without apiVersion/kind
            spec.setdefault("kind", "Pod")
            pods.append({"kind": "executor", "task_id": spec["metadata"]["annotations"]["task_id"], "spec": spec})

    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models import DagBag
    dag = DagBag(dag_folder=_IN_IMAGE_DAGS).get_dag(dag_id)
    date = pendulum.parse(logical_date)
    assert isinstance(date, pendulum.DateTime), f"not a date and time: {logical_date!r}"
    run_id = f"manual__{date.isoformat()}"
    for task in dag.tasks:
        if isinstance(task, KubernetesPodOperator):
            ti = SimpleNamespace(dag_id=dag_id, task_id=task.task_id, map_index=-1, try_number=1)
            context = {"ti": ti, "run_id": run_id, "dag": dag}
            pod = task.build_pod_request_obj(context, dry_run=True)  # type: ignore[arg-type]  # the keys it reads
            spec = ApiClient().sanitize_for_serialization(pod)
            pods.append({"kind": "operator", "task_id": task.task_id, "spec": spec})
    return pods


if __name__ == "__main__":
    pods = _render_in_image(sys.argv[1], sys.argv[2])
    print(_BEGIN + json.dumps(pods) + _END)
