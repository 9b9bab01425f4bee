"""A DAG with ``max_active_runs=1``: runs triggered together are worked off one after another.

Demonstrates: with ``max_active_runs=1`` the scheduler keeps extra runs queued until the active one finishes, so
the task windows of different runs never overlap.
Asserted by: labs/qos/max_active_runs.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_one_run_at_a_time]
SLEEP_SECONDS = 4


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # one active run; further runs wait in the queued state
    tags=["qos"],
)
def qos_one_run_at_a_time():
    @task
    def load_partition() -> None:
        time.sleep(SLEEP_SECONDS)  # rewrites today's partition: two runs at once would clash

    load_partition()


qos_one_run_at_a_time()
# [END qos_one_run_at_a_time]
