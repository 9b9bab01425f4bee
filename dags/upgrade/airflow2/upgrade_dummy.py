"""An Airflow 2 DAG with ``DummyOperator`` (deprecated since 2.4, removed in 3.0).

Demonstrates: on 2.11.2 the import works; on 3.3.2 ``airflow.operators.dummy`` is gone, the file fails to import
and the DAG stops being parsed. ruff's ``AIR302`` names the replacement (``EmptyOperator`` in the standard provider).
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.operators.dummy import DummyOperator
from airflow.operators.python import PythonOperator

# [START upgrade_dummy]
with DAG(dag_id="upgrade_dummy", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):
    start = DummyOperator(task_id="start")
    count = PythonOperator(task_id="count", python_callable=lambda: {"rows": 3})  # the return value is an XCom
    start >> count
# [END upgrade_dummy]
