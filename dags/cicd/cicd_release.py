"""A release marker: a task that reports which release of the DAG code ran it.

Demonstrates: deploying DAG code and knowing what ran. The CI/CD labs deploy copies of this file with
``RELEASE`` changed (baked into an image, from a git commit, as a broken release) and read back, from
the task log Airflow serves, which release each run executed. ``pause_s`` keeps a run in flight while
the next release is deployed.
Asserted by: labs/cicd/bad_deploy.ipynb (and the other labs in labs/cicd/).
"""

from __future__ import annotations

import time

import pendulum

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x (the git-deploy lab also deploys it there)
    from airflow.decorators import dag, task

# [START cicd_release]
RELEASE = "v1"  # what a deploy changes


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["cicd"],
    description=f"release {RELEASE}",  # part of the stored DAG: each release is a new DAG version
    default_args={"owner": "platform", "retries": 0},
    params={"pause_s": 0},
)
def cicd_release():
    @task
    def prepare(**context) -> None:
        time.sleep(context["params"]["pause_s"])  # keeps a run in flight while the next release lands

    @task
    def report_release() -> str:
        print(f"running release {RELEASE}")
        return RELEASE

    prepare() >> report_release()


cicd_release()
# [END cicd_release]
