"""A task that fails four times, retried with exponential backoff capped by ``max_retry_delay``.

Demonstrates: how Airflow spaces retries. With ``retry_exponential_backoff=2.0`` the n-th retry waits between
``retry_delay * 2**(n-1)`` and about twice that (a deterministic jitter taken from a hash of the task
instance), never more than ``max_retry_delay``. The lab reads every try's start and end from Airflow and checks
each gap against the delay Airflow's own ``next_retry_datetime`` computed for it.
Asserted by: labs/retries/backoff.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

# [START retries_backoff]
FAILURES = 4  # tries 1-4 fail, try 5 succeeds


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["retries"])
def retries_backoff():
    @task(
        retries=4,
        retry_delay=timedelta(seconds=2),
        retry_exponential_backoff=2.0,  # Airflow 3: a multiplier (2.x: a boolean, always doubling)
        max_retry_delay=timedelta(seconds=10),
    )
    def flaky_extract(ti=None) -> str:
        if ti.try_number <= FAILURES:
            raise ConnectionError(f"upstream API unavailable (try {ti.try_number})")
        return "extracted"

    flaky_extract()


retries_backoff()
# [END retries_backoff]
