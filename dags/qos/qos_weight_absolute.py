"""The chain of ``qos_weight_downstream`` with ``weight_rule="absolute"``: now the heavier single task goes first.

Demonstrates: under the absolute rule a task's effective weight is its own ``priority_weight`` only, so
``quick_report`` (2) starts before ``extract`` (1) in the one-slot pool, the reverse of the downstream rule.
Asserted by: labs/qos/priorities.ipynb.
"""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

# [START qos_weight_absolute]
WEIGHT_RULE = "absolute"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"weight_rule": WEIGHT_RULE},
    tags=["qos"],
)
def qos_weight_absolute():
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


qos_weight_absolute()
# [END qos_weight_absolute]
