"""``{settings-reference}``: every setting the chapters cite, its default on each Airflow version as that version's own
``airflow config list --defaults`` prints it (book/reference/settings.json, written by
``python -m airflow_lab.config_reference`` and held to the images by tests/test_settings_reference.py), the pages
that teach it and the labs that set or read it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from airflow_lab.config_reference import CITED, REFERENCE
from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx import addnodes

PROJECT = Path(__file__).resolve().parents[2]


def _doc_link(docname: str, text: str) -> addnodes.pending_xref:
    ref = addnodes.pending_xref("", refdomain="std", reftype="doc", reftarget=f"/{docname}", refexplicit=True)
    ref += nodes.inline(text=text)
    return ref


def _where_taught() -> dict[str, list[str]]:
    taught: dict[str, list[str]] = {}
    for page in sorted((PROJECT / "book").rglob("*.md")):
        for m in CITED.finditer(page.read_text()):
            docs = taught.setdefault(f"[{m[1]}] {m[2]}", [])
            docname = str(page.relative_to(PROJECT).with_suffix(""))
            if docname not in docs:
                docs.append(docname)
    return taught


def _labs_using(key: str, labs: dict[str, str]) -> list[str]:
    section, option = key[1:].split("] ")
    spellings = (f"{section}__{option}", f"AIRFLOW__{section.upper()}__{option.upper()}", key)
    return [name for name, text in labs.items() if any(spelling in text for spelling in spellings)]


class SettingsReference(Directive):
    def run(self) -> list[nodes.Node]:
        reference: dict[str, dict[str, str | None]] = json.loads(REFERENCE.read_text())
        versions = sorted({v for row in reference.values() for v in row}, reverse=True)
        taught = _where_taught()
        labs = {
            str(nb.relative_to(PROJECT).with_suffix("")): "\n".join(
                "".join(c["source"]) for c in json.loads(nb.read_text())["cells"]
            )
            for nb in sorted((PROJECT / "labs").rglob("*.ipynb"))
        }
        table = nodes.table(classes=["settings-reference"])
        group = nodes.tgroup(cols=3 + len(versions))
        table += group
        for width in (30, *([15] * len(versions)), 25, 25):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body

        def row(*cells: nodes.Node | str) -> nodes.row:
            r = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                para = nodes.paragraph()
                para += nodes.Text(cell) if isinstance(cell, str) else cell
                entry += para
                r += entry
            return r

        def links(docnames: list[str]) -> nodes.Node:
            span = nodes.inline()
            for i, docname in enumerate(docnames):
                if i:
                    span += nodes.Text(", ")
                span += _doc_link(docname, docname.split("/", 1)[1])
            return span if docnames else nodes.Text("—")

        head += row("setting", *(f"default on {v}" for v in versions), "taught in", "labs")
        for key, by_version in sorted(reference.items()):
            defaults = [
                "no such option" if by_version.get(v) is None else (by_version[v] or "(empty)") for v in versions
            ]
            body += row(nodes.literal(text=key), *defaults, links(taught.get(key, [])), links(_labs_using(key, labs)))
        return [table]


def setup(app: Any) -> dict:
    app.add_directive("settings-reference", SettingsReference)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
