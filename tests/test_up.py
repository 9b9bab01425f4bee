"""`airflow-lab up` keeps an environment running, prints where it is and how to log in, and removes
it on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests

from .conftest import PROJECT, labelled_objects

pytestmark = pytest.mark.docker


def test_up_prints_a_loopback_url_and_working_credentials_then_cleans_up_on_ctrl_c(no_leftovers):
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_lab.cli", "up", "local", "--dags", "dags/executors"],
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if "Ctrl-C" in line:
                break
        text = "".join(lines)
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

        process.send_signal(signal.SIGINT)
        process.wait(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
