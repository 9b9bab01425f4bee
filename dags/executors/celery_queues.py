"""Routing tasks to Celery queues: ``queue="high_io"`` tasks go only to workers that consume ``high_io``.

Demonstrates: with the CeleryExecutor, an operator's ``queue`` names the Celery queue its task
instances are sent to, and a worker only takes tasks from the queues it was started with
(``airflow celery worker --queues high_io,default``); tasks without a queue go to
``[operators] default_queue`` (``default``), which every worker here consumes.
Asserted by: labs/executors/celery_queues.ipynb.
"""

from __future__ import annotations

import time

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START celery_queues]
SLEEP_SECONDS = 3


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["executors"],
)
def celery_queues():
    @task(queue="high_io")  # only workers started with --queues ...high_io... take these
    def download(name: str) -> str:
        time.sleep(SLEEP_SECONDS)  # stands in for heavy network or disk I/O
        return name

    @task  # no queue: [operators] default_queue, "default"
    def transform(name: str) -> str:
        time.sleep(SLEEP_SECONDS)
        return name

    @task
    def report(names: list[str]) -> int:
        return len(names)

    downloads = [download.override(task_id=f"download_{n}")(n) for n in ("a", "b", "c")]
    transforms = [transform.override(task_id=f"transform_{n}")(n) for n in ("a", "b", "c", "d", "e", "f")]
    report(downloads + transforms)


celery_queues()
# [END celery_queues]
