"""Independent tasks that the LocalExecutor runs side by side in worker processes on one host.

Demonstrates: with the LocalExecutor, the scheduler hands each ready task instance to a worker
process on its own machine, so independent tasks overlap in time and share one hostname; with
``[core] parallelism = 1`` the same tasks run one after another.
Asserted by: labs/executors/local.ipynb.
"""

from __future__ import annotations

import time

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START local_fanout]
SLEEP_SECONDS = 4


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["executors"],
)
def local_fanout():
    @task
    def extract(source: str) -> str:
        time.sleep(SLEEP_SECONDS)  # stands in for I/O: a query, a download
        return source

    @task
    def combine(sources: list[str]) -> int:
        return len(sources)

    combine([extract.override(task_id=f"extract_{name}")(name) for name in ("orders", "users", "events", "prices")])


local_fanout()
# [END local_fanout]
