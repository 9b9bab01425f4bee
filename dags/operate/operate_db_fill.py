"""History for the database-upkeep lab: ten daily runs of 300 EmptyOperator tasks, caught up at once.

Demonstrates: a cheap, honest way to fill the metadata database. The scheduler creates one run per day from
``start_date`` to ``end_date`` (``catchup=True``) and sets each trivial ``EmptyOperator`` task instance straight
to ``success`` without sending it to an executor (``DagRun.schedule_tis`` on 2.11 and 3.3), so a few thousand
real ``dag_run`` and ``task_instance`` rows appear in seconds.
Asserted by: labs/operate/db_clean.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x
    from airflow.models.dag import DAG
    from airflow.operators.empty import EmptyOperator

# [START operate_db_fill]
TASKS = 300

with DAG(
    dag_id="operate_db_fill",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    end_date=pendulum.datetime(2025, 1, 10, tz="UTC"),
    catchup=True,  # one run per day of the range, all created as soon as the DAG is unpaused
    tags=["operate"],
):
    # independent tasks: each run's 300 become schedulable in the same scheduler loop
    for number in range(TASKS):
        EmptyOperator(task_id=f"noop_{number:03d}")
# [END operate_db_fill]
