"""What a run leaves behind, as Airflow recorded it: plain values that print, serialise and plot.

These records are read back from Airflow's API; nothing in them is set by the kit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a ``Z``, or None."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class TaskTry:
    """One attempt of a task instance."""

    try_number: int
    state: str | None
    start_date: datetime | None
    end_date: datetime | None
    hostname: str | None
    log: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "try_number": self.try_number,
            "state": self.state,
            "start_date": iso(self.start_date),
            "end_date": iso(self.end_date),
            "hostname": self.hostname,
        }
        if self.log is not None:
            out["log"] = self.log
        return out


@dataclass(frozen=True)
class TaskInstanceRecord:
    task_id: str
    map_index: int
    state: str | None
    try_number: int
    start_date: datetime | None
    end_date: datetime | None
    hostname: str | None
    queue: str | None
    pool: str | None
    tries: tuple[TaskTry, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["start_date"], out["end_date"] = iso(self.start_date), iso(self.end_date)
        out["tries"] = [t.to_dict() for t in self.tries]
        return out


@dataclass(frozen=True)
class RunResult:
    """A finished DAG run: the one JSON object ``airflow-lab run`` prints."""

    dag_id: str
    run_id: str
    state: str
    airflow_version: str
    executor: str
    task_instances: tuple[TaskInstanceRecord, ...] = field(default_factory=tuple)
    #: The DAG bundle and its version (a git commit) the run used, when Airflow recorded one (Airflow 3
    #: with a versioned bundle: see deploy.py); absent from the JSON otherwise.
    bundle: dict[str, Any] | None = None
    #: The faults injected during the run (``run(..., faults=...)``, ``--kill``/``--restart``): component, action,
    #: when due and when done, in seconds after the trigger; absent from the JSON without faults.
    faults: tuple[dict[str, Any], ...] = ()
    #: What Airflow sent to StatsD while the run ran (``--metrics``): ``counters``, ``gauges``, ``timers``, each
    #: name → value (see metrics.py); absent from the JSON otherwise.
    metrics: dict[str, Any] | None = None

    @property
    def succeeded(self) -> bool:
        return self.state == "success"

    def to_dict(self) -> dict[str, Any]:
        return (
            {
                "dag_id": self.dag_id,
                "run_id": self.run_id,
                "state": self.state,
                "airflow_version": self.airflow_version,
                "executor": self.executor,
                "task_instances": [ti.to_dict() for ti in self.task_instances],
            }
            | ({"bundle": dict(self.bundle)} if self.bundle else {})
            | ({"faults": list(self.faults)} if self.faults else {})
            | ({"metrics": self.metrics} if self.metrics is not None else {})
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunResult:
        tis = tuple(
            TaskInstanceRecord(
                **{k: v for k, v in ti.items() if k not in ("tries", "start_date", "end_date")},
                start_date=parse_time(ti["start_date"]),
                end_date=parse_time(ti["end_date"]),
                tries=tuple(
                    TaskTry(
                        **{k: v for k, v in t.items() if k not in ("start_date", "end_date")},
                        start_date=parse_time(t["start_date"]),
                        end_date=parse_time(t["end_date"]),
                    )
                    for t in ti.get("tries", [])
                ),
            )
            for ti in data["task_instances"]
        )
        return cls(
            **{**{k: data[k] for k in ("dag_id", "run_id", "state", "airflow_version", "executor")}},
            task_instances=tis,
            bundle=data.get("bundle"),
            faults=tuple(data.get("faults", ())),
            metrics=data.get("metrics"),
        )

    def to_frame(self):
        """One row per task instance: task_id, map_index, state, try_number, start, end, hostname, queue, pool."""
        import pandas as pd  # heavy (~0.5 s): only for labs that build a table

        rows = [
            {
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": ti.state,
                "try_number": ti.try_number,
                "start": ti.start_date,
                "end": ti.end_date,
                "hostname": ti.hostname,
                "queue": ti.queue,
                "pool": ti.pool,
            }
            for ti in self.task_instances
        ]
        frame = pd.DataFrame(rows)
        if not frame.empty:
            frame["start"] = pd.to_datetime(frame["start"], utc=True)
            frame["end"] = pd.to_datetime(frame["end"], utc=True)
            frame["duration_s"] = (frame["end"] - frame["start"]).dt.total_seconds()
        return frame
