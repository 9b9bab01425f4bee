"""Work that outlives a scheduler: the failures labs kill or restart a component while these tasks run.

Demonstrates: with two schedulers, either one carries a run; a task whose process survives the fault finishes
once; a task whose process dies with its scheduler (LocalExecutor) is found by the survivor's orphan check and
run again; a Postgres restart under running tasks loses none of them.
Asserted by: labs/operate/failover_celery.ipynb, labs/operate/failover_local.ipynb,
labs/operate/postgres_restart.ipynb and tests/test_faults.py.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START operate_failover]
WORK_SECONDS = 20  # long enough that a fault a few seconds after the trigger lands while tasks run


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["operate"],
)
def operate_failover():
    @task(retries=1, retry_delay=timedelta(seconds=2))
    def work(part: int) -> int:
        time.sleep(WORK_SECONDS)
        return part

    @task
    def total(parts: list[int]) -> int:
        return sum(parts)

    total(work.expand(part=[1, 2, 3, 4]))


operate_failover()
# [END operate_failover]
