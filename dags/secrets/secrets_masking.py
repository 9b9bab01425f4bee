"""Prints a connection password and sensitive variables in a task, returns one as XCom, templates one.

Demonstrates: what Airflow's secrets masker hides in task logs (connection passwords, variables whose key contains
``token``, ``secret``, ``password``... when at least ``[logging] min_length_masked_secret`` characters long) and
what it does not: a short secret, a value returned as XCom, a value under a name that is not sensitive. The fix
for a value Airflow cannot know is secret is ``mask_secret``.
Asserted by: labs/secrets/masking.ipynb.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.providers.standard.operators.bash import BashOperator
    from airflow.sdk import BaseHook, Variable, dag, task
    from airflow.sdk.log import mask_secret
except ImportError:  # Airflow 2.x
    from airflow.decorators import dag, task
    from airflow.hooks.base import BaseHook
    from airflow.models import Variable
    from airflow.operators.bash import BashOperator
    from airflow.utils.log.secrets_masker import mask_secret

# [START secrets_masking]


@dag(
    schedule=None,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    tags=["secrets"],
)
def secrets_masking():
    @task
    def print_secrets() -> None:
        conn = BaseHook.get_connection("masking_api")
        print(f"connection password: {conn.password}")  # masked: a connection password
        print(f"api token: {Variable.get('masking_api_token')}")  # masked: 'token' is in the key
        print(f"short secret: {Variable.get('masking_pin_secret')}")  # NOT masked: shorter than 5 characters
        print(f"region: {Variable.get('masking_region')}")  # not a secret, not masked

    @task
    def leak_through_xcom() -> str | None:
        # a return value is stored as XCom in the metadata database, in plain text: don't return secrets
        return BaseHook.get_connection("masking_api").password

    @task
    def unnamed_secret() -> None:
        # a secret derived at run time has no name: Airflow cannot know it is one
        print(f"derived: {'sig-' + Variable.get('masking_api_token')[::-1]}")

    @task
    def unnamed_secret_masked() -> None:
        derived = "sig-" + Variable.get("masking_api_token")[::-1]
        mask_secret(derived)  # registered first: from here on, logs show *** in its place
        print(f"derived: {derived}")

    templated_password = BashOperator(
        task_id="templated_password",
        bash_command="echo connecting with {{ conn.masking_api.password }}",
    )

    print_secrets() >> leak_through_xcom() >> unnamed_secret() >> unnamed_secret_masked() >> templated_password


secrets_masking()
# [END secrets_masking]
