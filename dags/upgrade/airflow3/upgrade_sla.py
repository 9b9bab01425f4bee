"""``upgrade_sla`` after ruff's ``AIR3`` fixes: no ``sla=`` (Airflow 3 would accept it and never check it; a
Deadline Alert on the DAG is the replacement, see the retries chapter).

Demonstrates: the fixed file parses and runs on 3.3.2 and ruff's ``AIR3`` rules find nothing left.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG

# [START upgrade_sla]
with DAG(dag_id="upgrade_sla", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):
    PythonOperator(task_id="report", python_callable=lambda: "done")
# [END upgrade_sla]
