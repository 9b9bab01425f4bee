"""Reads a Postgres connection through ``PostgresHook`` and Variables through ``Variable.get`` and Jinja.

Demonstrates: DAG code names a connection id and variable keys, never a store. The same file reads them from
environment variables and the metastore, from Vault (OpenBao) or from AWS Secrets Manager (moto), whichever the
deployment configures; a rotated password is used by the next run. Runs on Airflow 3.3 and 2.11.
Asserted by: labs/secrets/vault.ipynb (also run by env_and_metastore.ipynb and aws.ipynb there).
"""

from __future__ import annotations

import json

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import Variable, dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task
    from airflow.models import Variable
    from airflow.operators.bash import BashOperator

# [START secrets_shop_report]
SHOP_CONN_ID = "shop_db"


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["secrets"],
)
def secrets_shop_report():
    @task
    def count_orders() -> dict[str, int]:
        # imported in the task, not at the top: the DAG processor parses this file often
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id=SHOP_CONN_ID)
        user = hook.get_first("SELECT current_user")[0]
        rows = hook.get_records("SELECT status, count(*) FROM orders GROUP BY status ORDER BY status")
        print(f"connected as {user}; orders by status: {json.dumps(dict(rows))}")
        return dict(rows)

    @task
    def read_variables() -> dict[str, object]:
        bucket = Variable.get("shop_bucket")  # a string
        limits = Variable.get("shop_limits", deserialize_json=True)  # JSON text -> dict
        print(f"bucket={bucket} rows={limits['rows']}")
        return {"bucket": bucket, "rows": limits["rows"]}

    # Jinja reads the same sources when the task runs; the rendered command is stored with the task instance
    render_templates = BashOperator(
        task_id="render_templates",
        bash_command=(
            "echo login={{ conn.shop_db.login }} host={{ conn.shop_db.host }} "
            "bucket={{ var.value.shop_bucket }} rows={{ var.json.shop_limits.rows }}"
        ),
    )

    count_orders() >> read_variables() >> render_templates


secrets_shop_report()
# [END secrets_shop_report]
