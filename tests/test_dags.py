"""The standard DAG integrity test (the CI/CD chapter explains it): every example DAG imports cleanly
and follows the book's conventions."""

from __future__ import annotations

import ast

import pytest

from .conftest import PROJECT

DAGS = PROJECT / "dags"
DAG_FILES = sorted(p for p in DAGS.rglob("*.py") if p.name != "__init__.py")


@pytest.fixture(scope="module")
def dagbag():
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
    for path in DAG_FILES:
        assert by_file.get(str(path)) == [path.stem], f"{path}: expected exactly one DAG with dag_id {path.stem!r}"


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: str(p.relative_to(DAGS)))
def test_dag_file_says_what_it_demonstrates_and_which_lab_asserts_it(path):
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert docstring, f"{path} needs a module docstring"
    assert "labs/" in docstring, f"{path}: the docstring should name the lab that asserts it"
    lab = "labs/" + docstring.split("labs/")[1].split()[0].rstrip(".")
    assert (PROJECT / lab).is_file(), f"{path} names {lab}, which does not exist"


def test_dags_are_tagged_with_their_chapter(dagbag):
    for dag in dagbag.dags.values():
        chapter = DAGS.joinpath(dag.fileloc).relative_to(DAGS).parts[0]
        assert chapter in dag.tags, f"{dag.dag_id} should carry the tag {chapter!r}"
