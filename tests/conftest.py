"""Shared fixtures. Docker tests fail (never skip) when there is no engine: the message says how to get one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Airflow (imported by the DAG integrity test) reads its home at import time: keep it out of ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-lab-test-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")

PROJECT = Path(__file__).resolve().parent.parent
TEST_DAGS = Path(__file__).resolve().parent / "dags"


def labelled_objects() -> dict[str, list[str]]:
    """The names of every container, network and volume carrying the kit's label."""
    from airflow_lab import settings as s
    from airflow_lab.docker import labelled

    return {kind: [o.name for o in objects] for kind, objects in labelled(f"{s.LABEL}=lab").items()}


@pytest.fixture
def no_leftovers():
    """Asserts that the test left no labelled container, network or volume behind."""
    before = labelled_objects()
    yield
    after = labelled_objects()
    leaked = {kind: sorted(set(after[kind]) - set(before[kind])) for kind in after}
    assert not any(leaked.values()), f"the kit leaked Docker objects: {leaked}"
