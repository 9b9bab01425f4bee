"""The DAG bundle configurations the CI/CD chapter shows are the ones the deploy labs run.

``environments/cicd/git_bundle.env`` and ``s3_bundle.env`` are what a reader copies; each is compared, value for
value, with the environment variables the kit gives every Airflow container for the same deploy as its lab
(``deploy.git_bundle`` in labs/cicd/git_deploy.ipynb, ``deploy.s3_bundle`` in labs/cicd/bucket_deploy.ipynb).
"""

from __future__ import annotations

import json

from .conftest import PROJECT
from .test_secrets_backends import env_file

CICD = PROJECT / "environments" / "cicd"
LIST, STORAGE = "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_STORAGE_PATH"


def bundle_settings(variables: dict[str, str]) -> tuple[list, str]:
    return json.loads(variables[LIST]), variables[STORAGE]


def test_the_books_git_bundle_configuration_is_the_one_the_git_deploy_lab_runs(tmp_path):
    from airflow_lab import deploy
    from airflow_lab.environment import Secrets, local

    repo = tmp_path / "release"  # the repository's folder name becomes its mount point, as in the book's file
    (repo / ".git").mkdir(parents=True)
    deployed = deploy.git_bundle(local(), repo, "main", subdir="dags", refresh_interval=5)
    kit = deployed.airflow_config(Secrets())
    assert bundle_settings(env_file(CICD / "git_bundle.env")) == bundle_settings(kit)


def test_the_books_s3_bundle_configuration_is_the_one_the_bucket_deploy_lab_runs(tmp_path):
    from airflow_lab import deploy
    from airflow_lab.environment import Secrets, local

    deployed = deploy.s3_bundle(local(), tmp_path, "dags", "release")
    kit = deployed.airflow_config(Secrets())
    assert bundle_settings(env_file(CICD / "s3_bundle.env")) == bundle_settings(kit)


def test_a_changed_bundle_setting_is_reported(tmp_path):
    from airflow_lab import deploy
    from airflow_lab.environment import Secrets, local

    kit = deploy.s3_bundle(local(), tmp_path, "dags", "other-prefix").airflow_config(Secrets())
    assert bundle_settings(env_file(CICD / "s3_bundle.env")) != bundle_settings(kit)
