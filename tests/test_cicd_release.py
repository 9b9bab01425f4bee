"""Unit tests of a DAG's task code, the kind a DAG repository runs on every commit (the CI/CD chapter):
no scheduler and no database; the task's Python callable is called directly, and the DAG's shape is read
from the parsed DAG. (``dag.test()`` and ``airflow tasks test`` need a metadata database: the image-deploy
lab runs them inside the lab's containers, against its Postgres.)"""

from __future__ import annotations

from airflow.dag_processing.dagbag import DagBag

from .conftest import PROJECT

RELEASE_DAG = PROJECT / "dags" / "cicd" / "cicd_release.py"


def release_dag():
    bag = DagBag(dag_folder=str(RELEASE_DAG))
    assert bag.import_errors == {}, bag.import_errors
    return bag.dags["cicd_release"]


def test_the_task_returns_and_prints_its_release(capsys):
    task = release_dag().get_task("report_release")
    assert task.python_callable() == "v1"
    assert "running release v1" in capsys.readouterr().out


def test_the_release_is_reported_after_the_pause_without_retries():
    dag = release_dag()
    assert dag.get_task("report_release").upstream_task_ids == {"prepare"}
    assert dag.params["pause_s"] == 0
    assert {t.retries for t in dag.tasks} == {0}
    assert dag.tags == {"cicd"} or list(dag.tags) == ["cicd"]
