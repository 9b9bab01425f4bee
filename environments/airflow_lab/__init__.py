"""airflow-lab: containerized Airflow that a notebook starts, drives and checks."""

import logging

from .settings import AIRFLOW_2_VERSION, AIRFLOW_VERSION

# testcontainers logs "Pulling image …" and "Container started …" at INFO; the kit prints one progress line
# per start instead. Importing Airflow in the same process (a lab that parses a DAG) sends INFO to stdout,
# which would put those lines into a lab's stored output.
logging.getLogger("testcontainers").setLevel(logging.WARNING)

__all__ = ["AIRFLOW_2_VERSION", "AIRFLOW_VERSION"]
