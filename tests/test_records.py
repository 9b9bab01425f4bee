"""The run JSON contract: field names, ISO 8601 UTC times, round trip."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from airflow_lab.records import RunResult, TaskInstanceRecord, TaskTry, iso, parse_time

T0 = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)


def make_result(state: str = "success") -> RunResult:
    tries = (
        TaskTry(1, "failed", T0, T0 + timedelta(seconds=1), "airflow-scheduler"),
        TaskTry(2, "success", T0 + timedelta(seconds=5), T0 + timedelta(seconds=6), "airflow-scheduler"),
    )
    ti = TaskInstanceRecord(
        "load",
        -1,
        "success",
        2,
        tries[1].start_date,
        tries[1].end_date,
        "airflow-scheduler",
        "default",
        "default_pool",
        tries,
    )
    return RunResult("etl", "manual__1", state, "3.3.2", "LocalExecutor", (ti,))


def test_run_json_has_every_contract_field():
    data = json.loads(make_result().to_json())
    assert set(data) == {"dag_id", "run_id", "state", "airflow_version", "executor", "task_instances"}
    ti = data["task_instances"][0]
    assert set(ti) == {
        "task_id",
        "map_index",
        "state",
        "try_number",
        "start_date",
        "end_date",
        "hostname",
        "queue",
        "pool",
        "tries",
    }
    assert [set(t) for t in ti["tries"]] == [{"try_number", "state", "start_date", "end_date", "hostname"}] * 2


def test_times_are_iso_8601_utc():
    assert iso(T0) == "2026-01-02T03:04:05.678000Z"
    other_zone = T0.astimezone(timezone(timedelta(hours=3)))
    assert iso(other_zone) == iso(T0)
    assert iso(None) is None
    assert parse_time("2026-01-02T03:04:05.678000Z") == T0


def test_json_round_trips():
    result = make_result()
    assert RunResult.from_dict(json.loads(result.to_json())) == result


def test_log_appears_only_when_read():
    with_log = TaskTry(1, "success", T0, T0, "h", log="hello")
    assert with_log.to_dict()["log"] == "hello"
    assert "log" not in TaskTry(1, "success", T0, T0, "h").to_dict()


def test_frame_has_durations():
    frame = make_result().to_frame()
    assert frame.loc[0, "duration_s"] == 1.0
    assert str(frame["start"].dt.tz) == "UTC"


def test_only_success_counts_as_succeeded():
    assert make_result("success").succeeded
    assert not make_result("failed").succeeded


def test_structured_task_logs_read_like_text_with_the_traceback():
    from airflow_lab.client import _log_text

    content = [
        {"event": "::group::source", "timestamp": None},
        {
            "timestamp": "2026-11-25T09:32:07Z",
            "level": "error",
            "event": "Task failed with exception",
            "error_detail": [
                {
                    "exc_type": "RuntimeError",
                    "exc_value": "failing on purpose",
                    "frames": [{"filename": "/dags/x.py", "lineno": 3, "name": "boom"}],
                }
            ],
        },
    ]
    text = _log_text(content)
    assert text.splitlines()[0] == "::group::source"
    assert "ERROR - Task failed with exception" in text
    assert 'File "/dags/x.py", line 3, in boom' in text and "RuntimeError: failing on purpose" in text
    assert _log_text("plain text from Airflow 2") == "plain text from Airflow 2"


def test_structured_log_fields_are_kept_as_key_value():
    from airflow_lab.client import _log_text

    line = {"timestamp": "2026-11-25T09:32:07Z", "level": "info", "event": "Retry policy decision", "loc": "x.py:1"}
    text = _log_text([line | {"action": "fail", "reason": "credentials rejected"}])
    assert text == "[2026-11-25T09:32:07Z] INFO - Retry policy decision action=fail reason=credentials rejected"


def test_the_bundle_appears_only_when_airflow_recorded_one():
    from dataclasses import replace

    plain = make_result()
    assert "bundle" not in plain.to_dict()
    versioned = replace(plain, bundle={"name": "release-repo", "version": "4f0c2ab", "dag_version": 2})
    assert versioned.to_dict()["bundle"] == {"name": "release-repo", "version": "4f0c2ab", "dag_version": 2}
    assert RunResult.from_dict(json.loads(versioned.to_json())) == versioned
