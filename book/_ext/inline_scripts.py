"""Writes each inline <script> once per page.

Sphinx 7.4 (the series Jupyter Book 1 requires) keeps an inline script that an extension adds after the builder
started twice: once named None, once named '' (StandaloneHTMLBuilder.prepare_writing). sphinx-thebe adds its
`const THEBE_JS_URL = ...` that way, and a browser then stops on "Identifier 'THEBE_JS_URL' has already been
declared" on every page (tests/test_book_in_browser.py caught it).
"""

from __future__ import annotations

from typing import Any


def drop_repeated_scripts(app: Any, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        key = (script.filename or "", script.priority, tuple(sorted(script.attributes.items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    # the builder's own list: it restores it before every page, so this touches this page only
    context["script_files"][:] = unique


def setup(app: Any) -> dict:
    app.connect("html-page-context", drop_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
