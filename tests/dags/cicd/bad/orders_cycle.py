"""A dependency loop: load waits for check, which waits for load (dag-cycle)."""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG(
    "orders_cycle",
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    tags=["cicd"],
    default_args={"owner": "data-eng", "retries": 2},
):
    load = EmptyOperator(task_id="load")
    check = EmptyOperator(task_id="check")
    load >> check >> load
