"""Imports and parses, but breaks the team's policy: no owner, no tags, no retries, and a Variable read
at parse time (policy checks: owner, tags, retries, AIR003)."""

from __future__ import annotations

import pendulum
from airflow.sdk import Variable, dag, task

BUCKET = Variable.get("orders_bucket", default="dev-bucket")  # a metadata lookup on every parse


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"))
def orders_policy():
    @task
    def load():
        return BUCKET

    load()


orders_policy()
