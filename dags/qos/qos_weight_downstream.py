"""``weight_rule="downstream"`` (the default): a root task with a chain behind it outranks a heavier single task.

Demonstrates: under the downstream rule a task's effective weight is its own ``priority_weight`` plus those of all
tasks downstream of it, so ``extract`` (1 + 1 + 1 = 3) starts before ``quick_report`` (2) in the one-slot pool.
Asserted by: labs/qos/priorities.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_weight_downstream]
WEIGHT_RULE = "downstream"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"weight_rule": WEIGHT_RULE},
    tags=["qos"],
)
def qos_weight_downstream():
    @task(pool="one_slot", priority_weight=2)
    def quick_report() -> None:
        time.sleep(1)

    @task(pool="one_slot", priority_weight=1)
    def extract() -> None:
        time.sleep(1)

    @task(priority_weight=1)
    def transform() -> None:
        time.sleep(1)

    @task(priority_weight=1)
    def load() -> None:
        time.sleep(1)

    quick_report()
    extract() >> transform() >> load()


qos_weight_downstream()
# [END qos_weight_downstream]
