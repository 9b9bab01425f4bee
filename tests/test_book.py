"""The book builds from the labs' stored outputs (no Docker, no execution), warning-free, and quotes
its code from files the tests run, so prose and code cannot drift."""

from __future__ import annotations

import re

import yaml

from .conftest import PROJECT

BOOK_PAGES = sorted((PROJECT / "book").rglob("*.md"))
FENCE = re.compile(r"^(```+|~~~+|:::+)[ \t]*(\S*)", re.M)


def test_book_builds_without_warnings_from_stored_outputs(book_html):
    # book_html (conftest) fails with jb's output when the build, run with -W, printed a warning
    html = book_html
    lab = (html / "labs" / "executors" / "local.html").read_text()
    assert lab.count("<img") >= 2, "the lab page should show its stored timeline and concurrency plots"
    assert "tasks that ran at the same time: 4" in lab
    chapter = (html / "book" / "executors" / "local.html").read_text()
    assert "AIRFLOW__API_AUTH__JWT_SECRET" in chapter  # quoted from environments/compose/local.yml
    assert "local_fanout" in chapter  # quoted from dags/executors/local_fanout.py


def test_every_page_links_to_the_repository_and_how_to_use_shows_how_to_clone_it(book_html):
    url = yaml.safe_load((PROJECT / "_config.yml").read_text())["repository"]["url"]
    for page in ("book/intro.html", "book/qos/pools.html", "labs/qos/pools.html"):
        text = (book_html / page).read_text()
        assert f'href="{url}"' in text, f"{page} has no repository button"
        assert f"{url}/issues/new" in text, f"{page} has no issues button"
    how_to = (book_html / "book" / "how-to-use.html").read_text()
    clone = re.sub(r"<[^>]+>", "", how_to)  # the console block is highlighted token by token
    assert f"$ git clone {url}\n$ cd {url.rsplit('/', 1)[-1]}" in clone
    assert f"{url}/edit/main/book/how-to-use.md" in how_to


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
