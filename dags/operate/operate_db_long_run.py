"""A run that is still running while ``airflow db clean`` runs in the database-upkeep lab.

Demonstrates: ``db clean`` selects rows by age (``start_date`` of the run and of each task instance), not by
state; a run that started after ``--clean-before-timestamp`` keeps its ``dag_run`` and ``task_instance`` rows
while it runs.
Asserted by: labs/operate/db_clean.ipynb.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START operate_db_long_run]
WORK_SECONDS = 900  # longer than the lab: the run is still running when the lab stops its environment


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["operate"],
)
def operate_db_long_run():
    # a first try can fail before it starts (the task runner cannot reach the API server): try again
    @task(retries=2, retry_delay=timedelta(seconds=5))
    def long_load() -> None:
        time.sleep(WORK_SECONDS)  # stands in for a long export that is mid-way when the clean-up runs

    long_load()


operate_db_long_run()
# [END operate_db_long_run]
