"""For a room of laptops: ``airflow-lab doctor`` (is this machine ready?) and ``images --save/--load`` (carry the
images on a stick to machines with no registry or a slow network).

``doctor`` checks, in order: the Docker engine, CPUs, memory, disk, loopback ports, the lab images (present and
built from this checkout's recipes) and the CA bundle. Each line says what to fix; exit 1 when something blocks.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from . import images
from . import settings as s
from .docker import docker_client
from .errors import LabError

GB = 1024**3


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    #: what to do about it; empty when ok
    fix: str = ""
    #: a failed blocking check makes ``doctor`` exit 1; a non-blocking one is a warning
    blocking: bool = True

    def line(self) -> str:
        mark = "ok  " if self.ok else ("FAIL" if self.blocking else "warn")
        text = f"{mark} {self.name}: {self.detail}"
        return text + (f"\n       fix: {self.fix}" if self.fix and not self.ok else "")


def _engine() -> tuple[Check, dict | None]:
    try:
        info = docker_client().info()
    except LabError as exc:
        first = str(exc).splitlines()[0]
        return Check("docker engine", False, first, "start the Docker engine (dockerd, Docker Desktop) and retry"), None
    return Check("docker engine", True, f"Docker {info.get('ServerVersion', '?')} answers"), info


def _cpus(info: dict | None) -> Check:
    cpus = (info or {}).get("NCPU") or os.cpu_count() or 1
    ok = cpus >= s.WORKSHOP_MIN_CPUS
    return Check(
        "CPUs",
        ok,
        f"{cpus} for containers (the labs were measured on {s.WORKSHOP_MIN_CPUS})",
        f"give Docker at least {s.WORKSHOP_MIN_CPUS} CPUs (Docker Desktop: Settings > Resources)",
        blocking=False,
    )


def _memory(info: dict | None, need_mb: int) -> Check:
    total = (info or {}).get("MemTotal") or os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    ok = total >= need_mb * 1024**2
    return Check(
        "memory",
        ok,
        f"{total / GB:.1f} GB for containers; the largest planned environment needs {need_mb / 1024:.1f} GB",
        f"give Docker at least {need_mb / 1024:.1f} GB, or plan only `local` labs",
    )


def _disk(info: dict | None, missing: bool) -> Check:
    root = (info or {}).get("DockerRootDir") or "/var/lib/docker"
    need = s.WORKSHOP_DISK_GB_WITH_IMAGES if missing else s.WORKSHOP_DISK_GB_HEADROOM
    if not Path(root).exists():  # Docker Desktop keeps it inside its VM: not measurable from here
        return Check("disk", True, f"{root} is not on this file system (a VM): not checked", blocking=False)
    free = shutil.disk_usage(root).free / GB
    return Check(
        "disk",
        free >= need,
        f"{free:.1f} GB free at {root}; needs {need} GB" + (" (images still to load or build)" if missing else ""),
        "free disk space (docker system prune removes unused images of other projects)",
    )


def _ports() -> Check:
    host = s.settings().bind_host
    try:
        with socket.socket() as sock:
            sock.bind((host, 0))
    except OSError as exc:
        return Check("ports", False, f"cannot bind a port on {host}: {exc}", "check AIRFLOW_LAB_BIND_HOST")
    busy = []
    for port in s.COMPOSE_PORTS:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                busy.append(port)
    if busy:
        return Check(
            "ports",
            False,
            f"labs use random ports on {host} (fine); the compose files' {busy} are taken",
            "stop what listens there before the compose section",
            blocking=False,
        )
    return Check("ports", True, f"random ports on {host} bind; the compose files' {list(s.COMPOSE_PORTS)} are free")


def _images(versions: tuple[str, ...]) -> Check:
    state = images.image_state(versions)
    missing = [name for name, current in state.items() if current is None]
    stale = [name for name, current in state.items() if current is False]
    if not missing and not stale:
        return Check("images", True, f"all {len(state)} present and built from this checkout's recipes")
    parts = [f"missing: {', '.join(missing)}"] if missing else []
    parts += [f"out of date: {', '.join(stale)}"] if stale else []
    return Check(
        "images",
        False,
        "; ".join(parts),
        "make images (needs the package registries), or airflow-lab images --load FILE",
    )


def _ca_bundle() -> Check:
    try:
        path = images.ca_bundle_path()
    except LabError as exc:
        return Check("CA bundle", False, str(exc), "point AIRFLOW_LAB_CA_BUNDLE (or pip's cert) at an existing file")
    if path is None:
        return Check("CA bundle", True, "none configured (builds trust the public CAs)")
    return Check("CA bundle", True, f"builds trust {path}")


def doctor(env: str = "celery-rabbitmq", versions: tuple[str, ...] = s.SUPPORTED_AIRFLOW_VERSIONS) -> list[Check]:
    engine, info = _engine()
    checks = [engine, _cpus(info), _memory(info, s.WORKSHOP_MEMORY_MB[env]), _ports(), _ca_bundle()]
    if info is not None:
        image_check = _images(versions)
        checks.insert(3, _disk(info, missing=not image_check.ok))
        checks.append(image_check)
    return checks


def save_images(path: Path, versions: tuple[str, ...]) -> dict[str, object]:
    """``docker save`` every image the labs use into one tar (``.gz``: compressed), for ``--load`` elsewhere."""
    state = images.image_state(versions)
    absent = [name for name, current in state.items() if not current]
    if absent:
        raise LabError(f"Not saved: these images are missing or out of date: {', '.join(absent)}. Fix: make images.")
    return write_archive(sorted(state), path)


def write_archive(names: list[str], path: Path) -> dict[str, object]:
    """``docker save`` ``names`` into ``path``; gzip-compressed (fastest level) when it ends with ``.gz``."""
    began = time.monotonic()
    if path.suffix == ".gz":
        with path.open("wb") as out:
            save = subprocess.Popen(["docker", "save", *names], stdout=subprocess.PIPE)
            gzip = subprocess.run(["gzip", "-1"], stdin=save.stdout, stdout=out, check=False)
            if save.wait() != 0 or gzip.returncode != 0:
                raise LabError(f"docker save | gzip into {path} failed")
    else:
        subprocess.run(["docker", "save", "-o", str(path), *names], check=True)
    return {
        "file": str(path),
        "images": names,
        "bytes": path.stat().st_size,
        "seconds": round(time.monotonic() - began, 1),
    }


def load_images(path: Path) -> dict[str, object]:
    """``docker load`` a file that ``--save`` wrote (plain or gzip: docker load reads both)."""
    if not path.is_file():
        raise LabError(f"{path} does not exist. Fix: give the file `airflow-lab images --save FILE` wrote.")
    began = time.monotonic()
    out = subprocess.run(["docker", "load", "-i", str(path)], capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise LabError(f"docker load -i {path} failed: {out.stderr.strip()[-500:]}")
    loaded = [line.split(":", 1)[1].strip() for line in out.stdout.splitlines() if line.startswith("Loaded image")]
    return {"file": str(path), "images": loaded, "seconds": round(time.monotonic() - began, 1)}


def add_parser(sub) -> None:  # type: ignore[no-untyped-def]
    p = sub.add_parser("doctor", help="is this machine ready for the labs? (engine, CPUs, memory, disk, images)")
    p.add_argument(
        "--env",
        choices=sorted(s.WORKSHOP_MEMORY_MB),
        default="celery-rabbitmq",
        help="the largest environment the planned labs start (default: the largest of all)",
    )
    p.add_argument("--airflow-version", action="append", choices=s.SUPPORTED_AIRFLOW_VERSIONS, help="default: all")
    p.add_argument("--json", action="store_true", help="print the checks as one JSON object")


def cmd_doctor(args) -> int:  # type: ignore[no-untyped-def]
    checks = doctor(args.env, tuple(args.airflow_version or s.SUPPORTED_AIRFLOW_VERSIONS))
    blocked = any(not c.ok and c.blocking for c in checks)
    if args.json:
        print(json.dumps({"ready": not blocked, "checks": [asdict(c) for c in checks]}, indent=1))
    else:
        for check in checks:
            print(check.line())
        print("ready for the labs" if not blocked else "not ready: fix the FAIL lines above", file=sys.stderr)
    return 1 if blocked else 0
