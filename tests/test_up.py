"""`airflow-lab up` keeps an environment running, prints where it is and how to log in, and removes
it on Ctrl-C."""

from __future__ import annotations

import re

import pytest
import requests

from .conftest import airflow_lab_up, labelled_objects

pytestmark = pytest.mark.docker


def test_up_prints_a_loopback_url_and_working_credentials_then_cleans_up_on_ctrl_c(no_leftovers):
    with airflow_lab_up("local", "--dags", "dags/executors") as text:
        url = re.search(r"is up: (http://127\.0\.0\.1:\d+)", text).group(1)
        username = re.search(r"username: (\S+)", text).group(1)
        password = re.search(r"password: (\S+)", text).group(1)

        token = requests.post(f"{url}/auth/token", json={"username": username, "password": password}, timeout=10)
        assert token.status_code == 201, token.text
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        dags = requests.get(f"{url}/api/v2/dags", headers=headers, timeout=10).json()
        assert "dags" in dags  # the API answers with the generated credentials
        wrong = requests.post(f"{url}/auth/token", json={"username": username, "password": "wrong"}, timeout=10)
        assert wrong.status_code == 401
        assert labelled_objects()["containers"]
