"""The Kubernetes part of the kit: which mode runs, pod validation, and pods rendered by Airflow's own code."""

from __future__ import annotations

import copy

import pytest
from airflow_lab import kubernetes

from .conftest import PROJECT


def pod(**container):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "airflow"},
        "spec": {"containers": [{"name": "base", "image": "python:3.11-slim", **container}]},
    }


def test_a_valid_pod_has_no_problems():
    assert kubernetes.validate(pod(resources={"requests": {"cpu": "1"}, "limits": {"cpu": "2", "memory": "1Gi"}})) == []


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        ({"ports": [{"containerPort": "8080"}]}, "is not of type 'integer'"),  # a string where an int is required
        ({"resources": {"limit": {"cpu": "1"}}}, "'limit' was unexpected"),  # strict: unknown fields fail
        ({"resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "1Gi"}}}, "below its request"),
        ({"resources": {"limits": {"cpu": "one"}}}, "is not a quantity"),
    ],
)
def test_validation_finds_what_the_api_server_would_reject(container, expected):
    problems = kubernetes.validate(pod(**container))
    assert any(expected in p for p in problems), problems


def test_a_pod_without_containers_is_invalid():
    broken = copy.deepcopy(pod())
    del broken["spec"]["containers"]
    assert kubernetes.validate(broken)


def test_without_a_kubeconfig_the_mode_is_render_and_says_nothing_ran(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    monkeypatch.setenv("HOME", str(tmp_path))
    mode = kubernetes.detect_mode()
    assert not mode.cluster
    assert str(mode).startswith("MODE: render") and "nothing below was executed in a cluster" in str(mode)


def test_an_unreachable_cluster_is_render_mode(tmp_path, monkeypatch):
    kubeconfig = tmp_path / "config"
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://127.0.0.1:1'}}]\n"
        "contexts: [{name: c, context: {cluster: k, user: u}}]\nusers: [{name: u, user: {token: t}}]\n"
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    mode = kubernetes.detect_mode(timeout=2)
    assert mode.name == "render" and str(kubeconfig) in mode.reason


def test_the_quoted_config_uses_the_current_section_name():
    config = kubernetes.airflow_env()
    assert config["AIRFLOW__CORE__EXECUTOR"] == "KubernetesExecutor"
    assert not [k for k in config if k.startswith("AIRFLOW__KUBERNETES__")], "[kubernetes] is ignored on Airflow 3"
    assert config["AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE"] == "airflow"


def test_airflow_3_ignores_the_old_kubernetes_section(monkeypatch):
    """The chapter's verdict: on 3.3 `AIRFLOW__KUBERNETES__NAMESPACE` no longer reaches the executor."""
    from airflow.configuration import conf

    monkeypatch.setenv("AIRFLOW__KUBERNETES__NAMESPACE", "airflow")
    assert conf.get("kubernetes_executor", "namespace") == "default"
    monkeypatch.setenv("AIRFLOW__KUBERNETES_EXECUTOR__NAMESPACE", "airflow")
    assert conf.get("kubernetes_executor", "namespace") == "airflow"


@pytest.mark.docker
def test_render_gives_every_task_a_valid_pod_and_leaves_nothing(no_leftovers):
    pods = kubernetes.render_pods(PROJECT / "dags" / "executors", "k8s_pod_per_task")
    kinds = sorted((p.kind, p.task_id) for p in pods)
    assert kinds == [
        ("executor", "extract"),
        ("executor", "heavy_train"),
        ("executor", "score"),
        ("executor", "transform"),
        ("operator", "heavy_train"),
    ]
    assert {p.spec["metadata"]["namespace"] for p in pods} == {"airflow"}
    assert all(kubernetes.validate(p.spec) == [] for p in pods)
    assert kubernetes.leftovers() == {"containers": 0, "networks": 0, "volumes": 0}


def test_the_quoted_executor_config_names_the_kits_image():
    from airflow_lab import settings as s
    from airflow_lab.kubernetes import airflow_env

    env = airflow_env()
    image = (
        f"{env['AIRFLOW__KUBERNETES_EXECUTOR__WORKER_CONTAINER_REPOSITORY']}:"
        + (env["AIRFLOW__KUBERNETES_EXECUTOR__WORKER_CONTAINER_TAG"])
    )
    assert image == s.airflow_image()
