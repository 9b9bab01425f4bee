"""``upgrade_default_var`` after ruff's ``AIR3`` fixes: the Task SDK's ``Variable``, whose default is ``default=``.

Demonstrates: the fixed file parses and runs on 3.3.2 and ruff's ``AIR3`` rules find nothing left.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Variable, task

# [START upgrade_default_var]
with DAG(dag_id="upgrade_default_var", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):

    @task
    def batch_size() -> int:
        return int(Variable.get("upgrade_batch_size", default="100"))  # inside the task: read when it runs

    batch_size()
# [END upgrade_default_var]
