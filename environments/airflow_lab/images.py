"""Build and ensure the lab images: one set of Dockerfiles, on a public or a locally built Debian base.

Builds are cached by content: each image is labelled with a hash of its build context, build
arguments and base image, and is rebuilt only when that hash changes.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import docker.errors

from . import settings as s
from . import timings
from .docker import docker_client
from .errors import ImageBuildFailed, LabError
from .progress import done, note, step
from .types import AirflowVersion

HASH_LABEL = f"{s.LABEL}.context-hash"


@dataclass(frozen=True)
class ImageSpec:
    """A Dockerfile folder under ``environments/images`` and what to build from it."""

    name: str  # the tag, e.g. airflow-lab/airflow:3.3.2
    folder: str  # e.g. "airflow"
    build_args: dict[str, str] = field(default_factory=dict)
    extra_files: dict[str, bytes] = field(default_factory=dict)  # generated context files

    def context_files(self) -> dict[str, bytes]:
        files = {p.name: p.read_bytes() for p in sorted((s.IMAGES_DIR / self.folder).iterdir()) if p.is_file()}
        files.update(self.extra_files)
        return files


@functools.cache
def _pip_cert() -> str:
    """pip's configured ``cert``: asked once per process (a subprocess each time made every start slower)."""
    try:
        out = subprocess.run(
            ["pip", "config", "get", "global.cert"], capture_output=True, text=True, check=False, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def ca_bundle_path() -> Path | None:
    """The CA bundle to trust in builds: AIRFLOW_LAB_CA_BUNDLE, else pip's configured ``cert``."""
    configured = s.settings().ca_bundle or os.environ.get("PIP_CERT", "") or _pip_cert()
    if not configured:
        return None
    path = Path(configured)
    if not path.is_file():
        raise LabError(f"The CA bundle {path} (AIRFLOW_LAB_CA_BUNDLE or pip's cert) does not exist.")
    return path


def constraints_file(version: str) -> Path:
    return s.IMAGES_DIR / "airflow" / f"constraints-{version}.txt"


def airflow_spec(version: str, base: str) -> ImageSpec:
    if version not in s.SUPPORTED_AIRFLOW_VERSIONS:
        raise LabError(
            f"Airflow {version} is not one the book supports; use one of {', '.join(s.SUPPORTED_AIRFLOW_VERSIONS)}."
        )
    ca = ca_bundle_path()
    constraints = constraints_file(version)
    return ImageSpec(
        s.airflow_image(version),
        "airflow",
        {"BASE_IMAGE": base, "AIRFLOW_VERSION": version, "AIRFLOW_EXTRAS": s.AIRFLOW_EXTRAS},
        {
            "ca-bundle.crt": ca.read_bytes() if ca else b"",
            "constraints.txt": constraints.read_bytes() if constraints.exists() else b"",
        },
    )


def service_specs(base: str) -> list[ImageSpec]:
    return [
        ImageSpec(s.postgres_image(), "postgres", {"BASE_IMAGE": base}),
        ImageSpec(s.redis_image(), "redis", {"BASE_IMAGE": base}),
        ImageSpec(s.rabbitmq_image(), "rabbitmq", {"BASE_IMAGE": base}),
    ]


def secret_store_specs(base: str) -> list[ImageSpec]:
    """OpenBao and moto, the secrets chapter's stores; pip inside trusts the same CA bundle as Airflow's."""
    ca = ca_bundle_path()
    ca_file = {"ca-bundle.crt": ca.read_bytes() if ca else b""}
    return [
        ImageSpec(s.openbao_image(), "openbao", {"BASE_IMAGE": base, "OPENBAO_VERSION": s.OPENBAO_VERSION}, ca_file),
        ImageSpec(s.moto_image(), "moto", {"BASE_IMAGE": base, "MOTO_VERSION": s.MOTO_VERSION}, ca_file),
    ]


def metrics_spec(base: str) -> ImageSpec:
    """statsd and carbon-cache, the metrics chapter's server; npm inside trusts the same CA bundle as pip's."""
    ca = ca_bundle_path()
    args = {"BASE_IMAGE": base, "STATSD_VERSION": s.STATSD_VERSION}
    return ImageSpec(s.statsd_image(), "statsd", args, {"ca-bundle.crt": ca.read_bytes() if ca else b""})


def airflow_statsd_spec(version: str) -> ImageSpec:
    """Airflow plus the StatsD client: what ``--metrics`` runs Airflow on. A layer on the lab's Airflow image rather
    than a change to it, so labs without metrics keep their image; its base is that Airflow image (built after it by
    ``ensure_images``)."""
    ca = ca_bundle_path()
    return ImageSpec(
        s.airflow_statsd_image(version),
        "airflow-statsd",
        {"AIRFLOW_IMAGE": s.airflow_image(version), "STATSD_CLIENT_VERSION": s.STATSD_CLIENT_VERSION},
        {"ca-bundle.crt": ca.read_bytes() if ca else b""},
    )


def _context_hash(spec: ImageSpec, base_id: str) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps({"args": spec.build_args, "base": base_id}, sort_keys=True).encode())
    for name, data in sorted(spec.context_files().items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()[:16]


def _context_tar(spec: ImageSpec) -> io.BytesIO:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in spec.context_files().items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o755 if name.endswith(".sh") else 0o644
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


def _image_id(name: str) -> str | None:
    try:
        return docker_client().images.get(name).id
    except docker.errors.ImageNotFound:
        return None


def _up_to_date(name: str, wanted: str, quiet: bool) -> str | None:
    """The id of image ``name`` if it carries the context hash ``wanted``."""
    try:
        image = docker_client().images.get(name)
    except docker.errors.ImageNotFound:
        return None
    if image.labels.get(HASH_LABEL) != wanted:
        return None
    if not quiet:
        done(f"{name} is up to date")
    return image.id


def build(spec: ImageSpec, base_id: str, force: bool = False, no_cache: bool = False, quiet: bool = False) -> str:
    """Build ``spec`` unless an image with the same context hash exists. Returns the image id."""
    client = docker_client()
    wanted = _context_hash(spec, base_id)
    if not force and (image_id := _up_to_date(spec.name, wanted, quiet)):
        return image_id
    log: list[str] = []
    began = time.monotonic()
    with step(f"Building {spec.name}") as update:
        stream = client.api.build(
            fileobj=_context_tar(spec),
            custom_context=True,
            tag=spec.name,
            buildargs=spec.build_args,
            labels={s.LABEL: "image", HASH_LABEL: wanted},
            network_mode="host",  # pip and apt reach the package registries the host reaches
            rm=True,
            nocache=no_cache,
            forcerm=True,
            decode=True,
        )
        for chunk in stream:
            if "error" in chunk:
                raise ImageBuildFailed(spec.name, chunk["error"].strip(), log)
            for line in chunk.get("stream", "").splitlines():
                if line.strip():
                    log.append(line)
                    update(line.strip()[:90])
    image_id = _image_id(spec.name)
    if image_id is None:
        raise ImageBuildFailed(spec.name, "the build reported success but the image is missing", log)
    timings.record("build", time.monotonic() - began, image=spec.name)
    return image_id


def local_base(force: bool = False, quiet: bool = False) -> str:
    """A Debian bookworm base built from Debian's packages (debootstrap → docker import)."""
    if not force and (image_id := _image_id(s.LOCAL_BASE_IMAGE)):
        if not quiet:
            done(f"{s.LOCAL_BASE_IMAGE} is present")
        return image_id
    if shutil.which("debootstrap") is None:
        raise LabError(
            "No Debian base image could be pulled and `debootstrap` is not installed to build one locally.\n"
            "Fix: apt-get install -y debootstrap (as root), or set AIRFLOW_LAB_BASE_IMAGE to a Debian bookworm "
            "image the engine already has."
        )
    with tempfile.TemporaryDirectory(prefix="airflow-lab-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        with step(f"Building {s.LOCAL_BASE_IMAGE} from Debian's packages with debootstrap"):
            result = subprocess.run(
                ["debootstrap", "--variant=minbase", "bookworm", str(rootfs), s.settings().debian_mirror],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                tail = (result.stdout + result.stderr).splitlines()
                raise ImageBuildFailed(s.LOCAL_BASE_IMAGE, "debootstrap failed (it must run as root)", tail)
            archive = Path(tmp) / "rootfs.tar"
            subprocess.run(["tar", "-C", str(rootfs), "-cf", str(archive), "."], check=True)
            import_rootfs(archive, s.LOCAL_BASE_IMAGE)
    image_id = _image_id(s.LOCAL_BASE_IMAGE)
    assert image_id, "docker import succeeded but the image is missing"
    return image_id


def import_rootfs(archive: Path, name: str) -> None:
    """``docker import`` of a root file system tarball as image ``name`` (repository:tag)."""
    repository, tag = name.split(":")
    # from a file, not a stream: the engine rejects docker-py's chunked upload of a stream
    docker_client().api.import_image_from_file(
        str(archive), repository=repository, tag=tag, changes=[f"LABEL {s.LABEL}=image", 'CMD ["bash"]']
    )


def base_image(quiet: bool = False) -> tuple[str, str]:
    """Choose the base: (name, image id). See ``Settings.base_image``."""
    choice = s.settings().base_image
    if choice == "local":
        return s.LOCAL_BASE_IMAGE, local_base(quiet=quiet)
    if choice != "auto":
        if (image_id := _image_id(choice)) is None:
            try:
                image_id = docker_client().images.pull(choice).id
            except docker.errors.APIError as exc:
                raise LabError(
                    f"The base image {choice} (AIRFLOW_LAB_BASE_IMAGE) cannot be found or pulled: {exc}"
                ) from None
        return choice, image_id
    for present in (s.PUBLIC_BASE_IMAGE, s.LOCAL_BASE_IMAGE):  # whatever an earlier build settled on
        if image_id := _image_id(present):
            return present, image_id
    try:
        with step(f"Pulling {s.PUBLIC_BASE_IMAGE}"):
            return s.PUBLIC_BASE_IMAGE, docker_client().images.pull(s.PUBLIC_BASE_IMAGE).id
    except docker.errors.APIError:
        note(f"{s.PUBLIC_BASE_IMAGE} cannot be pulled here: building a local Debian base instead")
        return s.LOCAL_BASE_IMAGE, local_base()


#: Images this process has built or found up to date, by (name, context hash): checked once per process.
_CHECKED: dict[tuple[str, str], str] = {}


def ensure_images(
    airflow_versions: tuple[str, ...] = (s.AIRFLOW_VERSION,),
    force: bool = False,
    secret_stores: bool = True,
    brokers: bool = True,
    quiet: bool = False,
    metrics: bool = True,
) -> dict[str, str]:
    """Build whatever is missing or out of date; returns {image name: image id}.

    ``secret_stores=False`` skips OpenBao and moto, ``brokers=False`` Redis and RabbitMQ, ``metrics=False`` the
    statsd server (a lab start that needs none of them). ``quiet`` prints only what is built, not what is up to
    date (a lab start). What was checked once in this process is not checked again.
    """
    base, base_id = base_image(quiet=quiet)
    built: dict[str, str] = {}
    for spec in _specs(base, airflow_versions, secret_stores=secret_stores, brokers=brokers, metrics=metrics):
        key = (spec.name, _context_hash(spec, base_id))
        if force or key not in _CHECKED:
            _CHECKED[key] = build(spec, base_id, force=force, quiet=quiet)
        built[spec.name] = _CHECKED[key]
    for version in airflow_versions:
        name = s.metadata_db_image(version)
        key = (name, _template_hash(built[s.postgres_image()], built[s.airflow_image(version)], version))
        if force or key not in _CHECKED:
            _CHECKED[key] = metadata_db_template(version, key[1], force=force, quiet=quiet)
        built[name] = _CHECKED[key]
    for version in airflow_versions if metrics else ():  # on the Airflow image: built after it
        spec = airflow_statsd_spec(version)
        key = (spec.name, _context_hash(spec, built[s.airflow_image(version)]))
        if force or key not in _CHECKED:
            _CHECKED[key] = build(spec, built[s.airflow_image(version)], force=force, quiet=quiet)
        built[spec.name] = _CHECKED[key]
    return built


def _specs(
    base: str,
    airflow_versions: tuple[str, ...],
    secret_stores: bool = True,
    brokers: bool = True,
    metrics: bool = True,
) -> list[ImageSpec]:
    """The images built on ``base``: Postgres, the brokers, the secrets stores' and metrics servers, Airflow per
    version."""
    specs = service_specs(base)
    if not brokers:
        specs = [spec for spec in specs if spec.folder == "postgres"]
    specs += secret_store_specs(base) if secret_stores else []
    specs += [metrics_spec(base)] if metrics else []
    return specs + [airflow_spec(v, base) for v in airflow_versions]


def image_state(airflow_versions: tuple[str, ...]) -> dict[str, bool | None]:
    """Every image the labs use: True built from this checkout's recipes, False present but out of date, None
    missing. Builds and pulls nothing (``airflow-lab doctor``, ``images --save``)."""
    choice = s.settings().base_image
    candidates = {"auto": (s.PUBLIC_BASE_IMAGE, s.LOCAL_BASE_IMAGE), "local": (s.LOCAL_BASE_IMAGE,)}.get(
        choice, (choice,)
    )
    base = next(((name, image_id) for name in candidates if (image_id := _image_id(name))), None)
    state: dict[str, bool | None] = {}
    ids: dict[str, str] = {}
    for spec in _specs(base[0] if base else s.LOCAL_BASE_IMAGE, airflow_versions):
        image_id = _image_id(spec.name)
        if image_id is None or base is None:
            state[spec.name] = None if image_id is None else False
            continue
        ids[spec.name] = image_id
        state[spec.name] = _up_to_date(spec.name, _context_hash(spec, base[1]), quiet=True) is not None
    for version in airflow_versions:
        name = s.metadata_db_image(version)
        if _image_id(name) is None:
            state[name] = None
        elif s.postgres_image() in ids and s.airflow_image(version) in ids:
            wanted = _template_hash(ids[s.postgres_image()], ids[s.airflow_image(version)], version)
            state[name] = _up_to_date(name, wanted, quiet=True) is not None
        else:
            state[name] = False
    for version in airflow_versions:  # the --metrics layer, on that version's Airflow image
        spec = airflow_statsd_spec(version)
        if _image_id(spec.name) is None:
            state[spec.name] = None
        elif s.airflow_image(version) in ids:
            state[spec.name] = (
                _up_to_date(spec.name, _context_hash(spec, ids[s.airflow_image(version)]), True) is not None
            )
        else:
            state[spec.name] = False
    return state


def _template_command(version: str) -> str:
    """What makes the template: Airflow's own migration (and, on Airflow 2, the API user the kit logs in as)."""
    script = "airflow db migrate"
    if AirflowVersion(version).major < 3:
        script += (
            f" && airflow users create --role Admin --username {s.TEMPLATE_API_USER} --password"
            f" {s.TEMPLATE_DB_PASSWORD} --email lab@example.invalid --firstname Lab --lastname User"
        )
    return script


def _template_hash(postgres_id: str, airflow_id: str, version: str) -> str:
    recipe = [postgres_id, airflow_id, _template_command(version), s.LAB_DATABASE, s.TEMPLATE_FERNET_KEY]
    return hashlib.sha256("\0".join(recipe).encode()).hexdigest()[:16]


def metadata_db_template(version: str, wanted: str, force: bool = False, quiet: bool = False) -> str:
    """Postgres with Airflow ``version``'s metadata database migrated: an image a start runs instead of migrating.

    Made once per Airflow version (and again when the Postgres or Airflow image changes): Postgres and
    ``airflow db migrate`` run on a network of their own, Postgres shuts down cleanly, and the stopped container
    is committed. The data folder is in the image's own layer (the Postgres image declares no volume).
    """
    name = s.metadata_db_image(version)
    if not force and (image_id := _up_to_date(name, wanted, quiet)):
        return image_id
    client = docker_client()
    build_id = f"template-{uuid.uuid4().hex[:8]}"
    labels = s.labels("metadata-db-template", lab=build_id)
    began = time.monotonic()
    network = client.networks.create(f"airflow-lab-{build_id}", labels=labels)
    containers = []
    try:
        with step(f"Building {name} (airflow db migrate)") as update:
            postgres = client.containers.run(
                s.postgres_image(),
                ["postgres", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"],
                name=f"airflow-lab-{build_id}-postgres",
                environment={"POSTGRES_USER": "airflow", "POSTGRES_PASSWORD": s.TEMPLATE_DB_PASSWORD},
                network=network.name,
                labels=labels,
                detach=True,
            )
            containers.append(postgres)
            _wait_for_exec(postgres, ["pg_isready", "-h", "127.0.0.1", "-U", "airflow"], update)
            created = postgres.exec_run(["createdb", "-U", "airflow", s.LAB_DATABASE])
            if created.exit_code != 0:
                raise ImageBuildFailed(name, "createdb failed", created.output.decode().splitlines())
            update("airflow db migrate")
            migrate = client.containers.run(
                s.airflow_image(version),
                ["bash", "-c", _template_command(version)],
                name=f"airflow-lab-{build_id}-migrate",
                environment={
                    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": (
                        f"postgresql+psycopg2://airflow:{s.TEMPLATE_DB_PASSWORD}@{postgres.name}:{s.POSTGRES_PORT}"
                        "/airflow"
                    ),
                    "AIRFLOW__CORE__FERNET_KEY": s.TEMPLATE_FERNET_KEY,
                    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                },
                network=network.name,
                labels=labels,
                detach=True,
            )
            containers.append(migrate)
            if migrate.wait(timeout=600)["StatusCode"] != 0:
                tail = migrate.logs(tail=40).decode(errors="replace").splitlines()
                raise ImageBuildFailed(name, "airflow db migrate failed", tail)
            postgres.stop(timeout=60)  # a clean shutdown: the last checkpoint writes everything to the layer
            repository, tag = name.split(":")
            # the build's labels would pass to every container made from the image: blank them out
            blank = " ".join(f'{key}=""' for key in labels if key != s.LABEL)
            postgres.commit(repository, tag, changes=[f"LABEL {s.LABEL}=image {HASH_LABEL}={wanted} {blank}"])
    finally:
        for container in containers:
            container.remove(force=True, v=True)
        network.remove()
    image_id = _image_id(name)
    if image_id is None:
        raise ImageBuildFailed(name, "the commit reported success but the image is missing", [])
    timings.record("build", time.monotonic() - began, image=name)
    return image_id


def _wait_for_exec(container: object, command: list[str], update: object, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while container.exec_run(command).exit_code != 0:  # type: ignore[attr-defined]
        if time.monotonic() > deadline:
            raise ImageBuildFailed(str(command), f"not ready after {timeout:.0f} s", [])
        update("waiting for Postgres")  # type: ignore[operator]
        time.sleep(0.2)


def refresh_constraints(version: str) -> Path:
    """Rebuild the Airflow image with only ``CONSTRAINT_OVERRIDES`` and write its ``pip freeze`` as the pins."""
    path = constraints_file(version)
    path.write_text("\n".join(s.CONSTRAINT_OVERRIDES) + "\n")  # the only pins of the unpinned build
    base, base_id = base_image()
    image = build(airflow_spec(version, base), base_id, force=True)
    frozen = (
        docker_client()
        .containers.run(image, ["pip", "freeze", "--exclude-editable"], remove=True, labels={s.LABEL: "constraints"})
        .decode()
    )
    pins = sorted(line for line in frozen.splitlines() if "==" in line and not line.startswith("apache-airflow=="))
    header = f"# pip freeze of {s.airflow_image(version)}: regenerate with `airflow-lab images --refresh-constraints`\n"
    path.write_text(header + "\n".join(pins) + "\n")
    # the pins changed the context hash: build once more so the cached image matches the committed file
    build(airflow_spec(version, base), base_id)
    return path
