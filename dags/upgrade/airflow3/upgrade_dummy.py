"""``upgrade_dummy`` after ruff's ``AIR3`` fixes: ``EmptyOperator`` and ``PythonOperator`` from the standard
provider, ``DAG`` from ``airflow.sdk``.

Demonstrates: the fixed file parses and runs on 3.3.2 and ruff's ``AIR3`` rules find nothing left.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

# [START upgrade_dummy]
with DAG(dag_id="upgrade_dummy", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):
    start = EmptyOperator(task_id="start")
    count = PythonOperator(task_id="count", python_callable=lambda: {"rows": 3})  # the return value is an XCom
    start >> count
# [END upgrade_dummy]
