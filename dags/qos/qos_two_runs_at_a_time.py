"""The same work as ``qos_one_run_at_a_time`` with ``max_active_runs=2``: two runs overlap, a third waits.

Demonstrates: ``max_active_runs=2`` lets two runs be active at once and keeps the third queued.
Asserted by: labs/qos/max_active_runs.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_two_runs_at_a_time]
SLEEP_SECONDS = 4


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=2,
    tags=["qos"],
)
def qos_two_runs_at_a_time():
    @task
    def load_partition() -> None:
        time.sleep(SLEEP_SECONDS)

    load_partition()


qos_two_runs_at_a_time()
# [END qos_two_runs_at_a_time]
