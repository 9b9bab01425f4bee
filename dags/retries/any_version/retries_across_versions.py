"""The source material's retry ``default_args`` (delays scaled from minutes to seconds), on Airflow 3.3 and 2.11.

Demonstrates: ``retry_jitter`` is not an Airflow argument: in ``default_args`` both versions drop it silently
(only keys that are operator parameters are applied), so it neither adds nor removes jitter; and
``retry_exponential_backoff=True`` doubles the delay on both versions (Airflow 3 reads it as the multiplier 2.0).
This file imports on both majors; the lab runs it on each.
Asserted by: labs/retries/across_versions.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START retries_across_versions]
default_args = {
    "retries": 3,
    "retry_delay": timedelta(seconds=2),  # source: minutes=5
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(seconds=20),  # source: minutes=60
    "retry_jitter": True,  # as in the source; not an Airflow argument
}
FAILURES = 3  # fails three times, then succeeds


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    default_args=default_args,
    tags=["retries"],
)
def retries_across_versions():
    @task
    def doubling(ti=None) -> None:
        if ti.try_number <= FAILURES:
            raise ConnectionError(f"try {ti.try_number} failed")

    doubling()


retries_across_versions()
# [END retries_across_versions]
