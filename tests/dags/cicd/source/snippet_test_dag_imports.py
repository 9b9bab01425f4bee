"""The source material's DAG import test (section 4.3, its tests/test_dag_imports.py) as written (Airflow 2 style).

Named so that pytest does not collect it: tests/test_cicd.py runs it and checks how it fails on Airflow 3.
"""

from airflow.models import DagBag


def test_no_import_errors():
    dag_bag = DagBag(dag_folder="dags", include_examples=False)
    assert len(dag_bag.import_errors) == 0, dag_bag.import_errors
