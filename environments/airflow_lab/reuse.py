"""Keeping a stopped lab's environment for the next ``start()`` of an equal one (``AIRFLOW_LAB_REUSE=1``).

A start costs about 10 s of two busy cores (the API server alone builds 825 FastAPI routes); labs of one chapter
often start the same environment one after another. With reuse on, ``Lab.stop()`` puts Airflow's records back as
a fresh start has them (runs, pools, variables, connections; every DAG paused) and, instead of removing the
containers, writes a record here: one JSON file per kept environment, named by ``Environment.reuse_key`` and
kept under the session label, so labs running in other kernels (each notebook has its own) find it. The next
equal start claims the file by renaming it (atomic: one claimant), checks the containers still run and adopts
them. A start of another environment first removes every idle kept one, so a lab never shares the machine with
an idle Airflow. ``remove_all()`` (the test session's end, ``airflow-lab cleanup``) removes what is left.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from . import settings as s
from .credentials import Secrets
from .docker import docker_client, remove_labelled


@dataclass(frozen=True)
class Kept:
    """What a later process needs to adopt a kept environment."""

    key: str
    lab_id: str
    #: the image every Airflow component runs, by its ID: an image rebuilt since is not reused
    image_id: str
    #: container role -> container name
    containers: dict[str, str]
    secrets: dict[str, str]
    #: the default pool's slots as the fresh database had them (the reset puts them back)
    default_pool_slots: int

    def credentials(self) -> Secrets:
        return Secrets(**self.secrets)


def enabled() -> bool:
    return s.settings().reuse


#: One folder per session label under this one: test workers keep their own.
ROOT = Path(tempfile.gettempdir()) / "airflow-lab-kept"


def folder() -> Path:
    """This session's kept environments."""
    return ROOT / (s.settings().session or "default").replace("/", "_")


def forget_all() -> None:
    """Drop every session's records (``airflow-lab cleanup`` has removed every environment they name)."""
    shutil.rmtree(ROOT, ignore_errors=True)


def record(lab_id: str, key: str, image_id: str, containers: dict[str, str], secrets: Secrets, slots: int) -> Kept:
    return Kept(key, lab_id, image_id, dict(containers), asdict(secrets), slots)


def keep(kept: Kept) -> None:
    """Offer ``kept`` to the next equal start (written whole, then renamed into place: never read half-written)."""
    where = folder()
    where.mkdir(parents=True, exist_ok=True)
    partial = where / f".{kept.lab_id}.tmp"
    partial.write_text(json.dumps(asdict(kept)))
    partial.chmod(0o600)  # it holds the environment's passwords
    partial.rename(where / f"{kept.key}.{kept.lab_id}.json")


def holds(lab_id: str) -> bool:
    """Whether ``lab_id``'s environment is kept (idle, waiting for the next equal start)."""
    return any(folder().glob(f"*.{lab_id}.json"))


def _take(offered: Path) -> Kept | None:
    """Claim one offered record (renamed: one claimant) and drop the file; None if another process was first."""
    taken = offered.with_suffix(f".claimed-{os.getpid()}")
    try:
        offered.rename(taken)
    except FileNotFoundError:
        return None
    kept = Kept(**json.loads(taken.read_text()))
    taken.unlink()
    return kept


def claim(key: str, image_id: str) -> Kept | None:
    """Take a kept environment of ``key`` whose containers all still run; None when there is none.

    One that cannot be adopted (a container gone, another image) is removed on the way."""
    for offered in sorted(folder().glob(f"{key}.*.json")):
        kept = _take(offered)
        if kept is None:
            continue
        if kept.image_id == image_id and _all_running(kept):
            return kept
        remove_labelled(lab_id=kept.lab_id)
    return None


def evict() -> int:
    """Remove every idle kept environment of this session; how many there were."""
    removed = 0
    for offered in sorted(folder().glob("*.json")):
        if (kept := _take(offered)) is not None:
            remove_labelled(lab_id=kept.lab_id)
            removed += 1
    return removed


def remove_all() -> int:
    """Remove every kept environment of this session, idle or claimed by a process that is gone; the count."""
    removed = evict()
    for claimed in folder().glob("*.claimed-*"):
        remove_labelled(lab_id=json.loads(claimed.read_text())["lab_id"])
        claimed.unlink(missing_ok=True)
        removed += 1
    try:
        folder().rmdir()
    except OSError:  # not there, or another process keeps one meanwhile
        pass
    return removed


def _all_running(kept: Kept) -> bool:
    client = docker_client()
    try:
        return all(client.containers.get(name).status == "running" for name in kept.containers.values())
    except Exception:  # docker.errors.NotFound: removed meanwhile (airflow-lab cleanup)
        return False


def image_id(image: str) -> str:
    return str(docker_client().images.get(image).id)
