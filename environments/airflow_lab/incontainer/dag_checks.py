"""What Airflow itself says about a DAG folder: run with the Python of the Airflow being deployed.

``airflow-lab check`` runs this file inside the Airflow image of the version a team deploys (so the
import check sees production's packages), as ``python dag_checks.py DAG_FOLDER``. It fills a
``DagBag`` exactly as the DAG processor does and prints one JSON line, prefixed with ``MARKER``:
the Airflow version, each file's parse time and DAG ids, each DAG's tags and each task's owner and
retries, and every import error (duplicate DAG ids and cycles are import errors to Airflow).
Verdicts (what is an error, what a warning) are made by ``airflow_lab.check`` on the host.

Standard library and Airflow only: the file is copied as is into images that do not have the kit.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

MARKER = "AIRFLOW_LAB_CHECK_JSON="


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(path).resolve().relative_to(folder).as_posix()
    except ValueError:
        return path.lstrip("/")


def inspect(folder: Path) -> dict:
    import airflow

    with warnings.catch_warnings():
        warnings.simplefilter("always")  # DagBag records each file's warnings (DeprecationWarning included)
        if airflow.__version__.startswith("2."):
            from airflow.models.dagbag import DagBag as DagBag2

            bag: Any = DagBag2(dag_folder=str(folder), include_examples=False)
        else:  # Airflow 3: no include_examples; [core] load_examples decides (off in the check's container)
            from airflow.dag_processing.dagbag import DagBag

            bag = DagBag(dag_folder=str(folder))

    dags = {}
    for dag_id, dag in sorted(bag.dags.items()):
        dags[dag_id] = {
            "file": _relative(dag.fileloc, folder),
            "tags": sorted(dag.tags or []),
            "tasks": {
                task.task_id: {"owner": task.owner, "retries": task.retries}
                for task in sorted(dag.tasks, key=lambda t: t.task_id)
            },
        }
    files = []
    for stat in bag.dagbag_stats:
        # Airflow 2 strips the DAG folder from the path, Airflow 3 makes it relative to it
        file = _relative(str(folder / stat.file.lstrip("/")), folder)
        ids = sorted(d for d in dags if dags[d]["file"] == file)
        files.append({"file": file, "parse_s": round(stat.duration.total_seconds(), 3), "dag_ids": ids})
    # "path:line: Category: message" per warning; the path is the container's, so keep what follows it
    parse_warnings = {
        _relative(file, folder): [w.replace(f"{folder}/", "") for w in found]
        for file, found in sorted(getattr(bag, "captured_warnings", {}).items())
        if found
    }
    from airflow.utils.file import list_py_file_paths

    # the files the DAG folder's .airflowignore keeps from Airflow: not deployed DAG code on this version
    listed = {Path(p).resolve() for p in list_py_file_paths(str(folder), safe_mode=False)}
    ignored = sorted(_relative(str(p), folder) for p in folder.rglob("*.py") if p.resolve() not in listed)
    return {
        "airflow_version": airflow.__version__,
        "ignored": ignored,
        "warnings": parse_warnings,
        "dags": dags,
        "files": sorted(files, key=lambda f: f["file"]),
        "import_errors": [
            # paths inside the container mean nothing to the reader: make them relative to the DAG folder
            {"file": _relative(file, folder), "error": error.replace(f"{folder}/", "")}
            for file, error in sorted(bag.import_errors.items())
        ],
    }


def main(argv: list[str]) -> int:
    # run as a script, this file's folder comes first on sys.path; next to it in the kit, kubernetes.py
    # would shadow the kubernetes package the DAGs import
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)
    folder = Path(argv[1] if len(argv) > 1 else os.environ.get("AIRFLOW__CORE__DAGS_FOLDER", ".")).resolve()
    print(MARKER + json.dumps(inspect(folder)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
