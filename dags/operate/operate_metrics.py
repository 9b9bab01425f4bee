"""Six loads through a 2-slot pool, and a task that fails once before it succeeds: metrics worth watching.

Demonstrates: what Airflow sends to StatsD while a run works. ``load`` task instances share the pool
``metrics_io`` (two slots; the lab creates it before it triggers), so the pool's running-slots gauge climbs to 2
and stays there while the others wait; ``flaky`` fails its first try and succeeds on the retry, so the failure
counter counts a try that the run as a whole recovered from.
Asserted by: labs/operate/metrics.ipynb.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2.x: the database-upkeep lab parses this folder on 2.11.2 too
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context

# [START operate_metrics]
SLEEP_SECONDS = 3


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["operate"],
)
def operate_metrics():
    @task(pool="metrics_io")
    def load(batch: int) -> int:
        time.sleep(SLEEP_SECONDS)  # stands in for a write that the pool protects
        return batch

    @task(retries=1, retry_delay=timedelta(seconds=1))
    def flaky() -> str:
        if get_current_context()["ti"].try_number == 1:
            raise RuntimeError("the first try fails, as a timed-out call would")
        return "recovered"

    load.expand(batch=list(range(6)))
    flaky()


operate_metrics()
# [END operate_metrics]
