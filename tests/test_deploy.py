"""Deploying DAG code (the CI/CD chapter's kit): sources and bundles are configured as documented, and
bad input is refused before anything starts. The deploys themselves run in labs/cicd/."""

from __future__ import annotations

import json
import subprocess

import pytest
from airflow_lab import deploy
from airflow_lab import settings as s
from airflow_lab.cli import main
from airflow_lab.environment import Environment, local
from airflow_lab.errors import LabError


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", "-b", "main", str(tmp_path / "dags-repo")], check=True)
    return tmp_path / "dags-repo"


def test_a_git_source_becomes_a_versioned_git_bundle(repo):
    deployed = deploy.dag_source(local(), f"git+file://{repo}@release")
    bundles = json.loads(deployed.config["dag_processor__dag_bundle_config_list"])
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
    assert deployed.config["dag_processor__dag_bundle_storage_path"] == deploy.BUNDLE_STORAGE
    assert deployed.dag_source.mounts == ((repo.resolve(), f"{deploy.REPOS_MOUNT}/dags-repo"),)
    assert deployed.dag_source.image == s.airflow_git_image(s.AIRFLOW_VERSION)  # built when the environment starts


def test_the_ref_defaults_to_main_and_subdir_is_passed(repo):
    deployed = deploy.git_bundle(local(), repo, subdir="dags")
    kwargs = json.loads(deployed.config["dag_processor__dag_bundle_config_list"])[0]["kwargs"]
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


@pytest.fixture
def started(monkeypatch):
    """What the CLI would start: each environment it starts is recorded, and the start stops there (no Docker)."""
    deployments: list[Environment] = []

    def record(deployed, show_progress=True):
        deployments.append(deployed)
        raise LabError("not started: this test only looks at what the CLI would start")

    monkeypatch.setattr(Environment, "start", record)
    return deployments


def test_the_cli_deploys_a_git_source_as_a_git_bundle_at_its_ref(repo, started):
    assert main(["run", "local", "--dags", f"git+file://{repo}@release", "--dag-id", "x"]) == 2
    [deployed] = started
    [bundle] = json.loads(deployed.config["dag_processor__dag_bundle_config_list"])
    assert bundle["classpath"] == deploy.GIT_BUNDLE_CLASS and bundle["kwargs"]["tracking_ref"] == "release"
    assert deployed.dags is None
    assert deployed.dag_source.mounts == ((repo.resolve(), f"{deploy.REPOS_MOUNT}/dags-repo"),)


def test_the_cli_refuses_a_git_source_that_is_not_a_repository_with_exit_2(capsys, started):
    assert main(["run", "local", "--dags", "git+file:///nonexistent@main", "--dag-id", "x"]) == 2
    err = capsys.readouterr().err
    assert "/nonexistent is not a git repository" in err and "Fix: `git init` it" in err, err
    assert started == []  # refused before anything was started


def test_on_airflow_2_a_git_source_is_pulled_by_a_sidecar(repo):
    deployed = deploy.dag_source(local(airflow_version=s.AIRFLOW_2_VERSION), f"git+file://{repo}@main")
    assert deployed.dag_source.sidecar == deploy.PullLoop(f"file://{deploy.REPOS_MOUNT}/dags-repo", "main", None, 5)
    assert "dag_processor__dag_bundle_config_list" not in deployed.config
    script = deployed.dag_source.sidecar.script()
    assert "git clone -q --branch main" in script and "reset -q --hard origin/main" in script
    with_subdir = deploy.git_pull_loop(local(airflow_version=s.AIRFLOW_2_VERSION), repo, subdir="dags")
    assert with_subdir.config["core__dags_folder"] == f"{s.DAGS_MOUNT}/dags"


def test_a_bucket_bundle_reads_moto_through_its_own_connection(tmp_path):
    deployed = deploy.s3_bundle(local(), tmp_path, "dags", "release")
    bundle = json.loads(deployed.config["dag_processor__dag_bundle_config_list"])[0]
    assert bundle["classpath"] == "airflow.providers.amazon.aws.bundles.s3.S3DagBundle"
    assert bundle["kwargs"] == {
        "bucket_name": "dags",
        "prefix": "release",
        "aws_conn_id": "dags_s3",
        "refresh_interval": 5,
    }
    assert [store.backend for store in deployed.secret_stores] == ["aws"]  # moto, in the lab network
    assert deployed.dag_source.bucket == deploy.BucketSource("dags", "release", tmp_path.resolve())
    with pytest.raises(LabError, match="Airflow 3 feature"):
        deploy.s3_bundle(local(airflow_version=s.AIRFLOW_2_VERSION), tmp_path)


def test_an_s3_source_becomes_a_bucket_bundle_on_airflow_3_and_a_synced_folder_on_airflow_2(tmp_path):
    deployed = deploy.dag_source(local(), "s3://dags/teams/a/", upload=tmp_path, sync_interval=7)
    bundle = json.loads(deployed.config["dag_processor__dag_bundle_config_list"])[0]
    assert bundle["kwargs"]["prefix"] == "teams/a" and bundle["kwargs"]["refresh_interval"] == 7
    assert (
        deployed.dag_source.bucket == deploy.BucketSource("dags", "teams/a", tmp_path.resolve())
        and not deployed.dag_source.sidecar
    )

    airflow2 = deploy.dag_source(local(airflow_version=s.AIRFLOW_2_VERSION), "s3://dags/release", tmp_path, 3)
    assert airflow2.dag_source.sidecar == deploy.BucketSync("dags", "release", 3)
    assert "dag_processor__dag_bundle_config_list" not in airflow2.config
    assert [store.backend for store in airflow2.secret_stores] == ["aws"]  # moto, which the sidecar reads
    command = airflow2.dag_source.sidecar.command()
    assert command[0] == "python" and command[-4:] == ["dags", "release", s.DAGS_MOUNT, "3"]
    assert airflow2.dag_source.sidecar.environment()["AWS_ENDPOINT_URL_S3"] == f"http://moto:{s.MOTO_PORT}"
    assert "bucket-sync every 3s" in repr(airflow2)


@pytest.mark.parametrize(
    ("source", "upload", "interval", "version", "error"),
    [
        ("s3://dags", "folder", None, s.AIRFLOW_VERSION, "use s3://BUCKET/PREFIX"),
        ("s3://Dags_Bucket/release", "folder", None, s.AIRFLOW_VERSION, "use s3://BUCKET/PREFIX"),
        ("s3:///release", "folder", None, s.AIRFLOW_VERSION, "use s3://BUCKET/PREFIX"),
        ("s3://dags/release", None, None, s.AIRFLOW_VERSION, "needs --upload DIR: .* starts empty"),
        ("s3://dags/release", "missing", None, s.AIRFLOW_VERSION, "does not exist"),
        ("s3://dags/release", "folder", 0, s.AIRFLOW_VERSION, "at least 1 second"),
        ("s3://dags/release", "folder", None, s.AIRFLOW_2_VERSION, "no S3 DAG bundle. Fix: add --sync-interval"),
        ("git+file:///repo@main", "folder", None, s.AIRFLOW_VERSION, "apply to --dags s3://"),
    ],
)
def test_bad_s3_sources_are_refused_naming_cause_and_fix(tmp_path, source, upload, interval, version, error):
    (tmp_path / "folder").mkdir()
    folder = tmp_path / upload if upload else None
    with pytest.raises(LabError, match=error):
        deploy.dag_source(local(airflow_version=version), source, upload=folder, sync_interval=interval)


@pytest.mark.parametrize("backend", deploy.MOTO_BACKENDS)
def test_a_bucket_deploy_shares_moto_with_a_moto_secrets_backend(tmp_path, backend):
    env = local().with_secrets(backend, {"variables": {"shop_bucket": "lab-bucket"}})
    deployed = deploy.s3_bundle(env, tmp_path)
    (store,) = deployed.secret_stores  # no second backend: Airflow reads one at a time
    assert store.backend == backend
    assert sorted(store.entries.connections) == ["dags_s3"] and dict(store.entries.variables) == {
        "shop_bucket": "lab-bucket"
    }


@pytest.mark.docker
@pytest.mark.parametrize("secrets_backend", [None, "ssm"])
def test_airflow_lab_run_from_a_bucket_reports_the_bundle(tmp_path, no_leftovers, secrets_backend):
    import shutil
    import sys
    from pathlib import Path

    release = tmp_path / "release"
    release.mkdir()
    shutil.copy(Path(s.PROJECT_DIR) / "dags" / "cicd" / "cicd_release.py", release / "cicd_release.py")
    exe = Path(sys.executable).with_name("airflow-lab")
    # with ssm, the bundle's S3 connection is read from Parameter Store: Airflow reads one [secrets] backend
    secrets = ["--secrets-backend", secrets_backend] if secrets_backend else []
    result = subprocess.run(
        [
            *(str(exe), "run", "local", "--dags", "s3://dags/release", "--upload", str(release)),
            *(*secrets, "--dag-id", "cicd_release"),
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    run = json.loads(result.stdout)
    assert run["state"] == "success" and run["airflow_version"] == s.AIRFLOW_VERSION
    assert {ti["state"] for ti in run["task_instances"]} == {"success"}
    # the S3 bundle is not versioned: Airflow records the bundle and a DAG version, but no bundle version
    assert run["bundle"] == {"name": "release-bucket", "version": None, "dag_version": 1}, run["bundle"]


@pytest.mark.docker
def test_airflow_lab_up_on_airflow_2_prints_the_bucket_and_removes_the_sync_volume_on_ctrl_c(tmp_path, no_leftovers):
    import re

    import requests

    from .conftest import PROJECT, airflow_lab_up, labelled_objects

    release = tmp_path / "release"
    release.mkdir()
    (release / "cicd_release.py").write_text((PROJECT / "dags" / "cicd" / "cicd_release.py").read_text())
    bucket = ("--dags", "s3://dags/release", "--upload", str(release), "--sync-interval", "2")
    with airflow_lab_up("local", "--airflow-version", s.AIRFLOW_2_VERSION, *bucket) as text:
        endpoint = re.search(r"DAG bucket: s3://dags/release/ at (http://127\.0\.0\.1:\d+) ", text).group(1)
        assert f"aws --endpoint-url {endpoint} s3 sync DIR s3://dags/release/ --delete" in text, text
        listing = requests.get(f"{endpoint}/dags?list-type=2&prefix=release/", timeout=10)  # moto, from the host
        assert "<Key>release/cicd_release.py</Key>" in listing.text, listing.text
        assert labelled_objects()["volumes"]  # the DAG folder the sidecar syncs into


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
