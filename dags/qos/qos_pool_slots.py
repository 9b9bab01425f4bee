"""Heavier upserts that each take two of the five ``pg_io`` slots, so at most two run at once.

Demonstrates: ``pool_slots=2`` makes each task instance occupy two slots of its pool; a 5-slot pool then fits
two such tasks (the fifth slot is left for a task that needs only one).
Asserted by: labs/qos/pools.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_pool_slots]
SLEEP_SECONDS = 6


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["qos"],
)
def qos_pool_slots():
    @task(pool="pg_io", pool_slots=2)
    def upsert_batch(batch: int) -> int:
        time.sleep(SLEEP_SECONDS)  # a bigger batch: it holds two connections
        return batch

    upsert_batch.expand(batch=list(range(4)))


qos_pool_slots()
# [END qos_pool_slots]
