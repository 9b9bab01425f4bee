"""A DAG that passes every check: it imports, parses fast, and carries an owner, tags and retries."""

from __future__ import annotations

import pendulum
from airflow.sdk import Variable, dag, task


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["cicd"],
    default_args={"owner": "data-eng", "retries": 2},
)
def orders_good():
    @task
    def load():
        return Variable.get("orders_bucket", default="dev-bucket")  # read at run time, inside the task

    load()


orders_good()
