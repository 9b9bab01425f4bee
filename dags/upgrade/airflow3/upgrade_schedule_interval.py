"""``upgrade_schedule_interval`` after ruff's ``AIR3`` fixes: ``schedule=`` instead of ``schedule_interval=``.

Demonstrates: the fixed file parses and runs on 3.3.2 and ruff's ``AIR3`` rules find nothing left.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

# [START upgrade_schedule_interval]
with DAG(
    dag_id="upgrade_schedule_interval",
    start_date=datetime(2025, 1, 1),
    schedule=None,
    catchup=False,
    tags=["upgrade"],
):
    PythonOperator(task_id="extract", python_callable=lambda: ["orders", "users"])
# [END upgrade_schedule_interval]
