"""A DAG that finishes at once: for tests of what happens around runs (tests/test_reuse.py)."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["tests"])
def quick():
    @task
    def hello() -> str:
        return "hello"

    hello()


quick()
