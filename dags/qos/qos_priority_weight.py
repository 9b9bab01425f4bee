"""Four tasks of different ``priority_weight`` waiting for the one slot of the pool ``one_slot``.

Demonstrates: when task instances compete for the same free slot, the scheduler takes the highest priority weight
first, so they start in descending weight order, not in the order they are defined or named.
Asserted by: labs/qos/priorities.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_priority_weight]
SLEEP_SECONDS = 1
WEIGHTS = {"nightly_report": 1, "backfill_archive": 2, "refresh_dashboard": 5, "page_oncall": 10}


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["qos"],
)
def qos_priority_weight():
    @task(pool="one_slot")  # a pool with a single slot: the tasks must take turns
    def work(name: str) -> str:
        time.sleep(SLEEP_SECONDS)
        return name

    for name, weight in WEIGHTS.items():
        work.override(task_id=name, priority_weight=weight)(name)


qos_priority_weight()
# [END qos_priority_weight]
