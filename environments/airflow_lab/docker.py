"""The Docker engine connection, with a clear error when there is none."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from functools import partial
from typing import Any

import docker
import docker.errors

from . import settings as s
from .errors import DockerUnavailable

# Ryuk (testcontainers' reaper) is an image that cannot be pulled everywhere; the kit removes what it
# creates itself, by label, on success, failure and interrupt.
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")


@functools.cache
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:  # docker raises several unrelated types for "no engine"
        raise DockerUnavailable(str(exc).splitlines()[0][:200]) from None
    return client


def labelled(label: str, *more: str) -> dict[str, list]:
    """The containers, networks and volumes carrying ``label`` and every one of ``more`` (``key`` or ``key=value``)."""
    client = docker_client()
    selector = {"label": [label, *more]}
    return {
        "containers": client.containers.list(all=True, filters=selector),
        "networks": client.networks.list(filters=selector),
        "volumes": client.volumes.list(filters=selector),
    }


def remove_labelled(lab_id: str | None = None, session: str | None = None) -> dict[str, int]:
    """Remove containers, networks and volumes the kit created (all labs, one lab, or one session's). Counts."""
    if lab_id:
        found = labelled(f"{s.LABEL}.lab={lab_id}")
    else:
        found = labelled(f"{s.LABEL}.session={session}" if session else f"{s.LABEL}=lab")
    removals: list[Callable[[], Any]] = [partial(c.remove, force=True, v=True) for c in found["containers"]]
    removals += [n.remove for n in found["networks"]] + [partial(v.remove, force=True) for v in found["volumes"]]
    for remove in removals:
        try:
            remove()
        except docker.errors.NotFound:
            pass  # already gone
        except docker.errors.APIError as exc:
            if exc.status_code != 409:  # 409: its removal is already in progress elsewhere
                raise
    return {kind: len(objects) for kind, objects in found.items()}
