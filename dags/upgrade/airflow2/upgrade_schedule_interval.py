"""An Airflow 2 DAG with ``schedule_interval=`` (deprecated since 2.4, removed in 3.0).

Demonstrates: on 2.11.2 the DAG parses; on 3.3.2 ``DAG()`` has no ``schedule_interval`` parameter (a
``TypeError`` at import). ruff's ``AIR301`` renames it to ``schedule``.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator

# [START upgrade_schedule_interval]
with DAG(
    dag_id="upgrade_schedule_interval",
    start_date=datetime(2025, 1, 1),
    schedule_interval=None,
    catchup=False,
    tags=["upgrade"],
):
    PythonOperator(task_id="extract", python_callable=lambda: ["orders", "users"])
# [END upgrade_schedule_interval]
