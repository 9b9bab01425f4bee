"""A load that fails *after* writing, then is retried: a plain INSERT duplicates rows, an upsert does not.

Demonstrates: a retry re-runs the whole task. Both tasks write the same five orders to the lab database and
then fail on their first try (as if the connection dropped after the commit); the retry writes them again.
``orders_plain`` ends with ten rows, ``orders_upserted`` (unique key + ``ON CONFLICT``) with five.
Asserted by: labs/retries/idempotency.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

# [START retries_idempotency]
ORDERS = [(1001, 25.0), (1002, 40.5), (1003, 12.0), (1004, 99.9), (1005, 7.5)]
RETRY_ONCE = {"retries": 1, "retry_delay": timedelta(seconds=1)}


def _hook():
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    return PostgresHook(postgres_conn_id="lab_postgres")  # the lab's own database, given by the kit


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["retries"])
def retries_idempotency():
    @task(**RETRY_ONCE)
    def load_plain(ti=None) -> None:
        hook = _hook()
        hook.run("CREATE TABLE IF NOT EXISTS orders_plain (order_id int, amount numeric)")
        hook.insert_rows("orders_plain", ORDERS, target_fields=["order_id", "amount"])
        if ti.try_number == 1:
            raise ConnectionError("connection lost after commit")

    @task(**RETRY_ONCE)
    def load_upserted(ti=None) -> None:
        hook = _hook()
        hook.run("CREATE TABLE IF NOT EXISTS orders_upserted (order_id int PRIMARY KEY, amount numeric)")
        hook.insert_rows(
            "orders_upserted", ORDERS, target_fields=["order_id", "amount"], replace=True, replace_index="order_id"
        )
        if ti.try_number == 1:
            raise ConnectionError("connection lost after commit")

    load_plain()
    load_upserted()


retries_idempotency()
# [END retries_idempotency]
