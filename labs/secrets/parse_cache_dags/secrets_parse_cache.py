"""A DAG file that reads a Variable at its top level, so every parse of the file asks the secrets backend.

Demonstrates: the cost of top-level ``Variable.get`` in DAG files, and what ``[secrets] use_cache`` changes: the
DAG processor re-parses this file every ``[dag_processor] min_file_process_interval`` seconds, and each parse
reads ``parse_cache_probe`` from the backend unless the cache (the DAG processor's only) still holds it.
Asserted by: labs/secrets/use_cache.ipynb (requests counted by OpenBao). Runs on Airflow 3.3 and 2.11.
It lives beside its lab, not in dags/: the repository's DAG integrity test forbids Variable.get outside tasks,
and this file breaks that rule on purpose.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.sdk import Variable, dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task
    from airflow.models import Variable

# [START secrets_parse_cache]
# Anti-pattern, on purpose: this line runs at every parse of the file, not when a task runs.
# (default=None: Airflow 3's keyword; Airflow 2 calls it default_var, so pass it positionally.)
PROBE = Variable.get("parse_cache_probe", None)


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["secrets"])
def secrets_parse_cache():
    @task
    def show() -> str:
        print(f"parse_cache_probe at parse time: {PROBE}")
        return str(PROBE)

    show()


secrets_parse_cache()
# [END secrets_parse_cache]
