"""What a lab shows its reader, as text: a DAG's code, a task's log, a run as a table, Airflow's REST records.

Labs call these instead of copying plumbing into every notebook. Everything here reads what a file holds or
what Airflow recorded (a ``RunResult``, the REST API); nothing changes the running environment.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import requests

from .client import AirflowAPI, V1Client
from .plots import tries_frame
from .records import RunResult, TaskTry

if TYPE_CHECKING:
    from IPython.lib.pretty import RepresentationPrinter


@dataclass(frozen=True)
class Code:
    """Source code that a notebook shows highlighted (as a fenced Markdown block) and a terminal as plain text."""

    text: str
    language: str = "python"

    def _repr_markdown_(self) -> str:
        return f"```{self.language}\n{self.text}\n```"

    def _repr_pretty_(self, printer: RepresentationPrinter, cycle: bool) -> None:
        printer.text(self.text)

    def __str__(self) -> str:
        return self.text


def region_text(path: Path, name: str | None = None) -> str:
    """The lines between ``# [START name]`` and ``# [END name]`` in ``path`` (``name`` defaults to the file's stem).

    The same markers the book's ``literalinclude`` directives use, so a lab shows what the chapter quotes.
    """
    name = name or path.stem
    text = path.read_text()
    start, end = f"# [START {name}]", f"# [END {name}]"
    if start not in text or end not in text:
        raise ValueError(f"{path} has no region {name!r}: add the lines `{start}` and `{end}` around it.")
    body = text.split(start, 1)[1].split(end, 1)[0]
    return body.strip("\n")


def region(path: Path, name: str | None = None, language: str = "python") -> Code:
    """A file's ``# [START name]`` … ``# [END name]`` region, shown as highlighted code in a notebook."""
    return Code(region_text(path, name), language)


def file(path: Path, language: str = "python") -> Code:
    """A whole file (a Dockerfile, a YAML file), shown as highlighted code in a notebook."""
    return Code(path.read_text().strip("\n"), language)


def attempt(result: RunResult, task_id: str, try_number: int | None = None, map_index: int = -1) -> TaskTry:
    """One attempt of a task in a run, as Airflow recorded it (the last one unless ``try_number`` is given)."""
    matches = [ti for ti in result.task_instances if ti.task_id == task_id and ti.map_index == map_index]
    if not matches:
        known = sorted({ti.task_id for ti in result.task_instances})
        raise KeyError(f"{result.dag_id} run {result.run_id} has no task {task_id!r} (map index {map_index}): {known}")
    tries = matches[0].tries
    if not tries:
        raise KeyError(f"{task_id} in {result.run_id} never ran: Airflow recorded no attempt of it.")
    if try_number is None:
        return tries[-1]
    for one in tries:
        if one.try_number == try_number:
            return one
    raise KeyError(f"{task_id} has no try {try_number}: tries {[t.try_number for t in tries]}")


def log(result: RunResult, task_id: str, try_number: int | None = None, map_index: int = -1) -> str:
    """A task's log as Airflow served it (the last attempt unless ``try_number`` is given).

    The run must have been collected with ``logs=True`` (``lab.run(dag_id, logs=True)``).
    """
    text = attempt(result, task_id, try_number, map_index).log
    if text is None:
        raise ValueError(f"{result.run_id} was collected without logs: use lab.run(..., logs=True) or lab.wait(...)")
    return text


#: The columns ``tasks`` shows besides task, try, state and the seconds: narrow enough for the page.
EXTRA_COLUMNS = ("run", "dag_id", "hostname", "queue", "pool")


def tasks(results: RunResult | Iterable[RunResult], *extra: str, digits: int = 1) -> pd.DataFrame:
    """One row per attempt, in start order: task, try, state, ``start_s`` and ``end_s``, then ``extra`` columns.

    Times are seconds since the first attempt of these runs started, not timestamps: a reader compares
    them at a glance. ``extra`` names any of ``run`` (1, 2, … in the order the runs are given), ``dag_id``,
    ``hostname``, ``queue`` and ``pool``. Attempts that never started sort last with empty times.
    """
    unknown = [column for column in extra if column not in EXTRA_COLUMNS]
    if unknown:
        raise ValueError(f"tasks() shows no column {unknown}: choose from {list(EXTRA_COLUMNS)}")
    runs = [results] if isinstance(results, RunResult) else list(results)
    frame = tries_frame(runs)
    columns = ["task", "try", "state", "start_s", "end_s", *extra]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    origin = frame["start"].min()
    order = {result.run_id: number for number, result in enumerate(runs, start=1)}
    frame = frame.sort_values(["start", "task_id", "map_index"], na_position="last").reset_index(drop=True)
    return pd.DataFrame(
        {
            "task": [_task_label(row) for row in frame.itertuples()],
            "try": frame["try_number"],
            "state": frame["state"],
            "start_s": _seconds(frame["start"], origin, digits),
            "end_s": _seconds(frame["end"], origin, digits),
            "run": frame["run_id"].map(order),
            "dag_id": frame["dag_id"],
            "hostname": frame["hostname"],
            "queue": frame["queue"],
            "pool": frame["pool"],
        }
    )[columns]


def table(
    rows: Iterable[Mapping[str, Any]] | pd.DataFrame,
    times: Sequence[str] = (),
    booleans: Sequence[str] = (),
    origin: Any = None,
    digits: int = 1,
) -> pd.DataFrame:
    """Records (from ``lab.sql`` or the REST API) as a table a reader can scan.

    ``times`` columns (ISO strings or timestamps) become seconds since ``origin`` — by default the earliest
    time in those columns — renamed ``<column>_s``. ``booleans`` columns (Postgres ``t``/``f``, JSON
    true/false) become ``yes``/``no``.
    """
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))
    if frame.empty:
        return frame
    stamps = {column: pd.to_datetime(frame[column], utc=True, format="ISO8601") for column in times}
    start = pd.Timestamp(origin) if origin is not None else min(s.min() for s in stamps.values()) if stamps else None
    if start is not None and start.tzinfo is None:
        start = start.tz_localize("UTC")
    for column, values in stamps.items():
        frame[column] = _seconds(values, start, digits)
    for column in booleans:
        frame[column] = frame[column].map(lambda value: yes_no(value) if value is not None else None)
    return frame.rename(columns={column: f"{column}_s" for column in times})


def sql_bool(value: str | bool) -> bool:
    """A Postgres boolean as ``psql`` prints it (``t``/``f``), or a JSON boolean, as a Python bool."""
    if isinstance(value, bool):
        return value
    if value in ("t", "true"):
        return True
    if value in ("f", "false"):
        return False
    raise ValueError(f"not a boolean: {value!r} (psql prints t or f)")


def yes_no(value: str | bool) -> str:
    """``yes`` or ``no`` for a Postgres (``t``/``f``) or Python boolean."""
    return "yes" if sql_bool(value) else "no"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_EVENT = re.compile(
    r"^\s*(?P<time>\d{4}-\d\d-\d\d[T ][\d:.]+(?:Z|[+-]\d\d:?\d\d)?)\s+\[(?P<level>\w+)\s*\]\s+(?P<event>.*?)"
    r"(?:\s+\[(?P<logger>[\w.]+)\])?(?:\s+loc=\S+)?\s*$"
)


def log_events(text: str, *contains: str, origin: Any = None, digits: int = 1) -> pd.DataFrame:
    """The lines of an Airflow component's log (``lab.logs("scheduler")``, ``airflow dags test``) that contain any
    of ``contains``, as a table: ``time_s`` (seconds since ``origin``, by default the first line shown),
    ``level``, ``event`` and ``logger`` — the message without the console's colours, padding and call site.
    """
    rows = []
    for line in _ANSI.sub("", text).splitlines():
        found = _EVENT.match(line)
        if found and (not contains or any(part in line for part in contains)):
            rows.append(found.groupdict())
    frame = pd.DataFrame(rows, columns=["time", "level", "event", "logger"])
    if frame.empty:
        return frame.rename(columns={"time": "time_s"})
    stamps = pd.to_datetime(frame["time"], utc=True, format="ISO8601")
    start = stamps.min() if origin is None else pd.Timestamp(origin)
    frame["time"] = _seconds(stamps, start if start.tzinfo else start.tz_localize("UTC"), digits)
    return frame.rename(columns={"time": "time_s"})


# -- REST reads the chapters explain: one name per record, on either major ---------------------------------------


def dag(api: AirflowAPI, dag_id: str) -> dict[str, Any]:
    """A DAG as the API serves it (``GET /dags/{dag_id}``): ``is_paused``, ``is_stale``, ``has_import_errors``, …"""
    return dict(api.get(f"/dags/{dag_id}"))


def dag_run(api: AirflowAPI, dag_id: str, run_id: str) -> dict[str, Any]:
    """A DAG run's record (``GET /dags/{dag_id}/dagRuns/{run_id}``): dates, state, ``bundle_version`` (3.x)."""
    return dict(api.get(f"/dags/{dag_id}/dagRuns/{run_id}"))


def dag_runs(api: AirflowAPI, dag_id: str, order_by: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Every run of a DAG (``GET /dags/{dag_id}/dagRuns``), in ``order_by`` order when given."""
    params: dict[str, Any] = {"limit": limit} | ({"order_by": order_by} if order_by else {})
    return list(api.get(f"/dags/{dag_id}/dagRuns", **params)["dag_runs"])


def task_instance(api: AirflowAPI, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> dict[str, Any]:
    """A task instance's full record, including ``rendered_fields`` (the templates after rendering)."""
    path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}"
    return dict(api.get(path if map_index < 0 else f"{path}/{map_index}"))


def rendered_fields(api: AirflowAPI, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> dict[str, Any]:
    """What a task's template fields rendered to in that run, as Airflow stored them."""
    return dict(task_instance(api, dag_id, run_id, task_id, map_index)["rendered_fields"])


def xcom(api: AirflowAPI, dag_id: str, run_id: str, task_id: str, key: str = "return_value") -> Any:
    """An XCom entry as the REST API serves it (its ``value`` as stored)."""
    return api.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/{key}")


def dag_versions(api: AirflowAPI, dag_id: str) -> list[dict[str, Any]]:
    """The DAG's versions, oldest first (Airflow 3): ``version_number`` and the ``bundle_version`` it came from.
    Empty before the DAG processor has parsed the DAG (the API answers 404 then)."""
    try:
        return list(api.get(f"/dags/{dag_id}/dagVersions", order_by="version_number")["dag_versions"])
    except requests.HTTPError as exc:
        if exc.response is not None and exc.response.status_code == 404:
            return []
        raise


def dag_source(api: AirflowAPI, dag_id: str, version_number: int | None = None) -> str:
    """The DAG file's code as Airflow serves it: of one version (Airflow 3), or the current code (either major).

    Airflow 2 serves a source by the DAG's ``file_token`` and keeps no versions.
    """
    if isinstance(api, V1Client):
        if version_number is not None:
            raise ValueError("Airflow 2 keeps no DAG versions: it serves only the current source.")
        return str(api.get(f"/dagSources/{dag(api, dag_id)['file_token']}")["content"])
    params = {"version_number": version_number} if version_number is not None else {}
    return str(api.get(f"/dagSources/{dag_id}", **params)["content"])


# -- Airflow in the notebook's own process --------------------------------------------------------------------------


def load_dag(path: Path, dag_id: str | None = None) -> Any:
    """The DAG a file defines, parsed in this process by Airflow's own ``DagBag`` as the DAG processor would
    (for what Airflow computes from it, such as priority weights). ``dag_id`` defaults to the file's stem.

    What Airflow logs while it parses ("Filling up the DagBag from <path>") is held back from the lab's output
    and shown only in the error when the file does not load.
    """
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef]
    logged = io.StringIO()
    with contextlib.redirect_stdout(logged), contextlib.redirect_stderr(logged):
        bag = DagBag(dag_folder=str(path))
    dag_id = dag_id or path.stem
    if bag.import_errors or dag_id not in bag.dags:
        raise ValueError(f"{path.name} does not define {dag_id!r}: {bag.import_errors}\n{logged.getvalue()}")
    return bag.dags[dag_id]


def _seconds(values: pd.Series, origin: Any, digits: int) -> pd.Series:
    return ((values - origin).dt.total_seconds()).round(digits)


def _task_label(row: Any) -> str:
    return row.task_id if row.map_index in (-1, None) else f"{row.task_id}[{row.map_index}]"
