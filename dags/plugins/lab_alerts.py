"""Alert callbacks for the retries/SLA labs: each writes one row to the lab database instead of paging someone.

In production these would send an e-mail or a Slack message (Airflow's notifiers do that); in the labs they
leave a record the notebook reads back, which proves the callback really ran, in which process and when.

This file lives in Airflow's *plugins* folder (``--plugins dags/plugins``), not in the DAG folder: the
triggerer imports a deadline callback by its dotted path, and the plugins folder is on ``sys.path`` in every
Airflow component, while the DAG folder is not (Airflow 3). Used by dags/retries/*; read back by
labs/retries/sla_airflow2.ipynb and labs/retries/deadline_alerts.ipynb.
"""

from __future__ import annotations

import asyncio
import socket

LAB_CONN_ID = "lab_postgres"  # the kit gives every environment this connection (AIRFLOW_CONN_LAB_POSTGRES)


# [START record_alert]
def record_alert(kind: str, dag_id: str, run_id: str | None, detail: str) -> None:
    """Write one alert row; stands in for send_email / a Slack webhook."""
    from airflow.providers.postgres.hooks.postgres import PostgresHook

    hook = PostgresHook(postgres_conn_id=LAB_CONN_ID)
    hook.run(
        "CREATE TABLE IF NOT EXISTS alerts (id serial PRIMARY KEY, kind text, dag_id text, run_id text,"
        " detail text, host text, recorded_at timestamptz DEFAULT now())"
    )
    hook.run(
        "INSERT INTO alerts (kind, dag_id, run_id, detail, host) VALUES (%s, %s, %s, %s, %s)",
        parameters=(kind, dag_id, run_id, detail, socket.gethostname()),
    )


# [END record_alert]


# [START deadline_missed]
async def deadline_missed(alert: str, **kwargs) -> None:
    """An ``AsyncCallback`` for a Deadline Alert (Airflow 3.1+): runs in the triggerer when a deadline passes.

    Airflow passes ``context`` with the DAG run (as the REST API shows it) and the deadline.
    """
    context = kwargs["context"]
    run = context["dag_run"]
    detail = f"{alert}: deadline {context['deadline']['deadline_time']}"
    await asyncio.to_thread(record_alert, "deadline_missed", run["dag_id"], run["dag_run_id"], detail)


# [END deadline_missed]


# [START sla_missed]
def sla_missed(dag, task_list, blocking_task_list, slas, blocking_tis) -> None:
    """A DAG's ``sla_miss_callback`` (Airflow 2 only): the DAG processor calls it with the new SLA misses."""
    for sla in slas:
        record_alert("sla_missed", dag.dag_id, None, f"{sla.task_id} on {sla.execution_date.isoformat()}")


# [END sla_missed]
