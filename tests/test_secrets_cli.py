"""`airflow-lab run --secrets-backend B --secrets FILE` end to end: the backend serves the task, on both Airflow
majors; no secret reaches stdout or stderr; nothing is left behind, also when a backend rejects an entry."""

from __future__ import annotations

import json

import pytest
from airflow_lab import settings as s

from .conftest import airflow_lab

SECRETS = {
    "connections": {"precedence_demo": "generic://reader:cli-test-Pa55word@from-backend.invalid"},
    "variables": {"cli_api_token": "tok-cli-test-4b1d"},
}


@pytest.mark.docker
@pytest.mark.parametrize("version", s.SUPPORTED_AIRFLOW_VERSIONS)
@pytest.mark.parametrize("backend", ["vault", "file", "ssm"])
def test_a_task_reads_the_connection_the_kit_seeded_into_the_backend(version, backend, tmp_path, no_leftovers):
    secrets_file = tmp_path / "s.json"
    secrets_file.write_text(json.dumps(SECRETS))
    result = airflow_lab(
        "run", "local", "--airflow-version", version, "--secrets-backend", backend, "--secrets", str(secrets_file),
        "--dags", "dags/secrets", "--dag-id", "secrets_precedence", "--logs",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    run = json.loads(result.stdout)
    [ti] = run["task_instances"]
    assert (run["state"], run["airflow_version"]) == ("success", version)
    assert "precedence_demo host seen by the task: from-backend.invalid" in ti["tries"][-1]["log"]
    for secret in ("cli-test-Pa55word", "tok-cli-test-4b1d"):
        assert secret not in result.stdout and secret not in result.stderr


@pytest.mark.docker
def test_a_rejected_entry_fails_the_start_naming_it_and_removes_everything(tmp_path, no_leftovers):
    # "." is a valid Airflow key, but Vault (OpenBao) refuses the path variables/. : a rejection by the real server
    secrets_file = tmp_path / "s.json"
    secrets_file.write_text(json.dumps({"variables": {".": "rejected-Secret-value"}}))
    result = airflow_lab(
        "run", "local", "--secrets-backend", "vault", "--secrets", str(secrets_file),
        "--dags", "dags/secrets", "--dag-id", "secrets_precedence",
    )  # fmt: skip
    assert result.returncode == 2, result.stderr[-3000:]
    assert "The vault backend rejected variable '.': HTTP 400" in result.stderr, result.stderr[-2000:]
    assert "rejected-Secret-value" not in result.stderr and result.stdout == ""
