"""The source material's SLA snippets (section 2.3) as written, in one DAG file (Airflow 2 style)."""

from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.utils.email import send_email


def on_sla_miss(dag, task_list, blocking_task_list, slas, blocking_tis):
    send_email(to=["ops@example.org"], subject="SLA missed", html_content=str(slas))


with DAG(
    dag_id="with_sla",
    start_date=datetime(2025, 9, 1),
    schedule="@hourly",
    catchup=False,
    sla_miss_callback=on_sla_miss,
):
    task = EmptyOperator(
        task_id="heavy_step",
        sla=timedelta(minutes=30),  # если не уложился — SLA miss
    )
