"""Per-task limits across concurrent runs: one task never overlaps itself, the others do.

Demonstrates: ``max_active_tis_per_dag=1`` keeps ``refresh_cache`` to one running instance across all runs of the
DAG, while ``fetch`` (no limit) runs in every run at once; ``max_active_tis_per_dagrun=1`` runs the mapped
``transform`` instances of one run one after another, but does not hold back other runs.
Asserted by: labs/qos/per_task_limits.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_per_task_limit]
SLEEP_SECONDS = 4


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["qos"],
)
def qos_per_task_limit():
    @task(max_active_tis_per_dag=1)  # one instance at a time, whatever the number of runs
    def refresh_cache() -> None:
        time.sleep(SLEEP_SECONDS)  # rewrites a shared cache: two at once would clash

    @task  # no per-task limit
    def fetch() -> None:
        time.sleep(SLEEP_SECONDS)

    @task(max_active_tis_per_dagrun=1)  # one mapped instance at a time within a run
    def transform(part: int) -> int:
        time.sleep(SLEEP_SECONDS / 2)
        return part

    refresh_cache()
    fetch()
    transform.expand(part=[1, 2])


qos_per_task_limit()
# [END qos_per_task_limit]
