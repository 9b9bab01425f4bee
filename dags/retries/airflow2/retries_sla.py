"""Task SLAs and a DAG ``sla_miss_callback``: Airflow 2 only (removed in 3.0; see Deadline Alerts).

Demonstrates: how Airflow 2 records SLA misses. After each task's latest success, the DAG processor walks the
schedule forward and records a miss for every later interval whose start (logical date) plus ``sla`` has
passed. ``heavy_step`` needs 45 s on a 20 s schedule with a 25 s SLA, so it falls behind and misses;
``quick_step`` (SLA 5 min) does not. Misses land in the ``sla_miss`` table and the DAG processor calls the
callback.
Asserted by: labs/retries/sla_airflow2.ipynb.
"""

# Airflow 2 code on purpose: ruff's AIR3 rules (names removed or moved in Airflow 3) are exactly right about it.
# ruff: noqa: AIR311, AIR312
from __future__ import annotations

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from lab_alerts import sla_missed  # from the plugins folder: records the miss in the lab database

# [START retries_sla]
with DAG(
    dag_id="retries_sla",
    start_date=datetime(2025, 1, 1),
    schedule=timedelta(seconds=20),
    catchup=False,
    max_active_runs=1,
    sla_miss_callback=sla_missed,
    tags=["retries"],
):
    heavy_step = BashOperator(task_id="heavy_step", bash_command="sleep 45", sla=timedelta(seconds=25))
    quick_step = EmptyOperator(task_id="quick_step", sla=timedelta(minutes=5))
    heavy_step >> quick_step
# [END retries_sla]
