"""A 20-task fan-out that ``max_active_tasks=8`` holds to eight running task instances at a time.

Demonstrates: the DAG-level limit ``max_active_tasks`` binds below ``[core] parallelism`` and
``[core] max_active_tasks_per_dag``: at most eight of the twenty mapped ``process`` task instances run at once.
Asserted by: labs/qos/max_active_tasks.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_max_active_tasks]
SLEEP_SECONDS = 8


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=8,  # at most 8 task instances of one run of this DAG run at once
    tags=["qos"],
)
def qos_max_active_tasks():
    @task
    def process(partition: int) -> int:
        time.sleep(SLEEP_SECONDS)  # stands in for I/O on one partition
        return partition

    process.expand(partition=list(range(20)))


qos_max_active_tasks()
# [END qos_max_active_tasks]
