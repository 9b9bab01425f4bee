"""The source material's DAG-level QoS snippet (section 2.1), with the imports it implies (Airflow 2 style)."""

from datetime import datetime

from airflow import DAG

with DAG(
    dag_id="example_qos",
    start_date=datetime(2025, 9, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,  # одновременно активных запусков DAG
    max_active_tasks=8,  # лимит тасков от этого DAG
    default_args={"retries": 2},
):
    ...
