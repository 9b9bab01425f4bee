"""A task that sets no ``retries`` and fails its first tries: the retries chapter's exercise.

Demonstrates: a task without ``retries=`` gets ``[core] default_task_retries`` retries (0 unless configured), and
``retries=n`` allows n + 1 tries. ``failures`` (a param, set per run in the trigger's conf) is how many tries fail
before one succeeds.
Asserted by: labs/retries/exercises.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

# [START retries_exercise]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["retries"],
    params={"failures": 0},
)
def retries_exercise():
    @task(retry_delay=timedelta(seconds=1))  # no retries=: [core] default_task_retries decides how many
    def call_flaky_api(params=None, ti=None) -> str:
        if ti.try_number <= params["failures"]:
            raise ConnectionError(f"upstream API unavailable (try {ti.try_number})")
        return f"answered on try {ti.try_number}"

    call_flaky_api()


retries_exercise()
# [END retries_exercise]
