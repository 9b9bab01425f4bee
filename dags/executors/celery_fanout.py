"""A wide fan-out for scaling Celery workers: the same DAG on one worker and on three.

Demonstrates: with the CeleryExecutor, each worker adds ``--concurrency`` task slots, so adding
workers (at a fixed per-worker concurrency) raises how many tasks run at once and shortens the run.
Asserted by: labs/executors/celery_scale.ipynb.
"""

from __future__ import annotations

import time

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START celery_fanout]
SLEEP_SECONDS = 4
PARTITIONS = 12


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["executors"],
)
def celery_fanout():
    @task
    def process(partition: int) -> int:
        time.sleep(SLEEP_SECONDS)  # stands in for I/O-bound work on one partition
        return partition

    [process.override(task_id=f"process_{p:02d}")(p) for p in range(PARTITIONS)]


celery_fanout()
# [END celery_fanout]
