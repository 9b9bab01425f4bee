"""Deploying DAG code: where it comes from (``source``: a ``DagSource`` the environment holds, and the CLI's
``--dags`` parsed once), the deploys that make one (``deployments``) and the images they run on (``release``)."""

from ..secrets import MOTO_BACKENDS
from .deployments import bucket_sync, dag_source, deploy, deployed, git_bundle, git_pull_loop, s3_bundle
from .release import git_image, release_image, remove_release_images
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
    bucket_options_need_s3,
    is_remote_source,
    parse_dags,
)

__all__ = [
    "BUNDLE_STORAGE",
    "DAGS_S3_CONN_ID",
    "GIT_BUNDLE_CLASS",
    "MOTO_BACKENDS",
    "REPOS_MOUNT",
    "S3_BUNDLE_CLASS",
    "BucketSource",
    "BucketSpec",
    "BucketSync",
    "DagSource",
    "DagSpec",
    "GitSpec",
    "PullLoop",
    "bucket_options_need_s3",
    "bucket_sync",
    "dag_source",
    "deploy",
    "deployed",
    "git_bundle",
    "git_image",
    "git_pull_loop",
    "is_remote_source",
    "parse_dags",
    "release_image",
    "remove_release_images",
    "s3_bundle",
]
