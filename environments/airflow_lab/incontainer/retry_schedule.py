"""Run inside an Airflow container: when did Airflow schedule each retry of one task instance?

``python retry_schedule.py DAG_ID RUN_ID TASK_ID`` prints one JSON object. The numbers come from Airflow's
own ``TaskInstance.next_retry_datetime``, called on the task as the scheduler deserialises it and on the
run's logical date as stored, so they are Airflow's answer, not a re-implementation of its formula.
Works on Airflow 2.11 and 3.x (both keep every earlier try in ``task_instance_history``).
"""

import json
import logging
import sys
import types

import airflow
from airflow.models.dagrun import DagRun
from airflow.models.serialized_dag import SerializedDagModel
from airflow.models.taskinstance import TaskInstance
from airflow.models.taskinstancehistory import TaskInstanceHistory
from airflow.utils.session import create_session

# Other task instances differ from this one only in the hash Airflow's jitter is taken from: computing
# their delays shows the band the formula allows for each try.
BAND_SAMPLES = 400


def seconds(delta):
    return None if delta is None else delta.total_seconds()


def main(dag_id, run_id, task_id):
    with create_session() as session:
        task = SerializedDagModel.get_dag(dag_id, session=session).get_task(task_id)
        run = session.query(DagRun).filter(DagRun.dag_id == dag_id, DagRun.run_id == run_id).one()
        # Airflow 2 hashes the execution date, Airflow 3 the logical date (None for a manual run)
        logical_date = getattr(run, "execution_date", None) if airflow.__version__ < "3" else run.logical_date
        ti_filter = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": -1}
        earlier = session.query(TaskInstanceHistory).filter_by(**ti_filter).order_by(TaskInstanceHistory.try_number)
        tries = []
        for h in earlier.all():
            stand_in = types.SimpleNamespace(
                task=task,
                dag_id=dag_id,
                task_id=task_id,
                logical_date=logical_date,
                execution_date=logical_date,
                try_number=h.try_number,
                end_date=h.end_date,
                retry_delay_override=getattr(h, "retry_delay_override", None),
                log=logging.getLogger("retry_schedule"),
            )
            at = TaskInstance.next_retry_datetime(stand_in)
            band = [
                seconds(
                    TaskInstance.next_retry_datetime(
                        types.SimpleNamespace(**{**vars(stand_in), "task_id": f"{task_id}{i}"})
                    )
                    - h.end_date
                )
                for i in range(BAND_SAMPLES)
            ]
            tries.append(
                {
                    "try_number": h.try_number,
                    "state": str(h.state),
                    "end_date": h.end_date.isoformat(),
                    "next_retry_at": at.isoformat(),
                    "delay_s": seconds(at - h.end_date),
                    "band_s": [min(band), max(band)],
                    "retry_delay_override_s": stand_in.retry_delay_override,
                    "retry_reason": getattr(h, "retry_reason", None),
                }
            )
    return {
        "airflow_version": airflow.__version__,
        "logical_date": None if logical_date is None else str(logical_date),
        "retries": task.retries,
        "retry_delay_s": seconds(task.retry_delay),
        "retry_exponential_backoff": task.retry_exponential_backoff,
        "max_retry_delay_s": seconds(task.max_retry_delay),
        "tries": tries,
    }


if __name__ == "__main__":
    print("RETRY_SCHEDULE " + json.dumps(main(*sys.argv[1:4])))
