"""``upgrade_xcom_nan`` for Airflow 3: "no value" is ``None`` (JSON ``null``), not ``NaN``, which JSON cannot hold.

Demonstrates: the fixed file parses and runs on 3.3.2 and ruff's ``AIR3`` rules find nothing left.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, task

# [START upgrade_xcom_nan]
with DAG(dag_id="upgrade_xcom_nan", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):

    @task
    def mean_latency():  # no `-> dict`: that would push each key as an XCom of its own too
        samples: list[float] = []  # no request today
        return {"requests": len(samples), "mean_ms": sum(samples) / len(samples) if samples else None}

    mean_latency()
# [END upgrade_xcom_nan]
