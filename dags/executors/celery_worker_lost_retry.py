"""A long task whose Celery worker is killed mid-task, with one retry.

Demonstrates: when a worker host dies, nothing reports the end of its running task; the scheduler
fails the task instance once its heartbeat is older than ``[scheduler] task_instance_heartbeat_timeout``,
with one retry: the scheduler fails the lost attempt and the retry runs on a surviving worker.
Asserted by: labs/executors/celery_worker_lost.ipynb.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START celery_worker_lost_retry]
CRUNCH_SECONDS = 20


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["executors"],
)
def celery_worker_lost_retry():
    @task
    def extract() -> int:
        return 42

    @task(retries=1, retry_delay=timedelta(seconds=5))
    def crunch(rows: int) -> int:
        time.sleep(CRUNCH_SECONDS)  # long enough for the lab to kill this task's worker
        return rows

    @task
    def load(rows: int) -> int:
        return rows

    @task
    def audit(rows: int) -> int:  # does not depend on crunch
        return rows

    rows = extract()
    load(crunch(rows))
    audit(rows)


celery_worker_lost_retry()
# [END celery_worker_lost_retry]
