"""A queue no worker consumes: after ``[scheduler] task_queued_timeout`` the scheduler requeues, then fails.

Demonstrates: a task sent to a Celery queue that no running worker consumes (``queue="gpu"``) does not wait
forever. Once it has been ``queued`` longer than ``[scheduler] task_queued_timeout``, the scheduler revokes it
and sets it back to ``scheduled`` (an event ``stuck in queued reschedule`` in the audit log), at most
``num_stuck_in_queued_retries`` times (2); the next time it marks the task ``failed`` without using its
retries and has the DAG processor run its ``on_failure_callback``. The lab shortens the timeout to seconds.
Asserted by: labs/qos/queued_timeout.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task


def record_failure(context) -> None:
    """Leave a row in the lab database: proof that, and where, Airflow ran the failure callback."""
    from lab_alerts import record_alert  # the plugins folder; imported here so the DAG parses without it

    ti = context["ti"]
    record_alert("task_failed", ti.dag_id, ti.run_id, f"{ti.task_id} failed on try {ti.try_number}")


# [START qos_queued_timeout]
@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["qos"],
)
def qos_queued_timeout():
    # no worker is started with --queues gpu: the message waits in the broker
    @task(queue="gpu", retries=1, on_failure_callback=record_failure)
    def train_model() -> str:
        return "trained"

    train_model()


qos_queued_timeout()
# [END qos_queued_timeout]
