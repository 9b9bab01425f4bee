"""What labs show readers: DAG regions as code, task logs, runs as tables of seconds, readable booleans, REST reads."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from airflow_lab import show
from airflow_lab.client import V1Client
from airflow_lab.records import RunResult, TaskInstanceRecord, TaskTry
from airflow_lab.settings import PROJECT_DIR

T0 = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ti(
    task_id: str, *tries: tuple[float, float, str], map_index: int = -1, log: str | None = None
) -> TaskInstanceRecord:
    attempts = tuple(
        TaskTry(n, state, at(start), at(end), "host-a", log=f"{log} try {n}" if log else None)
        for n, (start, end, state) in enumerate(tries, start=1)
    )
    last = attempts[-1]
    return TaskInstanceRecord(
        task_id, map_index, last.state, last.try_number, last.start_date, last.end_date, "host-a", "default",
        "default_pool", attempts,
    )  # fmt: skip


def run(run_id: str, *tis: TaskInstanceRecord) -> RunResult:
    return RunResult("d", run_id, "success", "3.3.2", "LocalExecutor", tis)


def test_a_region_is_the_code_between_its_markers_shown_as_python(tmp_path):
    dag_file = tmp_path / "my_dag.py"
    dag_file.write_text("import x\n# [START my_dag]\n\nDAG = 1\n\n# [END my_dag]\nrest = 2\n")
    code = show.region(dag_file)
    assert str(code) == "DAG = 1"
    assert code._repr_markdown_() == "```python\nDAG = 1\n```"
    assert show.region_text(dag_file, "my_dag") == "DAG = 1"


def test_a_region_the_book_quotes_matches_the_file():
    path = PROJECT_DIR / "dags" / "qos" / "qos_pool_pg_io.py"
    text = show.region_text(path)
    assert text in path.read_text() and "def qos_pool_pg_io" in text and "# [START" not in text


def test_a_missing_region_names_the_file_and_the_markers_to_add(tmp_path):
    dag_file = tmp_path / "plain.py"
    dag_file.write_text("x = 1\n")
    with pytest.raises(ValueError, match=r"plain.py has no region 'plain'.*# \[START plain\]"):
        show.region(dag_file)


def test_code_prints_as_plain_text_in_a_terminal():
    from IPython.lib.pretty import pretty

    assert pretty(show.Code("a = 1")) == "a = 1"


def test_a_task_log_is_the_last_try_unless_a_try_is_named():
    result = run("r", ti("flaky", (0, 1, "failed"), (2, 3, "success"), log="flaky"))
    assert show.log(result, "flaky") == "flaky try 2"
    assert show.log(result, "flaky", try_number=1) == "flaky try 1"


def test_a_task_log_says_when_the_run_was_collected_without_logs():
    result = run("r", ti("quiet", (0, 1, "success")))
    with pytest.raises(ValueError, match="logs=True"):
        show.log(result, "quiet")
    with pytest.raises(KeyError, match="no task 'other'.*quiet"):
        show.log(result, "other")


def test_tasks_shows_seconds_since_the_first_start_in_start_order():
    first = run("r1", ti("b", (2.0, 5.25, "success")), ti("a", (0.0, 1.5, "failed"), (3.0, 4.0, "success")))
    second = run("r2", ti("c", (1.0, 2.0, "success"), map_index=3))
    table = show.tasks([first, second], "run", "pool")
    assert table.to_dict("records") == [
        {"task": "a", "try": 1, "state": "failed", "start_s": 0.0, "end_s": 1.5, "run": 1, "pool": "default_pool"},
        {"task": "c[3]", "try": 1, "state": "success", "start_s": 1.0, "end_s": 2.0, "run": 2, "pool": "default_pool"},
        {"task": "b", "try": 1, "state": "success", "start_s": 2.0, "end_s": 5.2, "run": 1, "pool": "default_pool"},
        {"task": "a", "try": 2, "state": "success", "start_s": 3.0, "end_s": 4.0, "run": 1, "pool": "default_pool"},
    ]


def test_tasks_refuses_a_column_it_does_not_know():
    with pytest.raises(ValueError, match="choose from"):
        show.tasks(run("r", ti("a", (0, 1, "success"))), "start_date")


def test_table_turns_times_into_seconds_and_postgres_booleans_into_words():
    rows = [
        {"run_id": "late", "deadline_time": "2026-01-01T12:00:15.5+00:00", "missed": "t"},
        {"run_id": "on time", "deadline_time": "2026-01-01 12:00:00.5+00", "missed": "f"},
    ]
    table = show.table(rows, times=["deadline_time"], booleans=["missed"])
    assert table.to_dict("records") == [
        {"run_id": "late", "deadline_time_s": 15.0, "missed": "yes"},
        {"run_id": "on time", "deadline_time_s": 0.0, "missed": "no"},
    ]
    origin = show.table(rows, times=["deadline_time"], origin="2026-01-01T12:00:00.5Z")
    assert origin["deadline_time_s"].tolist() == [15.0, 0.0]


def test_postgres_booleans_parse_strictly():
    assert show.sql_bool("t") is True and show.sql_bool("f") is False and show.sql_bool(True) is True
    assert show.yes_no("t") == "yes" and show.yes_no(False) == "no"
    with pytest.raises(ValueError, match="t or f"):
        show.sql_bool("yes")


class RecordingAPI:
    """Answers GETs from a dict, as the REST API would, and records the paths asked for."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers, self.asked = answers, []

    def get(self, path: str, **params: Any) -> Any:
        self.asked.append((path, params))
        return self.answers[path]


def test_rest_reads_ask_for_the_records_the_chapters_name():
    api: Any = RecordingAPI(
        {
            "/dags/d/dagRuns/r": {"state": "success"},
            "/dags/d/dagRuns": {"dag_runs": [{"dag_run_id": "r"}]},
            "/dags/d/dagRuns/r/taskInstances/t": {"rendered_fields": {"bash_command": "echo 1"}},
            "/dags/d/dagRuns/r/taskInstances/t/2": {"rendered_fields": {"bash_command": "echo 2"}},
            "/dags/d/dagRuns/r/taskInstances/t/xcomEntries/return_value": {"value": "v"},
            "/dags/d/dagVersions": {"dag_versions": [{"version_number": 1}]},
            "/dagSources/d": {"content": "code"},
        }
    )
    assert show.dag_run(api, "d", "r") == {"state": "success"}
    assert show.dag_runs(api, "d", order_by="start_date") == [{"dag_run_id": "r"}]
    assert show.rendered_fields(api, "d", "r", "t") == {"bash_command": "echo 1"}
    assert show.rendered_fields(api, "d", "r", "t", map_index=2) == {"bash_command": "echo 2"}
    assert show.xcom(api, "d", "r", "t") == {"value": "v"}
    assert show.dag_versions(api, "d") == [{"version_number": 1}]
    assert show.dag_source(api, "d", version_number=1) == "code"
    assert ("/dagSources/d", {"version_number": 1}) in api.asked
    assert ("/dags/d/dagRuns", {"limit": 100, "order_by": "start_date"}) in api.asked


def test_airflow_2_serves_the_current_source_by_file_token(monkeypatch):
    api = V1Client("http://127.0.0.1:1", "u", "p")
    answers = {"/dags/d": {"file_token": "tok"}, "/dagSources/tok": {"content": "code"}}
    monkeypatch.setattr(api, "get", lambda path, **params: answers[path])
    assert show.dag_source(api, "d") == "code"
    with pytest.raises(ValueError, match="no DAG versions"):
        show.dag_source(api, "d", version_number=1)


def test_a_dag_parsed_in_process_leaves_no_log_lines_in_the_output(capsys):
    dag = show.load_dag(PROJECT_DIR / "dags" / "qos" / "qos_weight_downstream.py")
    assert {t.task_id for t in dag.tasks} == {"quick_report", "extract", "transform", "load"}
    logging.getLogger("testcontainers.core.container").info("Pulling image airflow-lab/postgres:15")
    captured = capsys.readouterr()
    assert "DagBag" not in captured.out + captured.err and "Pulling image" not in captured.out + captured.err


def test_a_file_that_does_not_define_the_dag_says_so(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("x = 1\n")
    with pytest.raises(ValueError, match="does not define 'broken'"):
        show.load_dag(broken)


def test_log_events_keep_the_message_and_drop_the_console_layout():
    log = (
        "\x1b[2m2026-11-25T10:33:58.122851Z\x1b[0m [\x1b[33mwarning  \x1b[0m] Failing 2 TIs without heartbeat"
        " [airflow.jobs.scheduler_job_runner.SchedulerJobRunner] loc=scheduler_job_runner.py:2210\n"
        "2026-11-25T10:33:59.207136Z [info     ] Marking task as FAILED. dag_id=d, task_id=crunch"
        " [airflow.models] loc=ti.py:1\n"
        "2026-11-25T10:34:00.000000Z [info     ] Heartbeat [airflow.jobs]\n"
        "a line that is no event\n"
    )
    events = show.log_events(log, "heartbeat", "Marking task", origin="2026-11-25T10:33:50.122851Z")
    assert events.to_dict("records") == [
        {
            "time_s": 8.0,
            "level": "warning",
            "event": "Failing 2 TIs without heartbeat",
            "logger": "airflow.jobs.scheduler_job_runner.SchedulerJobRunner",
        },
        {
            "time_s": 9.1,
            "level": "info",
            "event": "Marking task as FAILED. dag_id=d, task_id=crunch",
            "logger": "airflow.models",
        },
    ]
    assert show.log_events(log, "nothing like it").empty
