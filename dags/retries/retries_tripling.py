"""``retry_exponential_backoff=3``: a multiplier on Airflow 3 (each wait about three times the last).

Demonstrates: since Airflow 3.0 the backoff is a number, the factor per try; ``True`` means 2.0. Airflow 2
rejects a number here (``TypeError: ... expected type is <class 'bool'>``), so this DAG is Airflow 3 only.
Asserted by: labs/retries/across_versions.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

# [START retries_tripling]
FAILURES = 3


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["retries"])
def retries_tripling():
    @task(
        retries=3,
        retry_delay=timedelta(seconds=2),
        retry_exponential_backoff=3,  # Airflow 3 only
        max_retry_delay=timedelta(seconds=20),
    )
    def tripling(ti=None) -> None:
        if ti.try_number <= FAILURES:
            raise ConnectionError(f"try {ti.try_number} failed")

    tripling()


retries_tripling()
# [END retries_tripling]
