"""An Airflow 2 task with ``sla=`` (the SLA feature was removed in 3.0; Deadline Alerts replace it).

Demonstrates: on 3.3.2 the argument is still accepted, with a warning, and never checked: the DAG parses and
runs, and no SLA miss is recorded any more. ruff's ``AIR311`` flags the argument.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.python import PythonOperator

# [START upgrade_sla]
with DAG(dag_id="upgrade_sla", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):
    PythonOperator(task_id="report", python_callable=lambda: "done", sla=timedelta(minutes=30))
# [END upgrade_sla]
