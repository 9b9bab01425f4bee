"""The team's orders DAG (duplicate-dag-id: orders_daily_copy.py reuses its dag_id)."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(schedule="@daily", start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["cicd"])
def orders_daily():
    @task(owner="data-eng", retries=2)
    def load():
        return 1

    load()


orders_daily()
