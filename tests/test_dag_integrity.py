"""The standard DAG integrity test. Copy this one file into your DAG repository's ``tests/``.

It checks what ``airflow-lab check`` checks, with the Airflow installed where pytest runs, so run it
in CI with the Airflow version, providers and constraints you deploy (or run ``airflow-lab check``,
which uses the deployed version's image):

* every file imports (an import error names the file and shows the traceback);
* no two files define the same ``dag_id`` and no DAG has a cycle (Airflow rejects both at parse time);
* every file parses fast: slow top-level code runs on every parse by the DAG processor
  (a warning above ``PARSE_TIME_WARNING_S``; Airflow itself fails a file at ``[core] dagbag_import_timeout``);
* the team's policy: tags, an owner and retries on every DAG, no ``Variable.get`` outside tasks.

Settings are the constants below; ``DAG_INTEGRITY_DAGS`` overrides the DAG folder (the book's own
tests point it at a folder of broken DAGs to prove that each test can fail).
"""

from __future__ import annotations

import ast
import os
import sys
import warnings
from pathlib import Path

import pytest

DAGS = Path(os.environ.get("DAG_INTEGRITY_DAGS", Path(__file__).resolve().parents[1] / "dags")).resolve()
#: Airflow's plugins folder, if the DAGs import from it (every Airflow component has it on sys.path).
PLUGINS = DAGS / "plugins"
PARSE_TIME_WARNING_S = 2.0
REQUIRE_TAGS = True
#: This project's example DAGs each teach one knob and keep Airflow's defaults for the rest (the retries
#: chapter is about retries=0 versus more), so owner and retries are off here; a team switches them on.
REQUIRE_OWNER = False
REQUIRE_RETRIES = False
FORBID_VARIABLE_GET_OUTSIDE_TASKS = True

DUPLICATE, CYCLE = "AirflowDagDuplicatedIdException", "AirflowDagCycleException"
DAG_FILES = sorted(p for p in DAGS.rglob("*.py") if PLUGINS not in p.parents)


@pytest.fixture(scope="module")
def dagbag():
    if PLUGINS.is_dir() and str(PLUGINS) not in sys.path:
        sys.path.append(str(PLUGINS))
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3

        return DagBag(dag_folder=str(DAGS))
    except ImportError:
        from airflow.models import DagBag  # Airflow 2

        return DagBag(dag_folder=str(DAGS), include_examples=False)


def _errors(dagbag, kind=None):
    return {
        file: error
        for file, error in dagbag.import_errors.items()
        if (kind is None and DUPLICATE not in error and CYCLE not in error) or (kind is not None and kind in error)
    }


def _report(errors):
    return "\n".join(f"{file}:\n{error}" for file, error in errors.items())


def test_every_dag_file_imports(dagbag):
    assert not _errors(dagbag), _report(_errors(dagbag))


def test_no_two_files_define_the_same_dag_id(dagbag):
    assert not _errors(dagbag, DUPLICATE), _report(_errors(dagbag, DUPLICATE))


def test_no_dag_has_a_cycle(dagbag):
    assert not _errors(dagbag, CYCLE), _report(_errors(dagbag, CYCLE))


def test_every_file_parses_fast(dagbag):
    for stat in dagbag.dagbag_stats:
        seconds = stat.duration.total_seconds()
        if seconds > PARSE_TIME_WARNING_S:
            warnings.warn(
                f"{stat.file} took {seconds:.2f} s to parse (threshold {PARSE_TIME_WARNING_S} s)", stacklevel=1
            )


def test_every_dag_has_tags(dagbag):
    untagged = sorted(dag_id for dag_id, dag in dagbag.dags.items() if not dag.tags)
    assert not (REQUIRE_TAGS and untagged), f"DAGs without tags: {untagged}"


def test_every_task_has_an_owner(dagbag):
    missing = sorted(f"{d.dag_id}.{t.task_id}" for d in dagbag.dags.values() for t in d.tasks if t.owner == "airflow")
    assert not (REQUIRE_OWNER and missing), f"tasks with the default owner 'airflow': {missing}"


def test_every_task_retries(dagbag):
    missing = sorted(f"{d.dag_id}.{t.task_id}" for d in dagbag.dags.values() for t in d.tasks if not t.retries)
    assert not (REQUIRE_RETRIES and missing), f"tasks with retries=0: {missing}"


def _is_task(function: ast.AST) -> bool:
    """A function Airflow runs as a task: ``@task``/``@task.x`` decorated, or an operator's ``execute``."""
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        while isinstance(target, ast.Attribute):
            if isinstance(target.value, ast.Name) and target.value.id == "task":
                return True
            target = target.value
        if isinstance(target, ast.Name) and target.id == "task":
            return True
    return function.name == "execute"


def _variable_gets_outside_tasks(tree: ast.AST, inside_task: bool = False) -> list[int]:
    lines = []
    for node in ast.iter_child_nodes(tree):
        in_task = inside_task or _is_task(node)
        if (
            not in_task
            and isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "Variable"
        ):
            lines.append(node.lineno)
        lines += _variable_gets_outside_tasks(node, in_task)
    return lines


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: str(p.relative_to(DAGS)))
def test_no_variable_get_outside_tasks(path):
    # Outside a task, Variable.get runs on every parse (a metadata lookup each time) and fails the parse
    # wherever the Variable is missing: read Variables inside tasks or through templates.
    lines = _variable_gets_outside_tasks(ast.parse(path.read_text()))
    assert not (FORBID_VARIABLE_GET_OUTSIDE_TASKS and lines), f"{path}: Variable.get outside a task on lines {lines}"
