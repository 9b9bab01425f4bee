"""A retry policy (Airflow 3.3) decides per exception: retry soon, fail at once, or fall back to ``retries``.

Demonstrates: ``retry_policy=ExceptionRetryPolicy(...)`` on tasks that all have ``retries=3`` and a long
``retry_delay``: a ``ConnectionError`` is retried after 1 s (the policy overrides the delay), a
``PermissionError`` fails on its first try (no retries spent), anything else follows ``retries`` as usual.
Asserted by: labs/retries/retry_policy.ipynb.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import ExceptionRetryPolicy, RetryAction, RetryRule, dag, task

# [START retries_policy]
API_POLICY = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception=ConnectionError,
            action=RetryAction.RETRY,
            retry_delay=timedelta(seconds=1),
            reason="transient network error",
        ),
        RetryRule(exception=PermissionError, action=RetryAction.FAIL, reason="credentials rejected"),
    ],
)
RETRIES = {"retries": 3, "retry_delay": timedelta(minutes=5), "retry_policy": API_POLICY}


@dag(schedule=None, start_date=pendulum.datetime(2025, 1, 1, tz="UTC"), catchup=False, tags=["retries"])
def retries_policy():
    @task(**RETRIES)
    def fetch_rates(ti=None) -> str:
        if ti.try_number <= 2:
            raise ConnectionError("connection reset by peer")
        return "rates"

    @task(**RETRIES)
    def refresh_token() -> str:
        raise PermissionError("401: token revoked")

    @task(**(RETRIES | {"retries": 1, "retry_delay": timedelta(seconds=1)}))
    def parse_payload() -> None:
        raise ValueError("unexpected field 'amount'")

    fetch_rates()
    refresh_token()
    parse_payload()


retries_policy()
# [END retries_policy]
