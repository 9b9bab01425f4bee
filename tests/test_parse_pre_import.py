"""What ``[dag_processor] parsing_pre_import_modules`` (default on) saves a DAG file's parse, on Airflow 3.3.2.

The DAG processor imports a file's top-level ``airflow.*`` imports itself before forking the process that parses
the file (``_pre_import_airflow_modules`` in ``airflow/dag_processing/processor.py``), so every parse after the
first finds them loaded; other libraries are imported again by every parse. ``incontainer/pre_import.py`` runs
Airflow's own function in the lab image and forks as the DAG processor does. book/secrets/connections.md cites it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

SCRIPT = Path(__file__).parent / "incontainer" / "pre_import.py"
HOOK, OTHER = "airflow.providers.postgres.hooks.postgres", "boto3"


def test_a_forked_parser_finds_the_files_airflow_imports_loaded_but_imports_other_libraries_again(no_leftovers):
    from airflow_lab import settings as s
    from airflow_lab.docker import docker_client

    output = docker_client().containers.run(
        s.airflow_image(s.AIRFLOW_VERSION),
        ["python", "/tmp/pre_import.py"],
        volumes={str(SCRIPT): {"bind": "/tmp/pre_import.py", "mode": "ro"}},
        environment={"AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
        labels={s.LABEL: "lab", f"{s.LABEL}.session": os.environ["AIRFLOW_LAB_SESSION"]},
        network_disabled=True,
        remove=True,
    )
    (line,) = [x for x in output.decode().splitlines() if x.startswith("PRE_IMPORT ")]
    found = json.loads(line.removeprefix("PRE_IMPORT "))
    # before the DAG processor has pre-imported the file, a parser imports both modules itself
    assert found["before"]["loaded_at_fork"] == {HOOK: False, OTHER: False}, found
    # afterwards every parser finds the Airflow module loaded, and still imports the other library
    for parse in found["after"]:
        assert parse["loaded_at_fork"] == {HOOK: True, OTHER: False}, found
