"""A Deadline Alert (Airflow 3.1+): the run must succeed within 15 s of being queued, or a callback fires.

Demonstrates: ``deadline=DeadlineAlert(reference=DAGRUN_QUEUED_AT, interval=..., callback=AsyncCallback(...))``,
the Airflow 3 replacement of the 2.x SLA. The scheduler stores one deadline per run; when it passes before the run
has succeeded (still going here; failed in retries_deadline_failed), the triggerer runs the callback (here: a row
in the lab database). A run that succeeds in time leaves no alert. The lab triggers it once with
``work_seconds=30`` and once with ``1``.
Asserted by: labs/retries/deadline_alerts.ipynb.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum
from airflow.sdk import AsyncCallback, DeadlineAlert, DeadlineReference, dag, task


# [START retries_deadline]
@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    params={"work_seconds": 1},
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT,
        interval=timedelta(seconds=15),
        # a dotted path the triggerer imports: lab_alerts.py is in the plugins folder (--plugins dags/plugins)
        callback=AsyncCallback("lab_alerts.deadline_missed", kwargs={"alert": "daily report late"}),
    ),
    tags=["retries"],
)
def retries_deadline():
    @task
    def build_report(params=None) -> int:
        time.sleep(params["work_seconds"])
        return params["work_seconds"]

    build_report()


retries_deadline()
# [END retries_deadline]
