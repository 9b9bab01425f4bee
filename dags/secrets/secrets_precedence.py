"""Prints which host the connection ``precedence_demo`` has, wherever Airflow found it.

Demonstrates: Airflow's search order for a connection id that is defined in several places: the configured
secrets backend first, then ``AIRFLOW_CONN_*`` environment variables, then the metastore. The lab defines
``precedence_demo`` with a different host in each source and removes them one at a time, on Airflow 3.3 and 2.11.
Asserted by: labs/secrets/precedence.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.sdk import BaseHook, dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task
    from airflow.hooks.base import BaseHook

# [START secrets_precedence]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["secrets"],
)
def secrets_precedence():
    @task
    def which_source() -> str | None:
        conn = BaseHook.get_connection("precedence_demo")  # raises if no source defines it
        print(f"precedence_demo host seen by the task: {conn.host}")
        return conn.host

    which_source()


secrets_precedence()
# [END secrets_precedence]
