"""The book builds from the labs' stored outputs (no Docker, no execution), warning-free, and quotes
its code from files the tests run, so prose and code cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

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
    index = (html / "genindex.html").read_text()
    assert "[core] parallelism (Airflow 3.3)" in index and "Fernet key" in index  # a config key, a glossary term
    anchor = "https://airflow.apache.org/docs/apache-airflow/3.3.2/configurations-ref.html#config-core-parallelism"
    assert f'href="{anchor}"' in (html / "book" / "qos" / "parallelism.html").read_text()


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


CONFIG_ROLE = re.compile(r"\{(airflow2?-config)\}`\[([a-z0-9_]+)\] ([a-z0-9_]+)`")


def test_every_config_key_the_book_links_for_airflow_3_is_in_its_configuration_reference():
    # The host's Airflow is 3.3.2 (the test extra pins it), as are the images' cncf-kubernetes provider's options.
    # Keys linked with {airflow2-config} and the celery provider's are not installed here; they were read from the
    # 2.11.2 and apache-airflow-providers-celery 3.26.0 wheels.
    import airflow
    from airflow.providers.cncf.kubernetes.get_provider_info import get_provider_info

    # Airflow's own description of its options, from which its configuration reference is generated
    core = yaml.safe_load((Path(airflow.__file__).parent / "config_templates" / "config.yml").read_text())
    core["kubernetes_executor"] = get_provider_info()["config"]["kubernetes_executor"]
    linked = [
        (page.relative_to(PROJECT), section, option)
        for page in BOOK_PAGES
        for role, section, option in CONFIG_ROLE.findall(page.read_text())
        if role == "airflow-config" and not section.startswith("celery")
    ]
    assert len(linked) > 40, linked
    missing = [
        f"{page}: [{section}] {option}"
        for page, section, option in linked
        if option not in core.get(section, {}).get("options", {})
    ]
    assert not missing, f"not options of Airflow 3.3.2: {missing}"


def test_every_page_links_the_first_mention_of_each_config_key():
    plain = re.compile(r"(?<![}\w])`\[([a-z0-9_]+)\] ([a-z0-9_]+)`")
    unlinked = []
    for page in BOOK_PAGES:
        text = page.read_text()
        linked = {
            (section, option): m.start() for m in CONFIG_ROLE.finditer(text) for _, section, option in [m.groups()]
        }
        for m in plain.finditer(text):
            first = linked.get(m.groups())
            if first is None or first > m.start():
                unlinked.append(f"{page.relative_to(PROJECT)}: `[{m[1]}] {m[2]}`")
    assert not unlinked, "link the first mention with {airflow-config} (or {airflow2-config}):\n" + "\n".join(unlinked)


def test_every_version_tab_is_in_the_airflow_sync_group_with_its_majors_key():
    tab_set = re.compile(r"^\s*:{3,}\{tab-set\}\n\s*:sync-group: (\S+)", re.M)
    tab_item = re.compile(r"^\s*:{3,}\{tab-item\} Airflow (\d+)\.\d+\n\s*:sync: (\S+)", re.M)
    pages_with_tabs = 0
    for page in BOOK_PAGES:
        text = page.read_text()
        items = tab_item.findall(text)
        if not items:
            continue
        pages_with_tabs += 1
        assert set(tab_set.findall(text)) == {"airflow"}, page
        assert all(key == f"airflow-{major}" for major, key in items), (page, items)
    assert pages_with_tabs >= 5
