"""Shared fixtures. Docker tests fail (never skip) when there is no engine: the message says how to get one."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pytest

# Airflow (imported by the DAG integrity test) reads its home at import time: keep it out of ~/airflow.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-lab-test-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("TESTCONTAINERS_RYUK_DISABLED", "true")
# Everything this test session starts (in-process, through the CLI, in lab kernels) carries this label, so the
# leak checks below see only this session's objects even when someone else uses the same Docker engine.
# With pytest-xdist each worker process gets its own label: workers run labs side by side.
os.environ.setdefault("AIRFLOW_LAB_SESSION", f"pytest-{uuid.uuid4().hex[:8]}")
if worker := os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["AIRFLOW_LAB_SESSION"] = f"{os.environ['AIRFLOW_LAB_SESSION'].split('@')[0]}@{worker}"

PROJECT = Path(__file__).resolve().parent.parent
TEST_DAGS = Path(__file__).resolve().parent / "dags"


def labelled_objects() -> dict[str, list[str]]:
    """The names of every container, network and volume this test session created."""
    from airflow_lab import settings as s
    from airflow_lab.docker import labelled

    mine = f"{s.LABEL}.session={os.environ['AIRFLOW_LAB_SESSION']}"
    return {kind: [o.name for o in objects] for kind, objects in labelled(mine).items()}


@pytest.fixture
def no_leftovers():
    """Asserts that the test left no labelled container, network or volume behind."""
    before = labelled_objects()
    yield
    after = labelled_objects()
    leaked = {kind: sorted(set(after[kind]) - set(before[kind])) for kind in after}
    assert not any(leaked.values()), f"the kit leaked Docker objects: {leaked}"
