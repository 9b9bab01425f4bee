"""An Airflow 2 task whose return value (an XCom) holds ``float("nan")``.

Demonstrates: Airflow 2 stores XComs as JSON bytes and Python's ``json`` writes ``NaN``, which is not JSON; 3.0's
migration ``0049_3_0_0_remove_pickled_data_from_xcom_table.py`` turns the column into JSON and rewrites every
``NaN``/``Infinity`` to ``null``: the history survives, with a different value.
Asserted by: labs/operate/upgrade.ipynb.
"""

from __future__ import annotations

from datetime import datetime

from airflow import DAG
from airflow.decorators import task

# [START upgrade_xcom_nan]
with DAG(dag_id="upgrade_xcom_nan", start_date=datetime(2025, 1, 1), schedule=None, catchup=False, tags=["upgrade"]):

    @task
    def mean_latency():  # no `-> dict`: that would push each key as an XCom of its own too
        samples: list[float] = []  # no request today
        return {"requests": len(samples), "mean_ms": sum(samples) / len(samples) if samples else float("nan")}

    mean_latency()
# [END upgrade_xcom_nan]
