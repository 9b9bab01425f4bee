"""An Airflow 2 task reading a Variable with ``Variable.get(..., default_var=...)`` from ``airflow.models``.

Demonstrates: on 3.3.2 ``airflow.models.Variable`` is a compatibility shim that still takes ``default_var`` and,
inside a task, hands the call to the Task SDK's ``Variable.get(key, default=...)``: the run succeeds, with a
deprecation warning. ruff flags the import (moved to ``airflow.sdk``).
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.models import Variable

# [START upgrade_default_var]
with DAG(dag_id="upgrade_default_var", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):

    @task
    def batch_size() -> int:
        return int(Variable.get("upgrade_batch_size", default_var="100"))  # inside the task: read when it runs

    batch_size()
# [END upgrade_default_var]
