"""Four daily runs, one after another, for the database-upkeep exercise: where a cutoff falls between them.

Demonstrates: a history whose runs start at distinct, recorded moments. ``max_active_runs=1`` makes the scheduler
start each caught-up run only after the previous one finished, so a ``--clean-before-timestamp`` can fall between
two of them; the ``EmptyOperator`` task instances are set to ``success`` by the scheduler itself, without an executor.
Asserted by: labs/operate/exercises.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.x
    from airflow.models.dag import DAG
    from airflow.operators.empty import EmptyOperator

# [START operate_db_clean_exercise]
with DAG(
    dag_id="operate_db_clean_exercise",
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    end_date=pendulum.datetime(2025, 1, 4, tz="UTC"),
    catchup=True,  # four scheduled runs, 1 to 4 January
    max_active_runs=1,  # run 2 starts only after run 1 has finished, and so on
    tags=["operate"],
):
    EmptyOperator(task_id="extract") >> EmptyOperator(task_id="load")
# [END operate_db_clean_exercise]
