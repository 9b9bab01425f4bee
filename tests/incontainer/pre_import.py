"""Run inside the Airflow 3.3.2 image: what a forked DAG-file parser finds already imported, and what it imports.

``DagFileProcessorProcess.start`` calls ``_pre_import_airflow_modules(path, log)`` and then forks the process that
parses ``path``. This script calls the same function on a DAG file with one top-level Airflow import and one
other import, forks as that method does, and prints one line, ``PRE_IMPORT {json}``: which of the two modules
each child found in ``sys.modules`` (and how long it then took to import them, for the reader's information).
"""

import json
import os
import sys
import tempfile
import time

import structlog
from airflow.dag_processing.processor import _pre_import_airflow_modules

HOOK, OTHER = "airflow.providers.postgres.hooks.postgres", "boto3"


def child() -> dict:
    """What a freshly forked parser sees and pays for the file's two imports."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        seen = {name: name in sys.modules for name in (HOOK, OTHER)}
        took = {}
        for name in (HOOK, OTHER):
            began = time.perf_counter()
            __import__(name)
            took[name] = round((time.perf_counter() - began) * 1000)
        os.write(write, json.dumps({"loaded_at_fork": seen, "import_ms": took}).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    return json.loads(os.read(read, 10_000))


with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as dag_file:
    dag_file.write(f"from {HOOK} import PostgresHook\nimport {OTHER}\n")
before = child()
_pre_import_airflow_modules(dag_file.name, structlog.get_logger())
print("PRE_IMPORT " + json.dumps({"before": before, "after": [child(), child()]}))
