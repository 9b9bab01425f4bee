"""Deploying DAG code the ways the CI/CD chapter compares: each function returns the environment with a
``DagSource`` (``env.deploying(...)``), which the lab starts like any other.

* **Image**: ``release_image(dags, tag)`` builds an image ``FROM`` the lab's Airflow image with the DAGs
  copied in (``environments/images/release/Dockerfile``); ``deployed(env, image=...)`` starts the
  environment on it and ``lab.roll_out(other_image)`` replaces every Airflow container with one from another
  release, keeping the metadata database (a rollback is a roll-out of the previous tag).
* **Git, Airflow 3**: ``git_bundle(env, "file:///path/to/repo", ref)`` configures the git provider's
  ``GitDagBundle`` (versioned: each run records the commit it ran) on an image that has git and the
  provider (``environments/images/airflow-git``); the repository is mounted read-only.
* **Bucket**: ``s3_bundle(env, folder, bucket, prefix)``, on Airflow 3 the Amazon provider's ``S3DagBundle``
  (not versioned) against the environment's moto server; on Airflow 2 ``bucket_sync(...)``: a sidecar copies
  the bucket prefix into a volume mounted as the DAG folder. ``lab.upload(folder)`` deploys again.
* **Airflow 2 sidecars**: ``PullLoop`` (git) and ``BucketSync`` (S3) run in a container of their own and write
  into one docker volume that every Airflow component mounts read-only as its DAG folder.

``dag_source(env, "git+file:///repo@main")`` and ``dag_source(env, "s3://bucket/prefix", upload=folder)`` turn
the ``--dags`` spellings of the CLI (parsed once by ``source.parse_dags``) into the above.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import settings as s
from ..errors import LabError
from ..secrets import AWS_REGION, MOTO_BACKENDS, SecretEntries, load_secrets
from .source import (
    BUNDLE_STORAGE,
    DAGS_S3_CONN_ID,
    GIT_BUNDLE_CLASS,
    REPOS_MOUNT,
    S3_BUNDLE_CLASS,
    BucketSource,
    BucketSpec,
    BucketSync,
    DagSource,
    DagSpec,
    GitSpec,
    PullLoop,
    parse_dags,
)

if TYPE_CHECKING:  # the value these functions return a variant of; environment.py imports this package
    from ..environment import Environment


def deployed(env: Environment, image: str | None = None, mounts: Sequence[tuple[Path, str]] = ()) -> Environment:
    """``env`` on an image of its own (a release, or the git image) with extra read-only mounts."""
    if image is not None and env.dags is not None:
        raise LabError("A release image carries its DAGs: start the environment without `dags`.")
    return env.deploying(DagSource("image", image, tuple(mounts)))


def git_pull_loop(
    env: Environment, repo: str | Path, ref: str = "main", subdir: str | None = None, interval: int = 5
) -> Environment:
    """Airflow 2: DAGs from git the git-sync way: a sidecar pulls into a volume mounted as the DAG folder."""
    if env.dags is not None:
        raise LabError("A git deploy replaces the DAG folder: start the environment without `dags`.")
    path, target = _repository(repo)
    if subdir:  # the volume holds the whole checkout; Airflow reads the DAGs from the subfolder
        env = env.with_config(core__dags_folder=f"{s.DAGS_MOUNT}/{subdir}")
    loop = PullLoop(f"file://{target}", ref, subdir, interval)
    return env.deploying(DagSource("git", s.airflow_git_image(env.airflow_version), ((path, target),), loop))


def _repository(repo: str | Path) -> tuple[Path, str]:
    path = Path(str(repo).removeprefix("file://")).resolve()
    if not (path / ".git").exists() and not (path / "HEAD").exists():
        raise LabError(f"{path} is not a git repository. Fix: `git init` it, or pass the repository's top folder.")
    return path, f"{REPOS_MOUNT}/{path.name}"


def git_bundle(
    env: Environment,
    repo: str | Path,
    ref: str = "main",
    subdir: str | None = None,
    refresh_interval: int = 5,
    name: str = "release-repo",
) -> Environment:
    """Airflow 3: DAGs from a git repository through ``GitDagBundle`` (versioned), instead of a DAG folder.

    ``repo`` is a local repository (a path or ``file://`` URL); it is mounted read-only and the bundle
    clones it with ``repo_url=file://...`` and ``tracking_ref=ref`` into ``BUNDLE_STORAGE``, fetching every
    ``refresh_interval`` seconds.
    """
    if env.major < 3:
        raise LabError(
            "DAG bundles are an Airflow 3 feature: on Airflow 2 deploy from git with a pull loop (the CI/CD chapter)."
        )
    if env.dags is not None:
        raise LabError("A git bundle replaces the DAG folder: start the environment without `dags`.")
    path, target = _repository(repo)
    kwargs: dict[str, Any] = {"repo_url": f"file://{target}", "tracking_ref": ref, "refresh_interval": refresh_interval}
    if subdir:
        kwargs["subdir"] = subdir
    bundles = [{"name": name, "classpath": GIT_BUNDLE_CLASS, "kwargs": kwargs}]
    configured = env.with_config(
        dag_processor__dag_bundle_config_list=json.dumps(bundles),
        dag_processor__dag_bundle_storage_path=BUNDLE_STORAGE,
    )
    return configured.deploying(DagSource("git", s.airflow_git_image(env.airflow_version), ((path, target),)))


def _with_bucket(env: Environment, dags: str | Path) -> tuple[Environment, Path]:
    """Start the environment's moto server with the connection ``dags_s3``: as its ``aws`` secrets backend, or in
    the moto-served backend (``aws``, ``ssm``) it already has."""
    if env.dags is not None:
        raise LabError("A bucket deploy replaces the DAG folder: start the environment without `dags`.")
    folder = Path(dags).resolve()
    if not folder.is_dir():
        raise LabError(
            f"The folder to upload, {folder}, does not exist (or is not a folder). Fix: name a folder of DAG files."
        )
    connection = {
        "conn_type": "aws",
        "extra": {"endpoint_url": f"http://moto:{s.MOTO_PORT}", "region_name": AWS_REGION},
    }
    on_moto = [store for store in env.secret_stores if store.backend in MOTO_BACKENDS]
    if not on_moto:
        return env.with_secrets("aws", {"connections": {DAGS_S3_CONN_ID: connection}}), folder
    # the environment already reads secrets from moto (--secrets-backend aws or ssm): one server, one more
    # connection, in the backend Airflow already reads (it reads one [secrets] backend at a time)
    store = on_moto[0]
    entries = store.entries
    added = load_secrets({"connections": {DAGS_S3_CONN_ID: connection}}).connections
    merged = replace(store, entries=SecretEntries({**entries.connections, **added}, entries.variables, entries.source))
    return replace(env, secret_stores=tuple(merged if st is store else st for st in env.secret_stores)), folder


def s3_bundle(
    env: Environment,
    dags: str | Path,
    bucket: str = "dags",
    prefix: str = "release",
    refresh_interval: int = 5,
    name: str = "release-bucket",
) -> Environment:
    """Airflow 3: DAGs from an S3 bucket through the Amazon provider's ``S3DagBundle`` (not versioned).

    The bucket lives in a moto server (an emulator of the AWS API, not AWS) that the environment starts as
    its ``aws`` secrets backend; ``dags`` is uploaded before Airflow starts, ``lab.upload(folder)`` deploys again.
    """
    if env.major < 3:
        raise LabError(
            "DAG bundles are an Airflow 3 feature: on Airflow 2 sync the bucket into the DAG folder (bucket_sync)."
        )
    with_moto, folder = _with_bucket(env, dags)
    kwargs = {
        "bucket_name": bucket,
        "prefix": prefix,
        "aws_conn_id": DAGS_S3_CONN_ID,
        "refresh_interval": refresh_interval,
    }
    configured = with_moto.with_config(
        dag_processor__dag_bundle_config_list=json.dumps(
            [{"name": name, "classpath": S3_BUNDLE_CLASS, "kwargs": kwargs}]
        ),
        dag_processor__dag_bundle_storage_path=BUNDLE_STORAGE,
    )
    return configured.deploying(DagSource("bucket", bucket=BucketSource(bucket, prefix, folder)))


def bucket_sync(
    env: Environment, dags: str | Path, bucket: str = "dags", prefix: str = "release", interval: int = 5
) -> Environment:
    """Airflow 2: DAGs from an S3 bucket (the environment's moto server) the synced-folder way: a sidecar
    syncs the prefix into a volume mounted as the DAG folder. ``dags`` is uploaded before Airflow starts."""
    if interval < 1:
        raise LabError(f"The sync interval must be at least 1 second (got {interval}).")
    with_moto, folder = _with_bucket(env, dags)
    sync = BucketSync(bucket, prefix, interval)
    return with_moto.deploying(DagSource("bucket", sidecar=sync, bucket=BucketSource(bucket, prefix, folder)))


def deploy(env: Environment, spec: DagSpec) -> Environment:
    """``env`` deploying what a parsed ``--dags`` value names (a folder is the environment's ``dags``, not this)."""
    if isinstance(spec, BucketSpec):
        if env.major < 3:
            if spec.sync_interval is None:
                raise LabError(
                    f"Airflow {env.airflow_version} has no S3 DAG bundle. Fix: add --sync-interval SECONDS to have a"
                    f" sidecar sync s3://{spec.bucket}/{spec.prefix}/ into the DAG folder that often (the Airflow 2"
                    f" pattern), or use --airflow-version {s.AIRFLOW_VERSION}."
                )
            return bucket_sync(env, spec.upload, spec.bucket, spec.prefix, spec.sync_interval)
        return s3_bundle(env, spec.upload, spec.bucket, spec.prefix, refresh_interval=spec.sync_interval or 5)
    if isinstance(spec, GitSpec):
        if env.major < 3:
            return git_pull_loop(env, spec.url, spec.ref)
        return git_bundle(env, spec.url, spec.ref)
    raise LabError(
        f"{str(spec)!r} is not a DAG source the kit knows: use a folder, git+file:///path/to/repo@REF"
        " or s3://BUCKET/PREFIX (with --upload DIR)."
    )


def dag_source(
    env: Environment, source: str, upload: str | Path | None = None, sync_interval: int | None = None
) -> Environment:
    """The CLI's ``--dags`` spellings that are not a folder:

    * ``git+file:///path/to/repo@REF`` (REF defaults to ``main``): a ``GitDagBundle`` on Airflow 3, a pull loop
      on Airflow 2;
    * ``s3://BUCKET/PREFIX`` with ``upload`` (the folder the kit uploads there before Airflow starts, the
      environment's moto server starting empty): an ``S3DagBundle`` on Airflow 3 (``sync_interval`` is its
      ``refresh_interval``, default 5 s); on Airflow 2, which has no S3 bundle, ``sync_interval`` is required
      and a sidecar syncs the prefix into the DAG folder that often.
    """
    return deploy(env, parse_dags(source, upload, sync_interval))
