"""``upsert_batch`` tasks share the 5-slot pool ``pg_io``; unpooled tasks of the same run are not held back by it.

Demonstrates: a pool caps the running task instances that use it (at most five ``upsert_batch`` at once), while
tasks in ``default_pool`` run beside them. The lab creates ``pg_io`` through the REST API before it triggers.
Asserted by: labs/qos/pools.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_pool_pg_io]
SLEEP_SECONDS = 6


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["qos"],
)
def qos_pool_pg_io():
    @task(pool="pg_io", priority_weight=5)
    def upsert_batch(batch: int) -> int:
        time.sleep(SLEEP_SECONDS)  # stands in for an upsert into PostgreSQL
        return batch

    @task  # no pool given: default_pool
    def fetch_page(page: int) -> int:
        time.sleep(SLEEP_SECONDS)  # stands in for an HTTP call
        return page

    upsert_batch.expand(batch=list(range(8)))
    fetch_page.expand(page=[1, 2, 3])


qos_pool_pg_io()
# [END qos_pool_pg_io]
