"""The source material's Variable snippet (section 3.2) as written, at the top of a DAG file (Airflow 2 style)."""

from datetime import datetime

from airflow import DAG
from airflow.models import Variable
from airflow.operators.empty import EmptyOperator

bucket = Variable.get("WB_DATASET_BUCKET", default_var="dev-bucket")
# Jinja: {{ var.value.WB_DATASET_BUCKET }}

with DAG(dag_id="uses_variable", start_date=datetime(2025, 9, 1), schedule=None, tags=[bucket]):
    EmptyOperator(task_id="noop")
