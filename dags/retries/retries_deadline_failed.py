"""A Deadline Alert on a run that fails early: the alert still fires when the deadline passes.

Demonstrates: Airflow 3.3 deletes a run's deadline only when the run *succeeds* before it
(``DagRun.update_state`` calls ``Deadline.prune_deadlines`` on success only). A run that fails after a
second keeps its deadline, and 60 s after it was queued the scheduler marks the deadline missed and the
triggerer runs the callback, as for a run that is still going.
Asserted by: labs/retries/deadline_failed_run.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference, dag, task


# [START retries_deadline_failed]
@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(seconds=60),
        callback=AsyncCallback("lab_alerts.deadline_missed", kwargs={"alert": "daily report late"}),
    ),
    tags=["retries"],
)
def retries_deadline_failed():
    @task
    def build_report() -> None:
        raise RuntimeError("the source table is missing")  # fails at once, long before the deadline

    build_report()


retries_deadline_failed()
# [END retries_deadline_failed]
