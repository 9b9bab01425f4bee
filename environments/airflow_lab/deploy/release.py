"""Images the deploys run on: a release (the lab's Airflow image with DAGs copied in, one tag per release) and
the git image (Airflow plus git and, on Airflow 3, the git provider)."""

from __future__ import annotations

import re
from pathlib import Path

import docker.errors

from .. import settings as s
from ..docker import docker_client
from ..errors import LabError
from ..images import ImageSpec, airflow_spec, base_image, build
from ..types import AirflowVersion


def _airflow_base(airflow_version: str) -> str:
    """Ensure the lab's Airflow image; return its id (the base of the derived images)."""
    base, base_id = base_image()
    return build(airflow_spec(airflow_version, base), base_id)


def release_image(dags: str | Path, tag: str, airflow_version: str = s.AIRFLOW_VERSION) -> str:
    """Build a release: the lab's Airflow image with ``dags`` copied into its DAG folder. Returns the image name."""
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
    version = AirflowVersion(airflow_version)
    lab_spec = airflow_spec(version, "unused")  # only for its CA bundle and constraints
    spec = ImageSpec(
        s.airflow_git_image(version),
        "airflow-git",
        {"AIRFLOW_IMAGE": s.airflow_image(version), "AIRFLOW_MAJOR": str(version.major)},
        {name: lab_spec.extra_files[name] for name in ("ca-bundle.crt", "constraints.txt")},
    )
    build(spec, _airflow_base(version))
    return spec.name


def remove_release_images() -> list[str]:
    """Remove every release image the labs built (the lab Airflow images stay)."""
    removed = []
    for image in docker_client().images.list(name=s.RELEASE_REPOSITORY):
        for tag in image.tags:
            try:
                docker_client().images.remove(tag, force=True)
                removed.append(tag)
            except docker.errors.APIError:
                pass
    return removed
