"""A typo in an import: the file cannot be imported, so Airflow has no DAG from it (import-error)."""

from __future__ import annotations

import pendulum
from airflow.providers.postgres.hooks.postgres import PostgressHook  # the class is PostgresHook
from airflow.sdk import dag, task


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), tags=["cicd"], default_args={"retries": 2})
def orders_import_error():
    @task(owner="data-eng")
    def load():
        PostgressHook(postgres_conn_id="pg_default").run("SELECT 1")

    load()


orders_import_error()
