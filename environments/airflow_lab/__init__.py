"""airflow-lab: containerized Airflow that a notebook starts, drives and checks."""

from .settings import AIRFLOW_2_VERSION, AIRFLOW_VERSION

__all__ = ["AIRFLOW_2_VERSION", "AIRFLOW_VERSION"]
