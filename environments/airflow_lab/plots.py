"""Turn task-instance records into the two pictures readers want: a timeline and concurrency over time.

Both work from a ``RunResult`` (or several) or from the run JSON, so anything ``airflow-lab run``
printed can be re-plotted and re-checked.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import pandas as pd

from .records import RunResult


def tries_frame(results: RunResult | Iterable[RunResult]) -> pd.DataFrame:
    """One row per *attempt*: dag_id, run_id, task_id, map_index, try_number, state, start, end, hostname."""
    if isinstance(results, RunResult):
        results = [results]
    rows = [
        {
            "dag_id": r.dag_id,
            "run_id": r.run_id,
            "task_id": ti.task_id,
            "map_index": ti.map_index,
            "try_number": t.try_number,
            "state": t.state,
            "start": t.start_date,
            "end": t.end_date,
            "hostname": t.hostname,
            "queue": ti.queue,
            "pool": ti.pool,
        }
        for r in results
        for ti in r.task_instances
        for t in (ti.tries or ())
    ]
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["start"] = pd.to_datetime(frame["start"], utc=True)
        frame["end"] = pd.to_datetime(frame["end"], utc=True)
    return frame


def concurrency(frame: pd.DataFrame) -> pd.Series:
    """How many attempts were running at each instant (a step series indexed by time).

    An attempt counts from its start to its end; at an instant where one ends and another starts,
    the end is counted first, so back-to-back tasks do not look concurrent.
    """
    started = frame.dropna(subset=["start", "end"])
    events = pd.concat(
        [
            pd.DataFrame({"time": started["start"], "delta": 1, "order": 1}),
            pd.DataFrame({"time": started["end"], "delta": -1, "order": 0}),
        ]
    ).sort_values(["time", "order"], kind="stable")
    series = events["delta"].cumsum()
    series.index = events["time"]
    series.name = "running"
    return series


def peak_concurrency(frame: pd.DataFrame) -> int:
    series = concurrency(frame)
    return int(series.max()) if not series.empty else 0


def overlapping_pairs(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Pairs of attempts whose [start, end) windows overlap."""
    rows = frame.dropna(subset=["start", "end"]).sort_values("start").to_dict("records")
    pairs = []
    for i, a in enumerate(rows):
        for b in rows[i + 1 :]:
            if b["start"] < a["end"] and a["start"] < b["end"]:
                pairs.append((a["task_id"], b["task_id"]))
    return pairs


def plot_timeline(
    frame: pd.DataFrame,
    ax=None,
    title: str | None = None,
    color_by: str = "hostname",
    marks: Mapping[str, datetime] | None = None,
    spans: Iterable = (),
):
    """A Gantt chart: one bar per attempt, coloured by ``color_by``; seconds since the first start.

    ``marks``: moments to draw as labelled vertical lines (a fault injected, a failure detected); ``spans``:
    ``(begin, end, label)`` times to shade across the bars, e.g. an outage a fault caused."""
    import matplotlib.pyplot as plt  # heavy (a GUI backend is chosen at import): only when a plot is drawn

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 0.45 * max(len(frame), 3) + 1))
    data = frame.dropna(subset=["start", "end"]).sort_values(["start", "task_id"]).reset_index(drop=True)
    t0 = data["start"].min()
    keys = list(dict.fromkeys(data[color_by].fillna("?")))
    colors = {k: plt.cm.tab10(i % 10) for i, k in enumerate(keys)}
    for i, row in data.iterrows():
        start = (row["start"] - t0).total_seconds()
        width = (row["end"] - row["start"]).total_seconds()
        ax.barh(i, width, left=start, color=colors[row[color_by] if pd.notna(row[color_by]) else "?"])
    ax.set_yticks(range(len(data)))
    ax.set_yticklabels([_label(r) for _, r in data.iterrows()])
    ax.invert_yaxis()
    ax.set_xlabel("seconds since the first task started")
    handles = [plt.Rectangle((0, 0), 1, 1, color=colors[k]) for k in keys]
    labels = list(keys)
    for begin, end, label in spans:
        seconds = [(pd.Timestamp(t) - t0).total_seconds() for t in (begin, end)]
        handles.append(ax.axvspan(*seconds, color="grey", alpha=0.4, zorder=3))
        labels.append(label)
    for i, (label, moment) in enumerate((marks or {}).items()):
        at = (pd.Timestamp(moment) - t0).total_seconds()
        handles.append(ax.axvline(at, color="black", linestyle=("--", ":", "-.")[i % 3], linewidth=1.5))
        labels.append(label)
    legend_outside(ax, handles=handles, labels=labels, title=color_by)
    if title:
        ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return ax


def plot_concurrency(frame: pd.DataFrame, ax=None, label: str | None = None, limit: int | None = None):
    """Running attempts over time (a step plot), with an optional horizontal line at a limit."""
    import matplotlib.pyplot as plt  # heavy (a GUI backend is chosen at import): only when a plot is drawn

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    series = concurrency(frame)
    t0 = frame["start"].min()
    seconds = [(t - t0).total_seconds() for t in series.index]
    ax.step([0, *seconds], [0, *series.tolist()], where="post", label=label)
    if limit is not None:
        ax.axhline(limit, linestyle="--", color="grey", label=f"limit = {limit}")
    ax.set_xlabel("seconds since the first task started")
    ax.set_ylabel("running task instances")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    if label or limit is not None:
        legend_outside(ax)
    return ax


def plot_metrics(
    frame: pd.DataFrame, t0: pd.Timestamp, ax=None, title: str | None = None, limit: float | None = None, ylabel=""
):
    """Metric series (one column each, one row per second: ``Metrics.series``) as step lines over the seconds since
    ``t0``, with an optional horizontal line at a limit."""
    import matplotlib.pyplot as plt  # heavy (a GUI backend is chosen at import): only when a plot is drawn

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3))
    seconds = [(t - t0).total_seconds() for t in frame.index]
    for column in frame.columns:
        ax.step(seconds, frame[column].tolist(), where="post", label=column)
    if limit is not None:
        ax.axhline(limit, linestyle="--", color="grey", label=f"limit = {limit:g}")
    ax.set_xlabel("seconds since the run was triggered")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    legend_outside(ax)
    return ax


def legend_outside(ax, **options):
    """The axes' legend to the right of the plot, where it cannot cover a bar or a line."""
    return ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small", **options)


def _label(row) -> str:
    label = row["task_id"] if row.get("map_index", -1) in (-1, None) else f"{row['task_id']}[{row['map_index']}]"
    return label if row.get("try_number", 1) == 1 else f"{label} (try {row['try_number']})"
