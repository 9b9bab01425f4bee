"""Deploying DAG code (the CI/CD chapter's kit): sources and bundles are configured as documented, and
bad input is refused before anything starts. The deploys themselves run in labs/cicd/."""

from __future__ import annotations

import json
import subprocess

import pytest
from airflow_lab import deploy
from airflow_lab import settings as s
from airflow_lab.environment import local
from airflow_lab.errors import LabError


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "dags-repo")], check=True)
    return tmp_path / "dags-repo"


def test_a_git_source_becomes_a_versioned_git_bundle(repo):
    deployed = deploy.dag_source(local(), f"git+file://{repo}@release")
    bundles = json.loads(deployed.env.config["dag_processor__dag_bundle_config_list"])
    assert bundles == [
        {
            "name": "release-repo",
            "classpath": "airflow.providers.git.bundles.git.GitDagBundle",
            "kwargs": {
                "repo_url": f"file://{deploy.REPOS_MOUNT}/dags-repo",
                "tracking_ref": "release",
                "refresh_interval": 5,
            },
        }
    ]
    # cloned inside the container, not under /tmp (the default)
    assert deployed.env.config["dag_processor__dag_bundle_storage_path"] == deploy.BUNDLE_STORAGE
    assert deployed.mounts == ((repo.resolve(), f"{deploy.REPOS_MOUNT}/dags-repo"),)
    assert deployed.image == s.airflow_git_image(s.AIRFLOW_VERSION)  # built when the environment starts


def test_the_ref_defaults_to_main_and_subdir_is_passed(repo):
    deployed = deploy.git_bundle(local(), repo, subdir="dags")
    kwargs = json.loads(deployed.env.config["dag_processor__dag_bundle_config_list"])[0]["kwargs"]
    assert kwargs["tracking_ref"] == "main" and kwargs["subdir"] == "dags"


def test_bundles_need_airflow_3(repo):  # Airflow 2 gets the pull loop instead (below)
    with pytest.raises(LabError, match="Airflow 3 feature"):
        deploy.git_bundle(local(airflow_version=s.AIRFLOW_2_VERSION), repo)


def test_a_folder_that_is_not_a_repository_is_refused(tmp_path):
    with pytest.raises(LabError, match="is not a git repository"):
        deploy.git_bundle(local(), tmp_path)


def test_an_unknown_source_is_refused():
    with pytest.raises(LabError, match="git\\+file:///path/to/repo@REF"):
        deploy.dag_source(local(), "git+https://example.invalid/repo.git@main")


def test_a_bad_release_tag_is_refused_before_building(tmp_path):
    with pytest.raises(LabError, match="not a valid image tag"):
        deploy.release_image(tmp_path, "release v2")


def test_a_release_image_carries_its_dags():
    with pytest.raises(LabError, match="carries its DAGs"):
        deploy.deployed(local(dags="dags/cicd"), image=s.release_image("v1"))
    assert "image=airflow-lab/release:v1" in repr(deploy.deployed(local(), image=s.release_image("v1")))


def test_the_cli_accepts_a_git_source(capsys):
    from airflow_lab.cli import parser

    args = parser().parse_args(["run", "local", "--dags", "git+file:///nonexistent@main", "--dag-id", "x"])
    assert deploy.is_remote_source(args.dags) and not deploy.is_remote_source("dags")


def test_on_airflow_2_a_git_source_is_pulled_by_a_sidecar(repo):
    deployed = deploy.dag_source(local(airflow_version=s.AIRFLOW_2_VERSION), f"git+file://{repo}@main")
    assert deployed.pull_loop == deploy.PullLoop(f"file://{deploy.REPOS_MOUNT}/dags-repo", "main", None, 5)
    assert "dag_processor__dag_bundle_config_list" not in deployed.env.config
    script = deployed.pull_loop.script()
    assert "git clone -q --branch main" in script and "reset -q --hard origin/main" in script
    with_subdir = deploy.git_pull_loop(local(airflow_version=s.AIRFLOW_2_VERSION), repo, subdir="dags")
    assert with_subdir.env.config["core__dags_folder"] == f"{s.DAGS_MOUNT}/dags"


def test_a_bucket_bundle_reads_moto_through_its_own_connection(tmp_path):
    deployed = deploy.s3_bundle(local(), tmp_path, "dags", "release")
    bundle = json.loads(deployed.env.config["dag_processor__dag_bundle_config_list"])[0]
    assert bundle["classpath"] == "airflow.providers.amazon.aws.bundles.s3.S3DagBundle"
    assert bundle["kwargs"] == {
        "bucket_name": "dags",
        "prefix": "release",
        "aws_conn_id": "dags_s3",
        "refresh_interval": 5,
    }
    assert [store.backend for store in deployed.env.secret_stores] == ["aws"]  # moto, in the lab network
    assert deployed.bucket == deploy.BucketSource("dags", "release", tmp_path.resolve())
    with pytest.raises(LabError, match="Airflow 3 feature"):
        deploy.s3_bundle(local(airflow_version=s.AIRFLOW_2_VERSION), tmp_path)


@pytest.mark.docker
def test_airflow_lab_run_from_a_git_repository_reports_the_commit(tmp_path, no_leftovers):
    import shutil
    import sys
    from pathlib import Path

    repo = tmp_path / "release-repo"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    shutil.copy(Path(s.PROJECT_DIR) / "dags" / "cicd" / "cicd_release.py", repo / "cicd_release.py")
    for folder in (tmp_path, repo):
        folder.chmod(0o755)  # the Airflow containers read the repository as another user
    git = ["git", "-C", str(repo), "-c", "user.name=CI", "-c", "user.email=ci@example.invalid"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "v1"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()

    exe = Path(sys.executable).with_name("airflow-lab")
    result = subprocess.run(
        [str(exe), "run", "local", "--dags", f"git+file://{repo}@main", "--dag-id", "cicd_release"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    run = json.loads(result.stdout)
    assert run["state"] == "success"
    assert run["bundle"] == {"name": "release-repo", "version": commit, "dag_version": 1}, run["bundle"]
