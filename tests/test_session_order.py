"""`make test JOBS=2` deals the files out in an order that keeps both workers busy (tests/session_hooks.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from .conftest import PROJECT
from .session_hooks import BOOK_FILES, RUNS_ALONE, _group


def _file_order() -> list[str]:
    labs = sorted(str(p.relative_to(PROJECT)) for p in (PROJECT / "labs").rglob("*.ipynb"))
    listed = subprocess.run(
        [sys.executable, "-m", "pytest", "tests", *labs, "--nbval-lax", "--collect-only", "-q"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    order: list[str] = []
    for line in listed.splitlines():
        path = line.split("::")[0]
        if "::" in line and (not order or order[-1] != path):
            order.append(path)
    return order


def test_the_files_that_run_alone_come_first_and_the_shortest_labs_last():
    order = _file_order()
    assert len(order) == len(set(order)), "a file's items are not together"
    assert set(order[: len(RUNS_ALONE)]) == RUNS_ALONE
    costs = json.loads((PROJECT / "labs" / "costs.json").read_text())
    tail = [costs[path]["wall_s"] for path in order[-5:]]
    assert all(path.startswith("labs/") for path in order[-5:]) and tail == sorted(tail, reverse=True), order[-5:]
    first_book = order.index(BOOK_FILES[0])
    assert order[first_book : first_book + len(BOOK_FILES)] == list(BOOK_FILES)


def test_the_book_files_share_one_worker_and_the_qos_labs_share_another():
    assert {_group(path) for path in BOOK_FILES} == {"book"}
    assert _group("labs/qos/pools.ipynb") == _group("labs/qos/priorities.ipynb") == "labs/qos/"
    assert _group("labs/qos/max_active_tasks.ipynb") == "labs/qos/max_active_tasks.ipynb"  # it runs alone
    assert _group("labs/cicd/check.ipynb") == "labs/cicd/check.ipynb"
