"""A DAG whose only task fails: the kit must report the failed run and still remove everything."""

from __future__ import annotations

import pendulum
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["tests"])
def always_fails():
    @task
    def boom() -> None:
        raise RuntimeError("failing on purpose")

    boom()


always_fails()
