"""One interface over Airflow's REST API, for both majors.

* Airflow 3: API v2, JWT from the auth manager's ``/auth/token``, via the official ``apache-airflow-client``.
* Airflow 2: API v1 with basic auth. ``apache-airflow-client`` 3.x speaks only v2 and one venv holds one
  version of it, so v1 is a thin adapter over ``requests`` returning the same records.
"""

from __future__ import annotations

from typing import Any, Protocol

import requests

from .records import TaskInstanceRecord, TaskTry, parse_time
from .types import AirflowVersion


class AirflowAPI(Protocol):
    def health(self) -> dict[str, str]: ...
    def dag_ids(self) -> list[str]: ...
    def import_errors(self) -> dict[str, str]: ...
    def unpause(self, dag_id: str) -> None: ...
    def pause(self, dag_id: str) -> None: ...
    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str: ...
    def run_state(self, dag_id: str, run_id: str) -> str: ...
    def task_instances(self, dag_id: str, run_id: str, with_logs: bool = False) -> list[TaskInstanceRecord]: ...
    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str: ...
    def create_pool(self, name: str, slots: int, description: str = "") -> None: ...
    def get(self, path: str, **params: Any) -> Any: ...


def _status(component: dict[str, Any] | None) -> str:
    return (component or {}).get("status") or "unknown"


def _health_summary(body: dict[str, Any]) -> dict[str, str]:
    summary = {
        "metadatabase": _status(body.get("metadatabase")),
        "scheduler": _status(body.get("scheduler")),
        "triggerer": _status(body.get("triggerer")),
    }
    if "dag_processor" in body:
        summary["dag-processor"] = _status(body.get("dag_processor"))
    return summary


class V2Client:
    """Airflow 3 through the official client."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        import airflow_client.client as ac  # heavy (generated models for every endpoint): only for Airflow 3

        self.base_url = base_url.rstrip("/")
        self._ac = ac
        self._auth = (username, password)
        self._api: Any = None

    def _client(self) -> Any:
        if self._api is None:
            response = requests.post(
                f"{self.base_url}/auth/token",
                json={"username": self._auth[0], "password": self._auth[1]},
                timeout=10,
            )
            response.raise_for_status()
            config = self._ac.Configuration(host=self.base_url, access_token=response.json()["access_token"])
            self._api = self._ac.ApiClient(config)
        return self._api

    def get(self, path: str, **params: Any) -> Any:
        """GET any REST API v2 path (e.g. ``/dags/x/dagRuns``) and return its JSON, for what records lack."""
        token = self._client().configuration.access_token
        response = requests.get(
            f"{self.base_url}/api/v2{path}", params=params, headers={"Authorization": f"Bearer {token}"}, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, str]:
        response = requests.get(f"{self.base_url}/api/v2/monitor/health", timeout=5)
        response.raise_for_status()
        return _health_summary(response.json())

    def dag_ids(self) -> list[str]:
        dags = self._ac.DAGApi(self._client()).get_dags(limit=1000).dags
        return sorted(d.dag_id for d in dags)

    def import_errors(self) -> dict[str, str]:
        errors = self._ac.ImportErrorApi(self._client()).get_import_errors(limit=1000).import_errors
        return {e.filename: e.stack_trace for e in errors}

    def unpause(self, dag_id: str) -> None:
        self._ac.DAGApi(self._client()).patch_dag(dag_id, self._ac.DAGPatchBody(is_paused=False))

    def pause(self, dag_id: str) -> None:
        self._ac.DAGApi(self._client()).patch_dag(dag_id, self._ac.DAGPatchBody(is_paused=True))

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        # logical_date=None: a manual run not tied to a data interval, the Airflow 3 default
        body = self._ac.TriggerDAGRunPostBody.from_dict({"logical_date": None, "conf": conf or {}})
        assert body is not None
        return self._ac.DagRunApi(self._client()).trigger_dag_run(dag_id, body).dag_run_id

    def run_state(self, dag_id: str, run_id: str) -> str:
        return str(self._ac.DagRunApi(self._client()).get_dag_run(dag_id, run_id).state.value)

    def create_pool(self, name: str, slots: int, description: str = "") -> None:
        body = self._ac.PoolBody(name=name, slots=slots, description=description)
        self._ac.PoolApi(self._client()).post_pool(body)

    # -- a kept environment put back as a fresh start has it (reuse.py) ---------------------------------------

    def default_pool_slots(self) -> int:
        return int(self._ac.PoolApi(self._client()).get_pool("default_pool").slots)

    def why_not_fresh(self) -> str | None:
        """Why ``reset`` could not give the next lab what a fresh start gives it (None: it could)."""
        ac, client = self._ac, self._client()
        runs = ac.DagRunApi(client).get_dag_runs("~", state=["queued", "running"], limit=1).total_entries
        if runs:
            return f"{runs} DAG run(s) still queued or running"
        busy = ["scheduled", "queued", "running", "deferred", "up_for_retry", "up_for_reschedule", "restarting"]
        tries = ac.TaskInstanceApi(client).get_task_instances("~", "~", state=busy, limit=1).total_entries
        if tries:
            return f"{tries} task instance(s) still to finish"
        scheduled = [d.dag_id for d in ac.DAGApi(client).get_dags(limit=1000).dags if d.next_dagrun_run_after]
        if scheduled:  # their next run dates would not start over as in a fresh database
            return f"DAGs on a schedule ({', '.join(scheduled[:3])})"
        return None

    def reset(self, default_pool_slots: int) -> None:
        """Every DAG paused, and no DAG runs (with their task instances, XComs, tries), pools but the default one
        (at ``default_pool_slots``), variables or connections: what a fresh start's database holds."""
        ac, client = self._ac, self._client()
        body = ac.DAGPatchBody(is_paused=True)
        ac.DAGApi(client).patch_dags(body, update_mask=["is_paused"], dag_id_pattern="%")
        runs = ac.DagRunApi(client)
        while found := runs.get_dag_runs("~", limit=100).dag_runs:
            for run in found:
                runs.delete_dag_run(run.dag_id, run.dag_run_id)
        pools = ac.PoolApi(client)
        for pool in pools.get_pools(limit=1000).pools:
            if pool.name != "default_pool":
                pools.delete_pool(pool.name)
            elif pool.slots != default_pool_slots:
                pools.patch_pool("default_pool", ac.PoolPatchBody(slots=default_pool_slots), update_mask=["slots"])
        variables = ac.VariableApi(client)
        for variable in variables.get_variables(limit=1000).variables:
            variables.delete_variable(variable.key)
        connections = ac.ConnectionApi(client)
        for connection in connections.get_connections(limit=1000).connections:
            connections.delete_connection(connection.connection_id)

    def task_instances(self, dag_id: str, run_id: str, with_logs: bool = False) -> list[TaskInstanceRecord]:
        api = self._ac.TaskInstanceApi(self._client())
        records = []
        for ti in api.get_task_instances(dag_id, run_id, limit=1000).task_instances:
            history = api.get_task_instance_tries(dag_id, run_id, ti.task_id, map_index=ti.map_index)
            tries = tuple(
                TaskTry(
                    try_number=t.try_number,
                    state=_value(t.state),
                    start_date=t.start_date,
                    end_date=t.end_date,
                    hostname=t.hostname,
                    log=self.log(dag_id, run_id, ti.task_id, t.try_number, ti.map_index) if with_logs else None,
                )
                for t in sorted(history.task_instances, key=lambda t: t.try_number)
            )
            records.append(
                TaskInstanceRecord(
                    task_id=ti.task_id,
                    map_index=ti.map_index,
                    state=_value(ti.state),
                    try_number=ti.try_number,
                    start_date=ti.start_date,
                    end_date=ti.end_date,
                    hostname=ti.hostname,
                    queue=ti.queue,
                    pool=ti.pool,
                    tries=tries,
                )
            )
        return sorted(records, key=lambda r: (r.task_id, r.map_index))

    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        response = requests.get(
            f"{self.base_url}/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true", "map_index": str(map_index)},
            headers={
                "Authorization": f"Bearer {self._client().configuration.access_token}",
                "Accept": "application/json",
            },
            timeout=30,
        )
        response.raise_for_status()
        return _log_text(response.json().get("content"))


def _value(state: Any) -> str | None:
    return None if state is None else str(getattr(state, "value", state))


_LOG_LAYOUT_KEYS = {"timestamp", "level", "event", "error_detail", "loc"}


def _log_text(content: Any) -> str:
    """Airflow 3 serves structured log lines (dicts with ``event``); Airflow 2 serves text."""
    if isinstance(content, str):
        return content
    lines = []
    for item in content or []:
        if isinstance(item, dict):
            stamp = f"[{item['timestamp']}] " if item.get("timestamp") else ""
            level = f"{item['level'].upper()} - " if item.get("level") else ""
            # structured fields (e.g. a retry policy's action and reason) as key=value, as Airflow's UI shows them
            extra = " ".join(f"{k}={v}" for k, v in item.items() if k not in _LOG_LAYOUT_KEYS)
            lines.append(f"{stamp}{level}{item.get('event', '')}" + (f" {extra}" if extra else ""))
            lines += _traceback_lines(item.get("error_detail"))
        else:
            lines.append(str(item))
    return "\n".join(lines)


def _traceback_lines(details: Any) -> list[str]:
    """Airflow 3 stores a task's exception as structured ``error_detail``; show it as Python would."""
    lines = []
    for detail in details or []:
        lines.append("Traceback (most recent call last):")
        for frame in detail.get("frames", []):
            lines.append(f'  File "{frame.get("filename")}", line {frame.get("lineno")}, in {frame.get("name")}')
        lines.append(f"{detail.get('exc_type')}: {detail.get('exc_value')}")
    return lines


class V1Client:
    """Airflow 2 through REST API v1 with basic auth (a thin adapter returning the same records)."""

    def __init__(self, base_url: str, username: str, password: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session = requests.Session()
        self._session.auth = (username, password)
        self._session.headers["Accept"] = "application/json"

    def get(self, path: str, **params: Any) -> Any:
        """GET any REST API v1 path and return its JSON."""
        response = self._session.get(f"{self.base_url}/api/v1{path}", params=params, timeout=30)
        response.raise_for_status()
        return response.json()

    def health(self) -> dict[str, str]:
        response = requests.get(f"{self.base_url}/health", timeout=5)
        response.raise_for_status()
        return _health_summary(response.json())

    def dag_ids(self) -> list[str]:
        return sorted(d["dag_id"] for d in self.get("/dags", limit=1000)["dags"])

    def import_errors(self) -> dict[str, str]:
        return {e["filename"]: e["stack_trace"] for e in self.get("/importErrors", limit=1000)["import_errors"]}

    def unpause(self, dag_id: str) -> None:
        self._set_paused(dag_id, False)

    def pause(self, dag_id: str) -> None:
        self._set_paused(dag_id, True)

    def _set_paused(self, dag_id: str, paused: bool) -> None:
        response = self._session.patch(
            f"{self.base_url}/api/v1/dags/{dag_id}",
            params={"update_mask": "is_paused"},
            json={"is_paused": paused},
            timeout=30,
        )
        response.raise_for_status()

    def trigger(self, dag_id: str, conf: dict[str, Any] | None = None) -> str:
        response = self._session.post(
            f"{self.base_url}/api/v1/dags/{dag_id}/dagRuns", json={"conf": conf or {}}, timeout=30
        )
        response.raise_for_status()
        return response.json()["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.get(f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def create_pool(self, name: str, slots: int, description: str = "") -> None:
        response = self._session.post(
            f"{self.base_url}/api/v1/pools", json={"name": name, "slots": slots, "description": description}, timeout=30
        )
        response.raise_for_status()

    def task_instances(self, dag_id: str, run_id: str, with_logs: bool = False) -> list[TaskInstanceRecord]:
        records = []
        for ti in self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)["task_instances"]:
            path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{ti['task_id']}"
            if ti["map_index"] >= 0:
                path += f"/{ti['map_index']}"
            history = self.get(f"{path}/tries")["task_instances"]
            tries = tuple(
                TaskTry(
                    try_number=t["try_number"],
                    state=t["state"],
                    start_date=parse_time(t["start_date"]),
                    end_date=parse_time(t["end_date"]),
                    hostname=t["hostname"] or None,
                    log=self.log(dag_id, run_id, ti["task_id"], t["try_number"], ti["map_index"])
                    if with_logs
                    else None,
                )
                for t in sorted(history, key=lambda t: t["try_number"])
            )
            records.append(
                TaskInstanceRecord(
                    task_id=ti["task_id"],
                    map_index=ti["map_index"],
                    state=ti["state"],
                    try_number=ti["try_number"],
                    start_date=parse_time(ti["start_date"]),
                    end_date=parse_time(ti["end_date"]),
                    hostname=ti["hostname"] or None,
                    queue=ti["queue"],
                    pool=ti["pool"],
                    tries=tries,
                )
            )
        return sorted(records, key=lambda r: (r.task_id, r.map_index))

    def log(self, dag_id: str, run_id: str, task_id: str, try_number: int, map_index: int = -1) -> str:
        # as text/plain: Airflow 2's JSON form is the repr of a list of (host, text) tuples
        response = self._session.get(
            f"{self.base_url}/api/v1/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true", "map_index": str(map_index)},
            headers={"Accept": "text/plain"},
            timeout=30,
        )
        response.raise_for_status()
        return response.text


def api_for(airflow_version: str, base_url: str, username: str, password: str) -> AirflowAPI:
    if AirflowVersion(airflow_version).major >= 3:
        return V2Client(base_url, username, password)
    return V1Client(base_url, username, password)
