"""Concurrency is computed from start/end windows; back-to-back is not concurrent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import matplotlib
from airflow_lab.plots import (
    concurrency,
    overlapping_pairs,
    peak_concurrency,
    plot_concurrency,
    plot_timeline,
    tries_frame,
)
from airflow_lab.records import RunResult, TaskInstanceRecord, TaskTry

matplotlib.use("Agg")
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def run_with(windows: dict[str, tuple[float, float]]) -> RunResult:
    tis = []
    for task_id, (start, end) in windows.items():
        s, e = T0 + timedelta(seconds=start), T0 + timedelta(seconds=end)
        tries = (TaskTry(1, "success", s, e, "host"),)
        tis.append(TaskInstanceRecord(task_id, -1, "success", 1, s, e, "host", "default", "default_pool", tries))
    return RunResult("d", "r", "success", "3.3.2", "LocalExecutor", tuple(tis))


def test_overlapping_windows_count_as_concurrent():
    frame = tries_frame(run_with({"a": (0, 4), "b": (1, 5), "c": (2, 3)}))
    assert peak_concurrency(frame) == 3
    assert sorted(overlapping_pairs(frame)) == [("a", "b"), ("a", "c"), ("b", "c")]


def test_back_to_back_windows_are_not_concurrent():
    frame = tries_frame(run_with({"a": (0, 1), "b": (1, 2), "c": (2, 3)}))
    assert peak_concurrency(frame) == 1
    assert overlapping_pairs(frame) == []
    assert concurrency(frame).iloc[-1] == 0


def test_every_try_is_a_row():
    s = T0
    tries = (TaskTry(1, "failed", s, s + timedelta(seconds=1), "h"), TaskTry(2, "success", s, s, "h"))
    ti = TaskInstanceRecord("t", -1, "success", 2, s, s, "h", "default", "default_pool", tries)
    frame = tries_frame(RunResult("d", "r", "success", "3.3.2", "LocalExecutor", (ti,)))
    assert frame["try_number"].tolist() == [1, 2]


def test_timeline_marks_are_vertical_lines_at_their_second_in_the_legend():
    frame = tries_frame(run_with({"a": (10, 20), "b": (12, 30)}))
    ax = plot_timeline(frame, marks={"scheduler killed": T0 + timedelta(seconds=15)})
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [5.0]  # seconds since the first start (10)
    assert "scheduler killed" in [t.get_text() for t in ax.get_legend().get_texts()]


def test_plots_draw_one_bar_per_attempt():
    frame = tries_frame(run_with({"a": (0, 4), "b": (1, 5)}))
    assert len(plot_timeline(frame).patches) == 2
    assert plot_concurrency(frame, limit=2).get_ylabel() == "running task instances"
