"""A DAG that runs long enough to be interrupted."""

from __future__ import annotations

import time

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["tests"])
def sleeps():
    @task
    def nap() -> None:
        time.sleep(300)

    nap()


sleeps()
