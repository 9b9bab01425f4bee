"""The book builds from the labs' stored outputs (no Docker, no execution), warning-free, and quotes
its code from files the tests run, so prose and code cannot drift."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT

BOOK_PAGES = sorted((PROJECT / "book").rglob("*.md"))
FENCE = re.compile(r"^(```+|~~~+|:::+)[ \t]*(\S*)", re.M)


def test_book_builds_without_warnings_from_stored_outputs(tmp_path):
    jb = Path(sys.executable).with_name("jb")
    # -W: a warning (a broken link, a missing include, an unreadable notebook) fails the build
    result = subprocess.run(
        [str(jb), "build", str(PROJECT), "-W", "-n", "--keep-going", "--path-output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    html = tmp_path / "_build" / "html"
    lab = (html / "labs" / "executors" / "local.html").read_text()
    assert lab.count("<img") >= 2, "the lab page should show its stored timeline and concurrency plots"
    assert "tasks that ran at the same time: 4" in lab
    chapter = (html / "book" / "executors" / "local.html").read_text()
    assert "AIRFLOW__API_AUTH__JWT_SECRET" in chapter  # quoted from environments/compose/local.yml
    assert "local_fanout" in chapter  # quoted from dags/executors/local_fanout.py


def test_every_code_block_in_the_book_is_included_from_a_file():
    for page in BOOK_PAGES:
        for match in FENCE.finditer(page.read_text()):
            opener, info = match.groups()
            if info and not info.startswith("{"):
                raise AssertionError(f"{page.relative_to(PROJECT)}: a pasted ```{info} block; use literalinclude")


def test_every_included_file_exists():
    for page in BOOK_PAGES:
        for target in re.findall(r"```\{(?:literalinclude|include)\}\s+(\S+)", page.read_text()):
            assert (page.parent / target).resolve().is_file(), f"{page.relative_to(PROJECT)} includes {target}"
