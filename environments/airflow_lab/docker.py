"""The Docker engine connection, with a clear error when there is none."""

from __future__ import annotations

import functools
import os

import docker

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
