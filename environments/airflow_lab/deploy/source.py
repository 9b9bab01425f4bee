"""Where an environment's DAG code comes from when it is not a mounted folder: a ``DagSource`` (git, a bucket, a
release image), and the ``--dags`` spellings of the CLI, parsed once into a ``DagSpec``.

A ``DagSource`` is part of the ``Environment`` value; ``lifecycle.LabLifecycle`` reads it to pick the image, add
the mounts, start a sidecar (Airflow 2's pull loop or bucket sync) and upload a bucket's first release before
Airflow starts.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from .. import settings as s
from ..errors import LabError
from ..secrets import AWS_PLACEHOLDER_CREDENTIALS, AWS_REGION

#: Where a mounted repository appears inside the Airflow containers.
REPOS_MOUNT = f"{s.AIRFLOW_HOME}/repos"
#: Where GitDagBundle clones ([dag_processor] dag_bundle_storage_path): inside the container, not /tmp.
BUNDLE_STORAGE = f"{s.AIRFLOW_HOME}/dag_bundles"
GIT_BUNDLE_CLASS = "airflow.providers.git.bundles.git.GitDagBundle"
S3_BUNDLE_CLASS = "airflow.providers.amazon.aws.bundles.s3.S3DagBundle"
#: The connection the S3 bundle reads the bucket with: moto's endpoint in the lab network.
DAGS_S3_CONN_ID = "dags_s3"
GIT_SOURCE = re.compile(r"^git\+(?P<url>file://[^@]+)(?:@(?P<ref>[^@]+))?$")
#: s3://BUCKET/PREFIX: an S3 bucket name (3-63 lowercase letters, digits, '.', '-') and a non-empty prefix.
S3_SOURCE = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>[^\s]*[^\s/])/*$")


@dataclass(frozen=True)
class PullLoop:
    """A documented stand-in for git-sync (whose image cannot be pulled here): clone, then fetch and hard-reset
    to ``ref`` every ``interval`` seconds. Unlike git-sync it does not swap checkouts atomically."""

    repo_url: str
    ref: str = "main"
    subdir: str | None = None
    interval: int = 5

    #: the sidecar's container (and host) name, what the lab prints while it starts, and the log line that
    #: says its first pass is done
    role: ClassVar[str] = "git-pull"
    title: ClassVar[str] = "Starting the git pull loop (in place of git-sync)"
    ready: ClassVar[str] = "pulled"

    def describe(self) -> str:
        return f"pull-loop={self.ref} every {self.interval}s"

    def environment(self) -> dict[str, str]:
        return {}

    def command(self) -> list[str]:
        return ["bash", "-c", self.script()]

    def script(self) -> str:
        """The sidecar's command: clone into the volume (the DAG folder), then fetch and reset in a loop."""
        git = f"git -C {s.DAGS_MOUNT}"
        steps = [
            "set -e",
            f"git clone -q --branch {self.ref} {self.repo_url} {s.DAGS_MOUNT}",
            f"echo pulled $({git} rev-parse HEAD)",
            f"while sleep {self.interval}; do {git} fetch -q origin '+refs/heads/*:refs/remotes/origin/*'"
            f" && {git} reset -q --hard origin/{self.ref} && echo pulled $({git} rev-parse HEAD); done",
        ]
        return "; ".join(steps)


@dataclass(frozen=True)
class BucketSync:
    """Airflow 2's bucket deploy: a sidecar copies ``s3://bucket/prefix/`` into the DAG folder every ``interval``
    seconds and deletes what the bucket no longer has (``incontainer/bucket_sync.py``, boto3 from the Airflow
    image). Files are replaced one by one, each atomically; a release of several files is not swapped at once."""

    bucket: str
    prefix: str
    interval: int = 5

    role: ClassVar[str] = "s3-sync"
    title: ClassVar[str] = "Starting the bucket sync (Airflow 2: the bucket into the DAG folder)"
    ready: ClassVar[str] = "synced"

    def describe(self) -> str:
        return f"bucket-sync every {self.interval}s"

    def environment(self) -> dict[str, str]:
        return {
            "AWS_ENDPOINT_URL_S3": f"http://moto:{s.MOTO_PORT}",
            "AWS_DEFAULT_REGION": AWS_REGION,
            **AWS_PLACEHOLDER_CREDENTIALS,
        }

    def command(self) -> list[str]:
        script = (Path(__file__).parent.parent / "incontainer" / "bucket_sync.py").read_text()
        return ["python", "-c", script, self.bucket, self.prefix, s.DAGS_MOUNT, str(self.interval)]


@dataclass(frozen=True)
class BucketSource:
    """Where an S3 bundle reads the DAGs (in the environment's moto server) and the folder first uploaded there."""

    bucket: str
    prefix: str
    folder: Path

    def upload_command(self, folder: Path) -> list[str]:
        """A command for the moto container: replace what is under the prefix with ``folder``'s ``*.py`` files
        (boto3 there; the kit's host has no AWS SDK). It prints the keys written, as JSON, last."""
        root = folder.resolve()
        files = {
            f"{self.prefix}/{p.relative_to(root).as_posix()}": base64.b64encode(p.read_bytes()).decode()
            for p in sorted(root.rglob("*.py"))
        }
        script = (
            "import base64, json, sys, boto3\n"
            f"s3 = boto3.client('s3', endpoint_url='http://localhost:{s.MOTO_PORT}', region_name='{AWS_REGION}',"
            " aws_access_key_id='testing', aws_secret_access_key='testing')\n"
            "bucket, prefix, files = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])\n"
            "if bucket not in [b['Name'] for b in s3.list_buckets()['Buckets']]: s3.create_bucket(Bucket=bucket)\n"
            "old = [o['Key'] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix + '/').get('Contents', [])]\n"
            "for key in set(old) - set(files): s3.delete_object(Bucket=bucket, Key=key)\n"
            "for key, data in files.items(): s3.put_object(Bucket=bucket, Key=key, Body=base64.b64decode(data))\n"
            "print(json.dumps(sorted(files)))\n"
        )
        return ["python", "-c", script, self.bucket, self.prefix, json.dumps(files)]

    def describe(self, endpoint: str, major: int) -> list[str]:
        """For ``airflow-lab up``: the bucket at its host endpoint, who reads it, how to deploy again."""
        reader = "S3DagBundle" if major >= 3 else f"the {BucketSync.role} sidecar"
        return [
            f"DAG bucket: s3://{self.bucket}/{self.prefix}/ at {endpoint} (moto; any credentials,"
            f" region {AWS_REGION}), read by {reader}",
            f"  deploy again: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {endpoint}"
            f" s3 sync DIR s3://{self.bucket}/{self.prefix}/ --delete",
        ]


@dataclass(frozen=True)
class DagSource:
    """How the Airflow components get their DAG code when it is not a mounted folder."""

    kind: Literal["git", "bucket", "image"]
    #: the image the Airflow containers run (a release's, or the git image); None: the lab's Airflow image
    image: str | None = None
    #: read-only mounts of every Airflow container (a git repository)
    mounts: tuple[tuple[Path, str], ...] = ()
    #: Airflow 2: the sidecar that writes the DAG folder (a volume)
    sidecar: PullLoop | BucketSync | None = None
    #: the bucket the DAGs are uploaded to before Airflow starts
    bucket: BucketSource | None = None

    def describe(self) -> list[str]:
        parts = [f"image={self.image}"] if self.image else []
        parts += [f"mount={target}" for _, target in self.mounts]
        if self.sidecar:
            parts.append(self.sidecar.describe())
        if self.bucket:
            parts.append(f"bucket=s3://{self.bucket.bucket}/{self.bucket.prefix}")
        return parts

    # for the labs and tests that read these off a deployment
    @property
    def pull_loop(self) -> PullLoop | BucketSync | None:
        return self.sidecar


# -- the CLI's --dags, parsed once -------------------------------------------------------------------------


@dataclass(frozen=True)
class GitSpec:
    url: str
    ref: str = "main"


@dataclass(frozen=True)
class BucketSpec:
    bucket: str
    prefix: str
    upload: Path
    sync_interval: int | None = None


DagSpec = Path | GitSpec | BucketSpec | None


def is_remote_source(dags: str | None) -> bool:
    return bool(dags) and str(dags).startswith(("git+", "s3://"))


def bucket_options_need_s3(source: str | None, upload: str | Path | None, sync_interval: int | None) -> None:
    """``--upload`` and ``--sync-interval`` describe a bucket deploy: refuse them with any other ``--dags``."""
    if (upload is not None or sync_interval is not None) and not str(source or "").startswith("s3://"):
        raise LabError("--upload and --sync-interval apply to --dags s3://BUCKET/PREFIX only.")


def parse_dags(
    source: str | Path | None, upload: str | Path | None = None, sync_interval: int | None = None
) -> DagSpec:
    """The ``--dags`` value (with ``--upload``/``--sync-interval``) as what it names: a folder, a git repository
    (``git+file:///path/to/repo@REF``, REF defaulting to ``main``) or a bucket (``s3://BUCKET/PREFIX``)."""
    bucket_options_need_s3(None if source is None else str(source), upload, sync_interval)
    if source is None:
        return None
    text = str(source)
    if text.startswith("s3://"):
        match = S3_SOURCE.match(text)
        if not match:
            raise LabError(
                f"{text!r} is not an S3 DAG source: use s3://BUCKET/PREFIX, e.g. s3://dags/release (a bucket name"
                " of 3-63 lowercase letters, digits, '.' and '-', then a non-empty prefix)."
            )
        bucket, prefix = match["bucket"], match["prefix"]
        if upload is None:
            raise LabError(
                f"--dags {text} needs --upload DIR: the environment's S3 endpoint (moto) starts empty; the kit"
                f" uploads DIR to s3://{bucket}/{prefix}/ before Airflow starts, as a CI `aws s3 sync` step would."
            )
        if sync_interval is not None and sync_interval < 1:
            raise LabError(f"--sync-interval must be at least 1 second (got {sync_interval}).")
        return BucketSpec(bucket, prefix, Path(upload), sync_interval)
    if text.startswith("git+"):
        match = GIT_SOURCE.match(text)
        if not match:
            raise LabError(
                f"{text!r} is not a DAG source the kit knows: use a folder, git+file:///path/to/repo@REF"
                " or s3://BUCKET/PREFIX (with --upload DIR)."
            )
        return GitSpec(match["url"], match["ref"] or "main")
    return Path(text)
