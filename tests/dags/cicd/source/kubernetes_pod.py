"""The source material's KubernetesPodOperator snippet (section 1.3) as written, in a DAG (Airflow 2 style)."""

from datetime import datetime

from airflow import DAG
from airflow.providers.cncf.kubernetes.operators.kubernetes_pod import KubernetesPodOperator

with DAG(dag_id="k8s_example", start_date=datetime(2025, 9, 1), schedule=None):
    kpo = KubernetesPodOperator(
        task_id="heavy_train",
        name="heavy-train",
        image="python:3.11-slim",
        cmds=["python", "-c"],
        arguments=["print('train...')"],
        resources={"request_memory": "2Gi", "request_cpu": "1", "limit_memory": "4Gi", "limit_cpu": "2"},
    )
