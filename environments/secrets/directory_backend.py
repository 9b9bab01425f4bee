"""A custom secrets backend: one file per secret, the way Docker and Kubernetes mount secrets.

    AIRFLOW__SECRETS__BACKEND=directory_backend.DirectorySecretsBackend
    AIRFLOW__SECRETS__BACKEND_KWARGS={"root": "/run/secrets/airflow"}

(the module must be importable by every Airflow component when it loads its configuration: install it, or put
its folder on PYTHONPATH; the plugins folder alone is not on sys.path yet at that moment). The file
``<root>/connections/<conn_id>`` holds a URI or JSON text, ``<root>/variables/<key>`` a variable's value.
Anything missing returns None, so Airflow goes on to environment variables and the metastore.
Runs on Airflow 3.3 and 2.11: labs/secrets/custom_backend.ipynb configures it in Airflow; tests/test_secrets_backends.py
unit-tests it.
"""

from __future__ import annotations

from pathlib import Path

from airflow.secrets import BaseSecretsBackend


# [START directory_backend]
class DirectorySecretsBackend(BaseSecretsBackend):
    def __init__(self, root: str = "/run/secrets/airflow", **kwargs):
        super().__init__(**kwargs)
        self.root = Path(root)

    def _read(self, kind: str, name: str) -> str | None:
        if "/" in name or name.startswith("."):  # an id never walks out of its folder
            return None
        path = self.root / kind / name
        return path.read_text().strip() if path.is_file() else None

    def get_conn_value(self, conn_id: str, team_name: str | None = None) -> str | None:
        return self._read("connections", conn_id)  # a URI or JSON: Airflow parses either

    def get_variable(self, key: str, team_name: str | None = None) -> str | None:
        return self._read("variables", key)


# [END directory_backend]
