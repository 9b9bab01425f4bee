"""Deploying DAG code the ways the CI/CD chapter compares, on a lab environment.

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
the ``--dags`` spellings of the CLI into the above.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

from . import settings as s
from .environment import Environment, Lab, _exited
from .errors import LabError
from .records import RunResult
from .secrets_backends import AWS_PLACEHOLDER_CREDENTIALS, AWS_REGION, MOTO_BACKENDS, SecretEntries, load_secrets

#: Where a mounted repository appears inside the Airflow containers.
REPOS_MOUNT = f"{s.AIRFLOW_HOME}/repos"
#: Where GitDagBundle clones ([dag_processor] dag_bundle_storage_path): inside the container, not /tmp.
BUNDLE_STORAGE = f"{s.AIRFLOW_HOME}/dag_bundles"
GIT_BUNDLE_CLASS = "airflow.providers.git.bundles.git.GitDagBundle"
GIT_SOURCE = re.compile(r"^git\+(?P<url>file://[^@]+)(?:@(?P<ref>[^@]+))?$")
#: s3://BUCKET/PREFIX: an S3 bucket name (3-63 lowercase letters, digits, '.', '-') and a non-empty prefix.
S3_SOURCE = re.compile(r"^s3://(?P<bucket>[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/(?P<prefix>[^\s]*[^\s/])/*$")


# -- images ----------------------------------------------------------------------------------------------


def _airflow_base(airflow_version: str) -> str:
    """Ensure the lab's Airflow image; return its id (the base of the derived images)."""
    from .images import airflow_spec, base_image, build

    base, base_id = base_image()
    return build(airflow_spec(airflow_version, base), base_id)


def release_image(dags: str | Path, tag: str, airflow_version: str = s.AIRFLOW_VERSION) -> str:
    """Build a release: the lab's Airflow image with ``dags`` copied into its DAG folder. Returns the image name."""
    from .images import ImageSpec, build

    folder = Path(dags).resolve()
    if not folder.is_dir():
        raise LabError(f"The DAG folder {folder} does not exist (or is not a folder).")
    if not re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", tag):
        raise LabError(f"{tag!r} is not a valid image tag: use letters, digits, '_', '.', '-' (e.g. v2 or a commit).")
    files = {
        f"dags/{path.relative_to(folder).as_posix()}": path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    spec = ImageSpec(
        s.release_image(tag), "release", {"AIRFLOW_IMAGE": s.airflow_image(airflow_version)}, extra_files=files
    )
    build(spec, _airflow_base(airflow_version))
    return spec.name


def git_image(airflow_version: str = s.AIRFLOW_VERSION) -> str:
    """Airflow plus git (and, on Airflow 3, the git provider): the image the git deploys run on."""
    from .images import ImageSpec, airflow_spec, build

    lab_spec = airflow_spec(airflow_version, "unused")  # only for its CA bundle and constraints
    spec = ImageSpec(
        s.airflow_git_image(airflow_version),
        "airflow-git",
        {"AIRFLOW_IMAGE": s.airflow_image(airflow_version), "AIRFLOW_MAJOR": airflow_version.split(".")[0]},
        {name: lab_spec.extra_files[name] for name in ("ca-bundle.crt", "constraints.txt")},
    )
    build(spec, _airflow_base(airflow_version))
    return spec.name


def remove_release_images() -> list[str]:
    """Remove every release image the labs built (the lab Airflow images stay)."""
    import docker.errors

    from .docker import docker_client

    removed = []
    for image in docker_client().images.list(name=s.RELEASE_REPOSITORY):
        for tag in image.tags:
            try:
                docker_client().images.remove(tag, force=True)
                removed.append(tag)
            except docker.errors.APIError:
                pass
    return removed


# -- environments that deploy ----------------------------------------------------------------------------


class Deployed:
    """An environment plus how its DAG code is delivered: an image of its own, mounted repositories."""

    def __init__(
        self,
        env: Environment,
        image: str | None = None,
        mounts: Sequence[tuple[Path, str]] = (),
        pull_loop: PullLoop | BucketSync | None = None,
        bucket: BucketSource | None = None,
    ) -> None:
        self.env = env
        self.image = image
        self.mounts = tuple(mounts)
        self.pull_loop = pull_loop
        self.bucket = bucket

    def __repr__(self) -> str:
        parts = [repr(self.env)]
        if self.image:
            parts.append(f"image={self.image}")
        parts += [f"mount={target}" for _, target in self.mounts]
        if self.pull_loop:
            parts.append(self.pull_loop.describe())
        if self.bucket:
            parts.append(f"bucket=s3://{self.bucket.bucket}/{self.bucket.prefix}")
        return f"Deployed({', '.join(parts)})"

    @property
    def airflow_version(self) -> str:
        return self.env.airflow_version

    def start(self, show_progress: bool = True) -> DeployLab:
        if self.image == s.airflow_git_image(self.env.airflow_version):
            git_image(self.env.airflow_version)  # built on first use (cached by content)
        return DeployLab(self, show_progress=show_progress).start()  # type: ignore[return-value]


class DeployLab(Lab):
    """A ``Lab`` whose Airflow containers run the deployed image, with the deployment's mounts."""

    def __init__(self, deployed: Deployed, show_progress: bool = True) -> None:
        super().__init__(deployed.env, show_progress=show_progress)
        self.deployed = deployed
        #: the image the Airflow components run now (changes with ``roll_out``)
        self.image = deployed.image or s.airflow_image(deployed.env.airflow_version)
        #: (image, seconds from the first container replaced to healthy) per roll-out
        self.roll_outs: list[tuple[str, float]] = []

    def _before_airflow(self) -> None:
        if self.deployed.bucket is not None:
            self.upload(self.deployed.bucket.folder)  # the bucket must exist before the DAG processor starts

    def _container(self, role: str, image: str, hostname: str | None = None) -> Any:
        airflow = image == s.airflow_image(self.env.airflow_version)
        container = super()._container(role, self.image if airflow else image, hostname)
        if airflow:
            for host, target in self.deployed.mounts:
                container.with_volume_mapping(str(host), target, mode="ro")
            if self.deployed.pull_loop is not None:
                self._start_pull_loop()
                container.with_volume_mapping(self._dags_volume, s.DAGS_MOUNT, mode="ro")
        return container

    _dags_volume: str = ""

    def _start_pull_loop(self) -> None:
        """Airflow 2's sidecar pattern (git-sync, a bucket sync): a sidecar writes the DAG files into a volume
        that the Airflow components mount read-only as their DAG folder. One code path for every sidecar."""
        if self._dags_volume:
            return
        from .docker import docker_client

        loop = self.deployed.pull_loop
        assert loop is not None
        self._dags_volume = f"airflow-lab-{self.id}-dags"
        docker_client().volumes.create(self._dags_volume, labels=self.labels("dags-volume"))
        sidecar = Lab._container(self, loop.role, self.image, hostname=loop.role)
        sidecar.with_volume_mapping(self._dags_volume, s.DAGS_MOUNT, mode="rw")
        for host, target in self.deployed.mounts:
            sidecar.with_volume_mapping(str(host), target, mode="ro")
        sidecar.with_envs(**loop.environment()).with_command(loop.command())
        with self._progress(loop.title) as progress:
            sidecar.start()
            wrapped = sidecar.get_wrapped_container()
            deadline = time.monotonic() + 60
            while loop.ready not in wrapped.logs(tail=20).decode(errors="replace"):
                if _exited(wrapped) or time.monotonic() > deadline:
                    why = "exited" if _exited(wrapped) else "did not finish its first pass within 60 s"
                    raise LabError(f"The {loop.role} sidecar {why}:\n" + self.logs(loop.role))
                progress("first pass")
                time.sleep(0.5)

    def wait(self, dag_id: str, run_id: str, timeout: float | None = None, logs: bool = False) -> RunResult:
        """As ``Lab.wait``, plus the bundle and the version (commit) the run used, as Airflow recorded them."""
        result = super().wait(dag_id, run_id, timeout, logs)
        if self.env.major < 3:
            return result  # Airflow 2 records neither
        run = self._api().get(f"/dags/{dag_id}/dagRuns/{run_id}")
        versions = run.get("dag_versions") or []
        bundle = {
            "name": versions[-1]["bundle_name"] if versions else None,
            "version": run.get("bundle_version"),
            "dag_version": versions[-1]["version_number"] if versions else None,
        }
        return replace(result, bundle=bundle)

    def describe_bucket(self) -> list[str]:
        """Where the bucket deploy reads from, for ``airflow-lab up``: the S3 endpoint on the host and a command
        that deploys again with one's own tooling."""
        source = self.deployed.bucket
        if source is None or self.secret_stores is None:
            return []
        endpoint = next(self.secret_stores[b] for b in MOTO_BACKENDS if b in self.secret_stores).url
        reader = "S3DagBundle" if self.env.major >= 3 else f"the {BucketSync.role} sidecar"
        return [
            f"DAG bucket: s3://{source.bucket}/{source.prefix}/ at {endpoint} (moto; any credentials,"
            f" region {AWS_REGION}), read by {reader}",
            f"  deploy again: AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing aws --endpoint-url {endpoint}"
            f" s3 sync DIR s3://{source.bucket}/{source.prefix}/ --delete",
        ]

    def upload(self, folder: str | Path) -> list[str]:
        """Copy a DAG folder to the environment's bucket (moto), replacing what is under the prefix: a deploy.

        Runs boto3 in the moto container (the kit's host has no AWS SDK). Returns the keys written.
        """
        import base64

        source = self.deployed.bucket
        if source is None:
            raise LabError("This environment deploys no bucket: start it from deploy.s3_bundle(...).")
        root = Path(folder).resolve()
        files = {
            f"{source.prefix}/{p.relative_to(root).as_posix()}": base64.b64encode(p.read_bytes()).decode()
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
        out = self.exec("moto", ["python", "-c", script, source.bucket, source.prefix, json.dumps(files)])
        return json.loads(out.strip().splitlines()[-1])

    def roll_out(self, image: str) -> float:
        """Replace each Airflow component's container with one from ``image``, keeping the database and settings.

        This is how an image release reaches a running installation (compose ``up`` with a new tag, a Helm
        upgrade); a rollback is a roll-out of the previous image. Returns the seconds until all are healthy.
        """
        if self.api is None:
            raise LabError("This lab is not running: start it first.")
        began = time.monotonic()
        components = self.env.components()
        with self._progress(f"Rolling out {image}") as progress:
            for component in components:
                old = self.containers.pop(component.name)
                settings = (dict(old.env), dict(old.volumes), old._command, dict(old.ports))
                old.get_wrapped_container().remove(force=True, v=True)
                progress(f"replacing {component.name}")
                new = Lab._container(self, component.name, image, hostname=f"airflow-{component.name}")
                new.env, new.volumes, new._command, new.ports = settings[0], settings[1], settings[2], settings[3]
                new.start()
        self.image = image
        host_port = self.containers[components[0].name].get_exposed_port(s.API_PORT)
        self.url = f"http://{s.settings().bind_host}:{host_port}"
        from .client import api_for

        self.api = api_for(self.env.airflow_version, self.url, self.secrets.username, self.secrets.password)
        self._wait_healthy()
        seconds = round(time.monotonic() - began, 2)
        self.roll_outs.append((image, seconds))
        return seconds


def deployed(env: Environment, image: str | None = None, mounts: Sequence[tuple[Path, str]] = ()) -> Deployed:
    """``env`` on an image of its own (a release, or the git image) with extra read-only mounts."""
    if image is not None and env.dags is not None:
        raise LabError("A release image carries its DAGs: start the environment without `dags`.")
    return Deployed(env, image, mounts)


@dataclass(frozen=True)
class PullLoop:
    """A documented stand-in for git-sync (whose image cannot be pulled here): clone, then fetch and hard-reset
    to ``ref`` every ``interval`` seconds. Unlike git-sync it does not swap checkouts atomically."""

    repo_url: str
    ref: str = "main"
    subdir: str | None = None
    interval: int = 5

    #: the sidecar's container (and host) name, what DeployLab prints while it starts, and the log line that
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


def git_pull_loop(
    env: Environment, repo: str | Path, ref: str = "main", subdir: str | None = None, interval: int = 5
) -> Deployed:
    """Airflow 2: DAGs from git the git-sync way: a sidecar pulls into a volume mounted as the DAG folder."""
    if env.dags is not None:
        raise LabError("A git deploy replaces the DAG folder: start the environment without `dags`.")
    path, target = _repository(repo)
    if subdir:  # the volume holds the whole checkout; Airflow reads the DAGs from the subfolder
        env = env.with_config(core__dags_folder=f"{s.DAGS_MOUNT}/{subdir}")
    loop = PullLoop(f"file://{target}", ref, subdir, interval)
    return Deployed(env, s.airflow_git_image(env.airflow_version), [(path, target)], loop)


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
) -> Deployed:
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
    return Deployed(configured, s.airflow_git_image(env.airflow_version), [(path, target)])


@dataclass(frozen=True)
class BucketSource:
    """Where an S3 bundle reads the DAGs (in the environment's moto server) and the folder first uploaded there."""

    bucket: str
    prefix: str
    folder: Path


#: The connection the S3 bundle reads the bucket with: moto's endpoint in the lab network.
DAGS_S3_CONN_ID = "dags_s3"
S3_BUNDLE_CLASS = "airflow.providers.amazon.aws.bundles.s3.S3DagBundle"


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
) -> Deployed:
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
    return Deployed(configured, bucket=BucketSource(bucket, prefix, folder))


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
        script = (Path(__file__).parent / "incontainer" / "bucket_sync.py").read_text()
        return ["python", "-c", script, self.bucket, self.prefix, s.DAGS_MOUNT, str(self.interval)]


def bucket_sync(
    env: Environment, dags: str | Path, bucket: str = "dags", prefix: str = "release", interval: int = 5
) -> Deployed:
    """Airflow 2: DAGs from an S3 bucket (the environment's moto server) the synced-folder way: a sidecar
    syncs the prefix into a volume mounted as the DAG folder. ``dags`` is uploaded before Airflow starts."""
    if interval < 1:
        raise LabError(f"The sync interval must be at least 1 second (got {interval}).")
    with_moto, folder = _with_bucket(env, dags)
    sync = BucketSync(bucket, prefix, interval)
    return Deployed(with_moto, bucket=BucketSource(bucket, prefix, folder), pull_loop=sync)


def bucket_options_need_s3(source: str | None, upload: str | Path | None, sync_interval: int | None) -> None:
    """``--upload`` and ``--sync-interval`` describe a bucket deploy: refuse them with any other ``--dags``."""
    if (upload is not None or sync_interval is not None) and not str(source or "").startswith("s3://"):
        raise LabError("--upload and --sync-interval apply to --dags s3://BUCKET/PREFIX only.")


def dag_source(
    env: Environment, source: str, upload: str | Path | None = None, sync_interval: int | None = None
) -> Deployed:
    """The CLI's ``--dags`` spellings that are not a folder:

    * ``git+file:///path/to/repo@REF`` (REF defaults to ``main``): a ``GitDagBundle`` on Airflow 3, a pull loop
      on Airflow 2;
    * ``s3://BUCKET/PREFIX`` with ``upload`` (the folder the kit uploads there before Airflow starts, the
      environment's moto server starting empty): an ``S3DagBundle`` on Airflow 3 (``sync_interval`` is its
      ``refresh_interval``, default 5 s); on Airflow 2, which has no S3 bundle, ``sync_interval`` is required
      and a sidecar syncs the prefix into the DAG folder that often.
    """
    bucket_options_need_s3(source, upload, sync_interval)
    if source.startswith("s3://"):
        match = S3_SOURCE.match(source)
        if not match:
            raise LabError(
                f"{source!r} is not an S3 DAG source: use s3://BUCKET/PREFIX, e.g. s3://dags/release (a bucket name"
                " of 3-63 lowercase letters, digits, '.' and '-', then a non-empty prefix)."
            )
        bucket, prefix = match["bucket"], match["prefix"]
        if upload is None:
            raise LabError(
                f"--dags {source} needs --upload DIR: the environment's S3 endpoint (moto) starts empty; the kit"
                f" uploads DIR to s3://{bucket}/{prefix}/ before Airflow starts, as a CI `aws s3 sync` step would."
            )
        if sync_interval is not None and sync_interval < 1:
            raise LabError(f"--sync-interval must be at least 1 second (got {sync_interval}).")
        if env.major < 3:
            if sync_interval is None:
                raise LabError(
                    f"Airflow {env.airflow_version} has no S3 DAG bundle. Fix: add --sync-interval SECONDS to have a"
                    f" sidecar sync s3://{bucket}/{prefix}/ into the DAG folder that often (the Airflow 2 pattern),"
                    f" or use --airflow-version {s.AIRFLOW_VERSION}."
                )
            return bucket_sync(env, upload, bucket, prefix, sync_interval)
        return s3_bundle(env, upload, bucket, prefix, refresh_interval=sync_interval or 5)
    match = GIT_SOURCE.match(source)
    if not match:
        raise LabError(
            f"{source!r} is not a DAG source the kit knows: use a folder, git+file:///path/to/repo@REF"
            " or s3://BUCKET/PREFIX (with --upload DIR)."
        )
    if env.major < 3:
        return git_pull_loop(env, match["url"], match["ref"] or "main")
    return git_bundle(env, match["url"], match["ref"] or "main")


def is_remote_source(dags: str | None) -> bool:
    return bool(dags) and str(dags).startswith(("git+", "s3://"))
