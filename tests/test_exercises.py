"""Exercises: the reader's answers or the solution's, a checker's verdict, and one exercise notebook per chapter whose
stored (and CI-executed) run is the solution, asserted through its checker."""

from __future__ import annotations

import nbformat
import pytest
import yaml
from airflow_lab.errors import LabError
from airflow_lab.exercises import Verdict, answers
from nbclient import NotebookClient

from .conftest import PROJECT
from .test_labs import toc_files


def test_answers_left_none_are_the_solution_and_say_so(capsys):
    given = answers({"slots": None, "peak": None}, solution={"slots": 7, "peak": 3})
    assert given.from_solution and given["slots"] == 7 and given["peak"] == 3
    out = capsys.readouterr().out
    assert "uses the solution" in out and "7" not in out  # the page never prints the solution's values


def test_any_answer_set_makes_the_run_the_readers_and_names_the_unset_ones(capsys):
    given = answers({"slots": 4, "peak": None}, solution={"slots": 7, "peak": 3})
    assert not given.from_solution and given["slots"] == 4 and given["peak"] is None
    assert "Not set yet: peak" in capsys.readouterr().out


def test_answers_must_name_what_the_solution_names():
    with pytest.raises(LabError, match="asks for"):
        answers({"slots": 4}, solution={"slots": 7, "peak": 3})


def test_verdict_is_right_only_when_every_point_passed():
    verdict = Verdict()
    assert not verdict.right  # nothing checked is not right
    verdict.check(True, "three ran at once", "two ran at once")
    assert verdict.right
    verdict.check(False, "you predicted 3", "you predicted 2, Airflow recorded 3")
    assert not verdict.right
    assert str(verdict) == "right: three ran at once\nnot yet: you predicted 2, Airflow recorded 3"


def chapters_with_labs() -> list[str]:
    """The parts of the book (labs/<part>/) that have a lab in the table of contents."""
    toc = toc_files(yaml.safe_load((PROJECT / "_toc.yml").read_text()))
    return sorted({f.split("/")[1] for f in toc if f.startswith("labs/") and not f.endswith("/exercises")})


@pytest.mark.parametrize("part", chapters_with_labs())
def test_every_chapter_with_a_lab_has_exercises_whose_stored_run_asserts_the_solution(part):
    path = PROJECT / "labs" / part / "exercises.ipynb"
    assert path.is_file(), f"{part}: no labs/{part}/exercises.ipynb"
    cells = nbformat.read(path, as_version=4).cells
    text = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    exercises, solutions = text.count("{exercise}"), text.count("{solution}")
    assert exercises >= 1 and solutions == exercises, f"{part}: {exercises} exercise(s), {solutions} solution(s)"
    assert text.count(":class: dropdown") >= solutions, f"{part}: a solution should be a closed dropdown"
    code = [c for c in cells if c.cell_type == "code"]
    choosers = [c for c in code if "answers(" in c.source]
    assert choosers and all("remove-input" in c.metadata.get("tags", []) for c in choosers), (
        f"{part}: the cell holding the solution's values should be tagged remove-input"
    )
    assert any("if given.from_solution:" in c.source and "assert verdict.right" in c.source for c in code), (
        f"{part}: the stored run (the solution) should assert the checker's verdict"
    )
    verdicts = [o for c in code for o in c.outputs if "text" in o and o["text"].startswith(("right: ", "not yet: "))]
    assert verdicts and all("not yet: " not in o["text"] for o in verdicts), f"{part}: stored without a right verdict"


@pytest.mark.docker
def test_a_wrong_answer_gets_not_yet_with_the_reason_and_no_assertion(no_leftovers):
    """The retries exercise run as a reader would, one retry short: the checker must be able to say no."""
    path = PROJECT / "labs" / "retries" / "exercises.ipynb"
    notebook = nbformat.read(path, as_version=4)
    (knobs,) = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("YOUR_")]
    knobs.source = "YOUR_DEFAULT_TASK_RETRIES = 2\nYOUR_PREDICTED_TRIES = 3\n"
    NotebookClient(notebook, timeout=900, resources={"metadata": {"path": str(path.parent)}}).execute()
    printed = ["".join(o.get("text", "")).strip() for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    assert "Using your answers." in printed
    (verdict,) = [text for text in printed if text.startswith(("right: ", "not yet: "))]
    assert verdict.splitlines() == [
        "not yet: the run failed: Airflow recorded 3 tries, ['failed', 'failed', 'failed']; with max_tries = 2 the "
        "task may try 3 times, and the first 3 fail",
        "right: you predicted 3 tries",
    ], verdict
