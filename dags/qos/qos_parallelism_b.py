"""The second of two DAGs whose own limits allow more than ``[core] parallelism`` (see qos_parallelism_a).

Demonstrates: ``max_active_tasks=16`` would let four ``work`` tasks run at once, but with ``[core] parallelism = 3``
the scheduler runs at most three task instances across the whole instance, counting both DAGs.
Asserted by: labs/qos/parallelism.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_parallelism_b]
SLEEP_SECONDS = 6


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_tasks=16,  # far above the instance's parallelism in the lab
    tags=["qos"],
)
def qos_parallelism_b():
    @task
    def work(item: int) -> int:
        time.sleep(SLEEP_SECONDS)
        return item

    work.expand(item=[1, 2, 3, 4])


qos_parallelism_b()
# [END qos_parallelism_b]
