"""A stopped lab keeps its environment for the next equal start (AIRFLOW_LAB_REUSE=1), reset as a fresh one."""

from __future__ import annotations

import subprocess
import sys

import pytest
from airflow_lab import reuse
from airflow_lab.docker import labelled
from airflow_lab.environment import celery, local
from airflow_lab.settings import LABEL

from .conftest import PROJECT, TEST_DAGS

QUICK = TEST_DAGS / "quick"


def test_equal_environments_have_one_reuse_key_in_every_process():
    code = (
        "import sys; sys.path.insert(0, 'environments'); from airflow_lab.environment import local;"
        f"print(local(dags={str(QUICK)!r}, parallelism=3).reuse_key)"
    )
    elsewhere = subprocess.run([sys.executable, "-c", code], cwd=PROJECT, capture_output=True, text=True, check=True)
    assert elsewhere.stdout.strip() == local(dags=QUICK, parallelism=3).reuse_key
    assert local(dags=QUICK).reuse_key != local(dags=QUICK, parallelism=3).reuse_key
    assert local(dags=QUICK).reuse_key != local(dags=QUICK).with_env(TZ="UTC").reuse_key


def test_environments_whose_state_a_reset_cannot_restore_are_never_kept():
    assert local(dags=QUICK).not_reusable is None
    assert celery(dags=QUICK).not_reusable is None
    assert "Airflow 2" in local("2.11.2").not_reusable
    assert "secrets" in local().with_secrets("metastore", {"variables": {"a": "b"}}).not_reusable
    assert "metrics" in local().with_metrics().not_reusable


def _objects_of(lab_id: str) -> int:
    return sum(len(found) for found in labelled(f"{LABEL}.lab={lab_id}").values())


def test_a_kept_environment_comes_back_reset_and_anything_else_is_removed(monkeypatch, no_leftovers):
    monkeypatch.setenv("AIRFLOW_LAB_REUSE", "1")
    env = local(dags=QUICK)
    started = []
    try:
        first = env.start(show_progress=False)
        started.append(first)
        first.create_pool("shared_pool", 3)
        first.exec("scheduler", ["airflow", "variables", "set", "left_behind", "1"])
        first.exec("scheduler", ["airflow", "connections", "add", "left_behind", "--conn-uri", "http://example"])
        first.sql("CREATE TABLE left_behind (n int)")  # in the labs' database, as the deadline labs' callbacks do
        assert first.run("quick").state == "success"
        first.stop()
        assert first.not_kept is None and reuse.holds(first.id)
        assert first.leftovers() == {"containers": 0, "networks": 0, "volumes": 0}
        assert _objects_of(first.id) > 0  # kept: the session removes it (conftest's pytest_sessionfinish)

        second = env.start(show_progress=False)
        started.append(second)
        assert second.reused and second.id == first.id and not reuse.holds(first.id)
        # what Airflow records now is what a fresh start records
        assert second.api.get("/dags/~/dagRuns")["total_entries"] == 0
        assert [(p["name"], p["slots"]) for p in second.api.get("/pools")["pools"]] == [("default_pool", 128)]
        assert second.api.get("/variables")["total_entries"] == 0
        assert second.api.get("/connections")["total_entries"] == 0
        assert second.api.get("/dags", paused="false")["total_entries"] == 0
        assert second.sql("SELECT to_regclass('left_behind') IS NULL AS gone")[0]["gone"] == "t"
        result = second.run("quick")
        assert result.state == "success" and [t.try_number for t in result.task_instances] == [1]

        second.kill("triggerer")  # a reset through the REST API would not bring it back
        second.stop()
        assert second.not_kept == "the lab used kill()"
        assert _objects_of(second.id) == 0

        third = env.start(show_progress=False)
        started.append(third)
        assert not third.reused
        third.stop()
        assert reuse.holds(third.id)
        other = env.with_config(core__parallelism=4).start(show_progress=False)  # removes the idle kept one
        started.append(other)
        assert not other.reused and _objects_of(third.id) == 0
        other.stop()
        assert reuse.remove_all() == 1 and _objects_of(other.id) == 0
    finally:
        monkeypatch.delenv("AIRFLOW_LAB_REUSE")  # a failed assertion leaves labs running: remove them
        for lab in started:
            lab.stop()
        reuse.remove_all()


@pytest.mark.parametrize("busy", ["sleeps"])
def test_an_environment_with_a_run_still_going_is_removed_not_kept(monkeypatch, no_leftovers, busy):
    monkeypatch.setenv("AIRFLOW_LAB_REUSE", "1")
    lab = local(dags=TEST_DAGS / "slow").start(show_progress=False)
    try:
        lab.trigger(busy)
        lab.wait_until(lambda: lab.api.get(f"/dags/{busy}/dagRuns", state="running")["total_entries"], "the run")
        lab.stop()
        assert lab.not_kept == "1 DAG run(s) still queued or running"
        assert _objects_of(lab.id) == 0
    finally:
        lab.stop()
        reuse.remove_all()
