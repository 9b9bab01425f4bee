"""A DAG file that cannot be imported: the kit must raise the import error, not time out."""

from __future__ import annotations

import module_that_does_not_exist  # noqa: F401
import pendulum
from airflow.sdk import dag


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["tests"])
def broken_import():
    pass


broken_import()
