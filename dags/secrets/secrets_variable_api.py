"""``Variable.get`` per API on Airflow 3.3: ``default=`` in the task SDK, ``default_var=`` only through the deprecated
``airflow.models.Variable``, and a file backend whose variable is a mapping rather than JSON text.

Demonstrates: the SDK's ``Variable.get(key, default=..., deserialize_json=...)`` refuses the Airflow 2 keyword
``default_var`` with a TypeError; ``airflow.models.Variable.get(key, default_var=...)`` still works in a task, with a
DeprecationWarning; ``LocalFilesystemBackend`` returns a mapping as a dict, and ``deserialize_json=True`` on it
ends in "not found".
Asserted by: labs/secrets/variable_api.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3: the task SDK (the lab runs this DAG on 3.3; imports below keep it parseable on 2.11)
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task

# [START secrets_variable_api]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["secrets"],
)
def secrets_variable_api():
    @task
    def sdk_default() -> None:
        from airflow.sdk import Variable

        print(f"sdk default=: {Variable.get('no_such_key', default='fallback')}")
        try:
            Variable.get("no_such_key", default_var="fallback")  # type: ignore[call-arg]  # noqa: AIR301 (Airflow 2's, on purpose)
        except TypeError as exc:
            print(f"sdk default_var=: TypeError: {exc}")

    @task
    def models_default_var() -> None:
        import warnings

        from airflow.models import Variable  # the Airflow 2 import

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = Variable.get("no_such_key", default_var="fallback")  # noqa: AIR311 (on purpose)
        print(f"models default_var=: {value}")
        print(f"models warning: {[w.category.__name__ for w in caught if 'deprecated' in str(w.message)]}")

    @task
    def file_backend_mapping() -> None:
        from airflow.sdk import Variable

        value = Variable.get("limits_map")  # a mapping in the backend's file
        print(f"file mapping: {type(value).__name__} {value}")
        try:
            Variable.get("limits_map", deserialize_json=True)
        except Exception as exc:  # not the TypeError one might expect: see the lab
            print(f"file mapping deserialize_json=True: {type(exc).__name__}: {exc}")

    sdk_default() >> models_default_var() >> file_backend_mapping()


secrets_variable_api()
# [END secrets_variable_api]
