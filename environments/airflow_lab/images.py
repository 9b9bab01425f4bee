"""Build and ensure the lab images: one set of Dockerfiles, on a public or a locally built Debian base.

Builds are cached by content: each image is labelled with a hash of its build context, build
arguments and base image, and is rebuilt only when that hash changes.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import settings as s
from .docker import docker_client
from .errors import ImageBuildFailed, LabError
from .progress import done, note, step

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


def ca_bundle_path() -> Path | None:
    """The CA bundle to trust in builds: AIRFLOW_LAB_CA_BUNDLE, else pip's configured ``cert``."""
    configured = s.settings().ca_bundle or os.environ.get("PIP_CERT", "")
    if not configured:
        try:
            out = subprocess.run(
                ["pip", "config", "get", "global.cert"], capture_output=True, text=True, check=False, timeout=20
            )
            configured = out.stdout.strip() if out.returncode == 0 else ""
        except (OSError, subprocess.TimeoutExpired):
            configured = ""
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
    import docker.errors

    try:
        return docker_client().images.get(name).id
    except docker.errors.ImageNotFound:
        return None


def build(spec: ImageSpec, base_id: str, force: bool = False, no_cache: bool = False) -> str:
    """Build ``spec`` unless an image with the same context hash exists. Returns the image id."""
    client = docker_client()
    wanted = _context_hash(spec, base_id)
    if not force and (image_id := _image_id(spec.name)):
        if client.images.get(spec.name).labels.get(HASH_LABEL) == wanted:
            done(f"{spec.name} is up to date")
            return image_id
    log: list[str] = []
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
    return image_id


def local_base(force: bool = False) -> str:
    """A Debian bookworm base built from Debian's packages (debootstrap → docker import)."""
    if not force and (image_id := _image_id(s.LOCAL_BASE_IMAGE)):
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


def base_image() -> tuple[str, str]:
    """Choose the base: (name, image id). See ``Settings.base_image``."""
    import docker.errors

    choice = s.settings().base_image
    if choice == "local":
        return s.LOCAL_BASE_IMAGE, local_base()
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


def ensure_images(
    airflow_versions: tuple[str, ...] = (s.AIRFLOW_VERSION,), force: bool = False, secret_stores: bool = True
) -> dict[str, str]:
    """Build whatever is missing or out of date; returns {image name: image id}.

    ``secret_stores=False`` skips OpenBao and moto (a lab start that needs neither).
    """
    base, base_id = base_image()
    specs = service_specs(base) + (secret_store_specs(base) if secret_stores else [])
    specs += [airflow_spec(v, base) for v in airflow_versions]
    return {spec.name: build(spec, base_id, force=force) for spec in specs}


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
