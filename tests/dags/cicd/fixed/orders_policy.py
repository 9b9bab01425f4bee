"""bad/orders_policy.py, fixed to pass the team's policy: the CI/CD exercise's solution (labs/cicd/exercises.ipynb).

Owner, tags and retries are set for every task through ``default_args`` and ``tags``; the Variable is read when
the task runs instead of on every parse. The dag_id and what ``load`` returns are unchanged.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Variable, dag, task

# [START orders_policy_fixed]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    tags=["orders"],
    default_args={"owner": "orders-team", "retries": 2, "retry_delay": timedelta(minutes=1)},
)
def orders_policy():
    @task
    def load():
        return Variable.get("orders_bucket", default="dev-bucket")  # read when the task runs, not on each parse

    load()


orders_policy()
# [END orders_policy_fixed]
