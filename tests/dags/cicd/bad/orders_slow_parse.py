"""Slow top-level code: the file takes seconds to parse, on every parse by the DAG processor (slow-parse)."""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task

time.sleep(3)  # stands for a slow call at import time: an API, a database query, a big file


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), tags=["cicd"], default_args={"retries": 2})
def orders_slow_parse():
    @task(owner="data-eng")
    def load():
        return 1

    load()


orders_slow_parse()
