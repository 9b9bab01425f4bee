"""The Environment value: what it prints, what it configures, what differs between Airflow 2 and 3."""

from __future__ import annotations

import os

import pytest
from airflow_lab import settings as s
from airflow_lab.docker import docker_client
from airflow_lab.environment import (
    Environment,
    Lab,
    Secrets,
    celery,
    celery_rabbitmq,
    credentials_sql,
    local,
    side_by_side,
)
from airflow_lab.errors import LabError
from airflow_lab.images import airflow_spec, base_image, build
from airflow_lab.types import Executor

from .conftest import PROJECT

#: Run in the Airflow image: which executor class Airflow itself loads from the configuration it is given.
LOADED_EXECUTOR = (
    "from airflow.executors.executor_loader import ExecutorLoader\n"
    "cls, _ = ExecutorLoader.import_default_executor_cls()\n"
    "print(f'{cls.__module__}.{cls.__qualname__}')\n"
)


def test_environment_prints_what_it_is():
    env = local(dags=PROJECT / "dags" / "executors", parallelism=2)
    text = repr(env)
    assert "'local'" in text and "LocalExecutor" in text and s.AIRFLOW_VERSION in text and "parallelism=2" in text


def test_environments_are_values():
    assert local(parallelism=1) == local(parallelism=1)
    assert local(parallelism=1) != local(parallelism=2)
    base = local()
    changed = base.with_config(core__dag_concurrency=3)
    assert base.config == {} and changed.config == {"core__dag_concurrency": "3"}


def test_a_missing_dag_folder_is_reported_up_front(tmp_path):
    with pytest.raises(LabError, match="does not exist"):
        local(dags=tmp_path / "nope")


def test_airflow_3_components_share_a_jwt_secret_and_the_execution_api_url():
    env, secrets_ = local(), Secrets()
    conf = env.airflow_config(secrets_)
    assert [c.name for c in env.components()] == ["api-server", "scheduler", "dag-processor", "triggerer"]
    assert conf["AIRFLOW__API_AUTH__JWT_SECRET"] == secrets_.jwt_secret
    assert conf["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-api-server:8080/execution/"
    assert conf["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


def test_airflow_2_runs_a_webserver_and_a_standalone_dag_processor():
    env = local(airflow_version=s.AIRFLOW_2_VERSION)
    conf = env.airflow_config(Secrets())
    assert env.components()[0].name == "webserver"
    assert conf["AIRFLOW__SCHEDULER__STANDALONE_DAG_PROCESSOR"] == "True"
    assert "AIRFLOW__API_AUTH__JWT_SECRET" not in conf
    # the API user comes with the migrated template; each start gives it this start's password
    assert "UPDATE ab_user" in credentials_sql(env.major, Secrets())
    assert "ab_user" not in credentials_sql(local().major, Secrets())


def test_parallelism_and_config_become_airflow_options():
    conf = local(parallelism=1, scheduler__parsing_processes=1).airflow_config(Secrets())
    assert conf["AIRFLOW__CORE__PARALLELISM"] == "1"
    assert conf["AIRFLOW__SCHEDULER__PARSING_PROCESSES"] == "1"


def test_credentials_are_generated_per_environment_and_hidden_in_repr():
    a, b = Secrets(), Secrets()
    assert a.password != b.password and a.fernet_key != b.fernet_key and a.jwt_secret != b.jwt_secret
    assert a.password not in repr(a)


def test_an_unsupported_airflow_version_or_no_executor_is_refused_when_the_environment_is_made():
    with pytest.raises(LabError, match="needs an executor"):
        Environment("custom", " ")
    assert local().executor is Executor.LOCAL and celery().executor is Executor.CELERY
    with pytest.raises(LabError, match=f"use one of {s.AIRFLOW_VERSION}, {s.AIRFLOW_2_VERSION}"):
        local(airflow_version="3.1")  # before any Docker engine is contacted
    assert local(airflow_version=s.AIRFLOW_2_VERSION).airflow_version.major == 2


def test_environments_are_hashable_keys_that_print_as_before():
    a, b = local(dags=PROJECT / "dags" / "executors"), local(dags="dags/executors")
    assert hash(a) == hash(b) and {a: 1}[b] == 1
    assert hash(a.with_config(core__parallelism=1)) != hash(a)
    assert repr(local(airflow_version=s.AIRFLOW_2_VERSION)) == (
        f"Environment('local', executor=LocalExecutor, airflow={s.AIRFLOW_2_VERSION})"
    )


@pytest.mark.docker
def test_an_executor_the_kit_has_no_helper_for_is_the_one_airflow_loads(no_leftovers):
    # an executor named by its import path (as a custom one is): the kit adds no services for it and passes it on,
    # and Airflow's own loader, in the lab's image and with the environment the kit gives its containers, loads it
    executor = "airflow.providers.cncf.kubernetes.executors.kubernetes_executor.KubernetesExecutor"
    env = Environment("custom", executor)
    assert not env.uses_celery and [c.name for c in env.components()] == [
        "api-server",
        "scheduler",
        "dag-processor",
        "triggerer",
    ]
    base, base_id = base_image()
    loaded = docker_client().containers.run(
        build(airflow_spec(env.airflow_version, base), base_id),
        ["python", "-c", LOADED_EXECUTOR],
        environment=env.airflow_config(Secrets()),
        labels={s.LABEL: "lab", f"{s.LABEL}.session": os.environ["AIRFLOW_LAB_SESSION"]},
        network_disabled=True,
        remove=True,
    )
    assert loaded.decode().split()[-1] == executor


def test_a_celery_environment_adds_a_broker_and_workers_with_their_queues():
    env = celery(workers=["high_io,default", "default"], worker_concurrency=2)
    assert "workers=[high_io,default; default]" in repr(env)
    names = [c.name for c in env.components()]
    assert names == ["api-server", "scheduler", "dag-processor", "triggerer", "worker-1", "worker-2"]
    worker_1 = env.components()[4]
    assert worker_1.command[-4:] == ("--queues", "high_io,default", "--concurrency", "2")
    assert worker_1.ready_log and worker_1.health_key is None
    conf = env.airflow_config(Secrets())
    assert conf["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert conf["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert conf["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")


def test_a_worker_count_means_that_many_default_workers():
    assert [w.queues for w in celery(workers=3).workers] == [("default",)] * 3
    with pytest.raises(LabError, match="at least one worker"):
        celery(workers=0)
    assert local().workers == () and not local().uses_celery


def test_celery_rabbitmq_uses_an_amqp_broker_with_a_generated_password():
    env = celery_rabbitmq(workers=1)
    secrets_ = Secrets()
    assert env.name == "celery-rabbitmq" and "broker=rabbitmq" in repr(env)
    url = env.airflow_config(secrets_)["AIRFLOW__CELERY__BROKER_URL"]
    assert url == f"amqp://airflow:{secrets_.broker_password}@rabbitmq:5672//"
    with pytest.raises(LabError, match="Unknown Celery broker"):
        celery(broker="kafka")


def test_every_environment_gives_airflow_a_connection_to_the_lab_database():
    secrets_ = Secrets()
    for env in (local(), celery(), local(airflow_version=s.AIRFLOW_2_VERSION)):
        uri = env.airflow_config(secrets_)["AIRFLOW_CONN_LAB_POSTGRES"]
        assert uri == f"postgresql://airflow:{secrets_.db_password}@postgres:5432/{s.LAB_DATABASE}"


def test_a_plugins_folder_is_part_of_the_value_and_checked_up_front(tmp_path):
    env = local(plugins=PROJECT / "dags" / "plugins")
    assert "plugins=dags/plugins" in repr(env) and env != local()
    with pytest.raises(LabError, match="plugins folder .* does not exist"):
        local(plugins=tmp_path / "nope")


def test_side_by_side_hands_over_every_lab_in_order_and_stops_them_all(monkeypatch):
    started, stopped = [], []
    monkeypatch.setattr(Lab, "start", lambda lab: started.append(lab.env.parallelism) or lab)
    monkeypatch.setattr(Lab, "stop", lambda lab: stopped.append(lab.env.parallelism))
    with side_by_side(*(local(parallelism=n) for n in (1, 2, 3))) as labs:
        assert [lab.env.parallelism for lab in labs] == [1, 2, 3]
        assert sorted(started) == [1, 2, 3] and stopped == []
    assert sorted(stopped) == [1, 2, 3]


def test_side_by_side_removes_the_others_and_raises_when_one_start_fails(monkeypatch):
    def start(lab):
        if lab.env.parallelism == 2:
            raise LabError("the second start failed")
        return lab

    stopped = []
    monkeypatch.setattr(Lab, "start", start)
    monkeypatch.setattr(Lab, "stop", lambda lab: stopped.append(lab.env.parallelism))
    with pytest.raises(LabError, match="the second start failed"):
        with side_by_side(*(local(parallelism=n) for n in (1, 2, 3))):
            pytest.fail("the body ran although a start failed")
    assert sorted(stopped) == [1, 2, 3]
