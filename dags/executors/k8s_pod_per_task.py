"""One pod per task: per-task CPU, memory and GPU with the KubernetesExecutor, and a KubernetesPodOperator.

Demonstrates: the KubernetesExecutor starts every task instance in its own worker pod built from the
pod template file; ``executor_config={"pod_override": ...}`` changes one task's pod (requests and
limits, a GPU); the ``KubernetesPodOperator`` task ``heavy_train`` runs a container of any image in a
pod of its own, with its own requests and limits.
Asserted by: labs/executors/kubernetes.ipynb.
"""

from __future__ import annotations

import pendulum

# cncf.kubernetes provider 10.x; the module `operators.kubernetes_pod` of older releases is gone
from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
from kubernetes.client import models as k8s

try:  # Airflow 3
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START pod_override]
# The container that runs the task in an executor pod is always called "base".
TRANSFORM_POD = k8s.V1Pod(
    spec=k8s.V1PodSpec(
        containers=[
            k8s.V1Container(
                name="base",
                resources=k8s.V1ResourceRequirements(
                    requests={"cpu": "500m", "memory": "1Gi"},
                    limits={"cpu": "1", "memory": "2Gi"},
                ),
            )
        ]
    )
)

GPU_POD = k8s.V1Pod(
    spec=k8s.V1PodSpec(
        containers=[
            k8s.V1Container(
                name="base",
                resources=k8s.V1ResourceRequirements(
                    requests={"cpu": "1", "memory": "4Gi"},
                    limits={"memory": "8Gi", "nvidia.com/gpu": "1"},
                ),
            )
        ],
        node_selector={"accelerator": "nvidia"},
        tolerations=[k8s.V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")],
    )
)
# [END pod_override]


# [START k8s_pod_per_task]
@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["executors"],
)
def k8s_pod_per_task():
    @task
    def extract() -> int:
        return 42  # the pod template's defaults: no override

    @task(executor_config={"pod_override": TRANSFORM_POD})
    def transform(rows: int) -> int:
        return rows * 2

    @task(executor_config={"pod_override": GPU_POD})
    def score(rows: int) -> int:
        return rows

    # [START heavy_train]
    heavy_train = KubernetesPodOperator(
        task_id="heavy_train",
        name="heavy-train",
        image="python:3.11-slim",
        cmds=["python", "-c"],
        arguments=["print('train...')"],
        container_resources=k8s.V1ResourceRequirements(
            requests={"memory": "2Gi", "cpu": "1"},
            limits={"memory": "4Gi", "cpu": "2"},
        ),
        namespace="airflow",
        labels={"app": "heavy-train"},
        get_logs=True,
    )
    # [END heavy_train]

    rows = extract()
    score(transform(rows)) >> heavy_train


k8s_pod_per_task()
# [END k8s_pod_per_task]
