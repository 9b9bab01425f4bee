"""The built book as a reader sees it: every page opened in a real headless Chromium (Debian's `chromium`, driven
by Playwright's Python package; Playwright's own browser download needs a host these machines cannot reach).

The book is served from 127.0.0.1 and every request to any other host is refused, so the test contacts nothing
else. Screenshots of a few key pages land in _build/screenshots/ (CI uploads them as an artifact)."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from .conftest import PROJECT

SCREENSHOTS = PROJECT / "_build" / "screenshots"
# The landing page, one chapter and two labs: the pages a reader judges the book by.
KEY_PAGES = {
    "landing": "book/intro.html",
    "chapter": "book/qos/pools.html",
    "lab-executors-local": "labs/executors/local.html",
    "lab-qos-pools": "labs/qos/pools.html",
}
# A laptop's window: the content column is at its narrowest next to both sidebars.
VIEWPORT = {"width": 1280, "height": 900}
ID = re.compile(r"""\bid=["']([^"']+)["']""")

# For each table and code block in the content column: the box a reader sees is the element's own, or that of the
# nearest enclosing element that scrolls (or clips) inside the column. That box must fit the column's width.
OVERFLOWS_JS = """
() => {
  // the search page has no article: its results sit in the content area itself
  const column = document.querySelector('article.bd-article') || document.querySelector('.bd-content');
  if (!column) return ['no content column (article.bd-article or .bd-content)'];
  const left = column.getBoundingClientRect().left, width = column.clientWidth;
  // scrolling inside itself is fine; clipped ('hidden') content is lost to the reader, so it does not count
  const scrolls = (e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX);
  const found = [];
  for (const e of column.querySelectorAll('table, pre, div.highlight, div.output, code.literal')) {
    let box = e;
    for (let a = e; a && a !== column; a = a.parentElement) {
      if (scrolls(a)) { box = a; break; }
    }
    const right = box.getBoundingClientRect().right - left;
    if (right > width + 1) {
      const text = (e.innerText || '').trim().split('\\n')[0].slice(0, 60);
      found.push(`${e.tagName.toLowerCase()}.${e.className} ends at ${Math.round(right)}px > ${width}px: "${text}"`);
    }
  }
  const page = document.documentElement;
  if (page.scrollWidth > page.clientWidth) found.push(`the page scrolls sideways: ${page.scrollWidth}px wide`);
  return found;
}
"""
BROKEN_IMAGES_JS = """
() => [...document.images].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.getAttribute('src'))
"""
LINKS_JS = "() => [...document.querySelectorAll('a[href]')].map((a) => a.href)"


def chromium_executable() -> str:
    """Debian's chromium, or the Chromium-based browser that $CHROMIUM names (GitHub's runners: google-chrome)."""
    name = os.environ.get("CHROMIUM") or "chromium"
    path = shutil.which(name)
    assert path, (
        f"the browser test needs a Chromium browser and found no {name!r} on PATH: `apt-get install chromium` "
        "(.ci/run installs it when missing), or set CHROMIUM to a Chromium-based browser's executable"
    )
    return path


@pytest.fixture(scope="module")
def served_book(book_html: Path) -> Iterator[tuple[str, Path]]:
    """Serves the built HTML on 127.0.0.1 (search needs http:, not file:), yields (base URL, HTML folder)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(book_html)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", book_html
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_page(served_book):
    """One headless Chromium tab that refuses every request not to the served book."""
    executable = chromium_executable()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise AssertionError(
            "the browser test needs Playwright: `pip install -e '.[test]'` (make test does)"
        ) from error
    base, _ = served_book
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(base) else route.abort())
            yield page
        finally:
            browser.close()


def book_pages(html: Path) -> list[str]:
    return sorted(
        p.relative_to(html).as_posix() for p in html.rglob("*.html") if not p.relative_to(html).parts[0].startswith("_")
    )


def load(page, url: str, errors: list[str]):
    """Opens url, waiting until nothing is loading. Chromium aborts every request under way with ERR_NETWORK_CHANGED
    when the host's network changes (Docker creating a lab's bridge network does): only then, it loads the page
    again, at most twice (also when the page itself was aborted); any other error stays in errors, with every request
    that failed while the page loaded and why."""
    from playwright.sync_api import Error as PlaywrightError  # the fixture has checked Playwright is there

    def failed(request) -> None:
        errors.append(f"request failed: {request.url} ({request.failure})")

    page.on("requestfailed", failed)
    try:
        for attempt in range(3):
            errors.clear()
            try:
                response = page.goto(url, wait_until="load")
                page.wait_for_load_state("networkidle")
            except PlaywrightError as error:
                if "ERR_NETWORK_CHANGED" not in str(error) or attempt == 2:
                    raise
                continue
            if not any("ERR_NETWORK_CHANGED" in error for error in errors):
                break
    finally:
        page.remove_listener("requestfailed", failed)
    return response


def test_every_page_loads_without_errors_and_its_images_links_and_blocks_fit(served_book, browser_page):
    base, html = served_book
    page = browser_page
    pages = book_pages(html)
    assert len(pages) > 50, pages
    ids = {name: set(ID.findall((html / name).read_text())) for name in pages}
    problems: list[str] = []
    errors: list[str] = []  # what the page reported while loading; emptied before each page
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    for name in pages:
        response = load(page, base + name, errors)
        assert response is not None
        if not response.ok:
            problems.append(f"{name}: HTTP {response.status}")
        problems += [f"{name}: console: {e}" for e in errors]
        problems += [f"{name}: broken image {src}" for src in page.evaluate(BROKEN_IMAGES_JS)]
        for href in page.evaluate(LINKS_JS):
            if not href.startswith(base):
                continue
            url = urlsplit(href)
            target = unquote(url.path)[len(urlsplit(base).path) :] or "index.html"
            if target.endswith("/"):
                target += "index.html"
            if not (html / target).is_file():
                problems.append(f"{name}: link to missing {target}")
            elif url.fragment and target in ids and unquote(url.fragment) not in ids[target]:
                problems.append(f"{name}: link to missing anchor {target}#{url.fragment}")
        problems += [f"{name}: overflows the content column: {o}" for o in page.evaluate(OVERFLOWS_JS)]
    assert not problems, f"{len(problems)} problem(s) on {len(pages)} pages:\n" + "\n".join(problems)


def test_search_finds_pool(served_book, browser_page):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout  # the fixture has checked Playwright is there

    base, _ = served_book
    page = browser_page
    errors: list[str] = []
    # the page loads its search index as a script it adds itself: a lab's Docker network, created meanwhile, can
    # abort that request (ERR_NETWORK_CHANGED), and the search would never run; load() loads the page again then
    load(page, base + "search.html?q=pool", errors)
    results = page.locator("#search-results ul.search li")
    try:
        results.first.wait_for(timeout=30_000)
    except PlaywrightTimeout:
        raise AssertionError(f"no search result within 30 s; what failed while the page loaded: {errors}") from None
    titles = results.locator("a").all_inner_texts()
    assert any("pool" in title.lower() for title in titles), titles


def test_screenshots_of_key_pages(served_book, browser_page):
    base, _ = served_book
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name, path in KEY_PAGES.items():
        load(browser_page, base + path, [])
        shot = SCREENSHOTS / f"{name}.png"
        browser_page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, f"{shot} is suspiciously small"


def test_picking_airflow_2_in_one_version_tab_set_opens_every_other_page_on_airflow_2(served_book, browser_page):
    base, _ = served_book
    page = browser_page
    load(page, base + "book/qos/max_active_tasks.html", [])
    page.evaluate("() => localStorage.clear()")
    load(page, base + "book/qos/max_active_tasks.html", [])  # again, with nothing stored
    checked = "[...document.querySelectorAll('.sd-tab-set > input:checked + label')].map((l) => l.dataset.syncId)"
    assert page.evaluate(f"() => {checked}") == ["airflow-3"], "Airflow 3.3 is the tab a new reader sees first"
    page.locator("label.sd-tab-label[data-sync-id='airflow-2']").first.click()
    load(page, base + "book/secrets/variables.html", [])
    assert set(page.evaluate(f"() => {checked}")) == {"airflow-2"}
    page.evaluate("() => localStorage.clear()")
