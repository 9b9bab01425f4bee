"""The values an environment is made of, each checked when it is made.

A bad value fails here, with the allowed ones named, before any Docker engine is contacted: the
Airflow version is parsed once into ``AirflowVersion`` and everything below reads ``.major``; the
executor, the Celery broker and the secrets backend are enums, so a misspelling cannot travel far.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from . import settings as s
from .errors import LabError


class AirflowVersion(str):
    """A supported Airflow version, e.g. ``AirflowVersion("3.3.2").major == 3``.

    A ``str`` (it prints, compares and serialises as the version it was made from), parsed and checked once.
    """

    major: int
    minor: int

    def __new__(cls, value: str) -> AirflowVersion:
        if isinstance(value, AirflowVersion):
            return value
        text = str(value)
        match = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", text)
        if not match or text not in s.SUPPORTED_AIRFLOW_VERSIONS:
            raise LabError(
                f"Airflow {text!r} is not a version the kit has images for: use one of "
                f"{', '.join(s.SUPPORTED_AIRFLOW_VERSIONS)} (settings.SUPPORTED_AIRFLOW_VERSIONS)."
            )
        version = super().__new__(cls, text)
        version.major, version.minor = int(match[1]), int(match[2])
        return version

    def __repr__(self) -> str:
        return str.__repr__(self)


class _Choice(str, Enum):
    """An enum whose members are their string values: they print, compare and serialise as those."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    @classmethod
    def parse(cls, value: str, what: str) -> _Choice:
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(repr(m.value) for m in cls)
            raise LabError(f"Unknown {what} {value!r}: use one of {allowed}.") from None


class Executor(_Choice):
    LOCAL = "LocalExecutor"
    CELERY = "CeleryExecutor"


class Broker(_Choice):
    """The Celery broker: Redis (the default) or RabbitMQ."""

    REDIS = "redis"
    RABBITMQ = "rabbitmq"


class SecretsBackend(_Choice):
    """Where an environment's Connections and Variables live (``secrets.stores.STORES`` says how each works)."""

    METASTORE = "metastore"
    ENV = "env"
    FILE = "file"
    VAULT = "vault"
    AWS = "aws"
    SSM = "ssm"


def executor(value: str | Executor) -> Executor | str:
    """An executor the kit has helpers for (an ``Executor``: Celery gets a broker and workers), else Airflow's own
    to load, by core name or import path (``Environment("custom", "pkg.module.MyExecutor")``)."""
    try:
        return Executor(value)
    except ValueError:
        pass
    if not str(value).strip():
        raise LabError(
            "An environment needs an executor: 'LocalExecutor', 'CeleryExecutor', or the import path of another."
        )
    return str(value)


def broker(value: str | Broker) -> Broker:
    return Broker(Broker.parse(value, "Celery broker"))


def secrets_backend(value: str | SecretsBackend) -> SecretsBackend:
    return SecretsBackend(SecretsBackend.parse(value, "secrets backend"))


class FaultAction(_Choice):
    """What a fault does to a component's container: SIGKILL it (it stays down), or restart it."""

    KILL = "kill"
    RESTART = "restart"


@dataclass(frozen=True)
class Fault:
    """``action`` on ``component`` (as ``airflow-lab up`` names it: ``postgres``, ``airflow-scheduler-2``) ``at``
    seconds after the run was triggered. ``Fault.parse("airflow-worker-1@10", "kill")`` reads the CLI's form."""

    component: str
    action: FaultAction
    at: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "action", FaultAction(FaultAction.parse(self.action, "fault action")))
        if not self.component:
            raise LabError("A fault needs a component, e.g. airflow-scheduler-1@10.")
        if not 0 <= self.at <= 24 * 3600:
            raise LabError(
                f"A fault's time is seconds after the trigger, from 0: got {self.at} for {self.component}"
                " (e.g. airflow-scheduler-1@10)."
            )

    @classmethod
    def parse(cls, text: str, action: str | FaultAction) -> Fault:
        component, sep, seconds = text.rpartition("@")
        try:
            at = float(seconds)
        except ValueError:
            at = -1.0
        if not sep or not component or at < 0:
            raise LabError(
                f"--{action} expects COMPONENT@SECONDS, e.g. airflow-scheduler-1@10 (SECONDS after the trigger), "
                f"got {text!r}."
            )
        return cls(component, FaultAction(FaultAction.parse(action, "fault action")), at)

    def __str__(self) -> str:
        return f"{self.action} {self.component}@{self.at:g}"
