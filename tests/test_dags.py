"""The standard DAG integrity test (the CI/CD chapter explains it): every example DAG imports cleanly
and follows the book's conventions."""

from __future__ import annotations

import ast
import re
import sys

import pytest

from .conftest import PROJECT

DAGS = PROJECT / "dags"
#: Airflow's plugins folder for the labs (``--plugins``): importable helpers such as alert callbacks, not DAGs.
PLUGINS = DAGS / "plugins"
DAG_FILES = sorted(p for p in DAGS.rglob("*.py") if p.name != "__init__.py" and PLUGINS not in p.parents)
#: Examples of Airflow 2-only features (e.g. task ``sla=``): dags/.airflowignore keeps them out of Airflow 3's
#: DagBag; their labs import and run them on Airflow 2.11.
AIRFLOW2_ONLY = [p for p in DAG_FILES if "airflow2" in p.parent.parts]


@pytest.fixture(scope="module")
def dagbag():
    # as in every Airflow component, the plugins folder is importable
    if str(PLUGINS) not in sys.path:
        sys.path.append(str(PLUGINS))
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.3: examples follow [core] load_examples

        return DagBag(dag_folder=str(DAGS))
    except ImportError:
        from airflow.models import DagBag  # Airflow 2

        return DagBag(dag_folder=str(DAGS), include_examples=False)


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}, "\n".join(f"{f}:\n{e}" for f, e in dagbag.import_errors.items())


def test_every_file_defines_one_dag_named_after_it(dagbag):
    by_file: dict[str, list[str]] = {}
    for dag_id, dag in dagbag.dags.items():
        by_file.setdefault(dag.fileloc, []).append(dag_id)
    for path in (p for p in DAG_FILES if p not in AIRFLOW2_ONLY):
        assert by_file.get(str(path)) == [path.stem], f"{path}: expected exactly one DAG with dag_id {path.stem!r}"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: str(p.relative_to(DAGS)))
def test_dag_file_says_what_it_demonstrates_and_which_lab_asserts_it(path):
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert docstring, f"{path} needs a module docstring"
    assert "labs/" in docstring, f"{path}: the docstring should name the lab that asserts it"
    for lab in re.findall(r"labs/[\w/]+\.ipynb", docstring):  # every lab it names, not only the first
        assert (PROJECT / lab).is_file(), f"{path} names {lab}, which does not exist"


def test_dags_are_tagged_with_their_chapter(dagbag):
    for dag in dagbag.dags.values():
        chapter = DAGS.joinpath(dag.fileloc).relative_to(DAGS).parts[0]
        assert chapter in dag.tags, f"{dag.dag_id} should carry the tag {chapter!r}"


def test_airflow2_only_examples_are_kept_out_of_airflow3_by_airflowignore(dagbag):
    assert AIRFLOW2_ONLY, "expected the Airflow 2 SLA example"
    for path in AIRFLOW2_ONLY:
        assert "airflow2" in (path.parent.parent / ".airflowignore").read_text().splitlines()
        # by file, not by DAG id: dags/upgrade/airflow3 holds the fixed versions under the same ids
        assert str(path) not in {dag.fileloc for dag in dagbag.dags.values()} and str(path) not in dagbag.import_errors
