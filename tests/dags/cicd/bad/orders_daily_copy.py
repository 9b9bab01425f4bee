"""A copy-pasted file that forgot to rename the DAG: two files define dag_id orders_daily (duplicate-dag-id)."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(dag_id="orders_daily", schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), tags=["cicd"])
def orders_backfill():
    @task(owner="data-eng", retries=2)
    def load():
        return 2

    load()


orders_backfill()
