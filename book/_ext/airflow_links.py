"""{airflow-config}`[core] parallelism` and {airflow2-config}`[webserver] secret_key`: a config key, in code type, that
links to its entry in Airflow's configuration reference for 3.3.2 or 2.11.2 and is listed in the book's index.

The addresses are the `extlinks` in _config.yml (one per Airflow version and per provider that owns a section); this
extension only turns a key into the anchor Airflow's docs give it. Airflow's reference labels each option
`config:SECTION__OPTION` (docs/exts/includes/sections-and-options.rst in Airflow's source), which docutils turns into
the HTML id `config-section-option` (every run of other characters, underscores included, becomes one `-`).
"""

from __future__ import annotations

import re
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.ext.extlinks import make_link_role

KEY = re.compile(r"\[(?P<section>[a-z0-9_]+)\]\s+(?P<option>[a-z0-9_]+)|(?P<dotted>[a-z0-9_]+)\.(?P<opt>[a-z0-9_]+)")
# Sections that a provider, not Airflow itself, documents (and versions): their extlinks name.
PROVIDER_SECTIONS = {
    "celery": "celery-config",
    "celery_broker_transport_options": "celery-config",
    "celery_kubernetes_executor": "celery-config",
    "kubernetes_executor": "kubernetes-config",
}
ROLES = {"airflow-config": "Airflow 3.3", "airflow2-config": "Airflow 2.11"}


def config_role(name: str, version: str, app: Any):
    def role(typ, rawtext, text, lineno, inliner, options=None, content=None):
        match = KEY.fullmatch(text.strip())
        if not match:
            message = inliner.reporter.error(
                f"{{{name}}}`{text}`: write a config key as `[section] option` (or `section.option`)", line=lineno
            )
            return [inliner.problematic(rawtext, rawtext, message)], [message]
        section = match["section"] or match["dotted"]
        option = match["option"] or match["opt"]
        key = f"[{section}] {option}"
        target = nodes.make_id(f"config:{section}__{option}")
        made, messages = _extlink(app, PROVIDER_SECTIONS.get(section, name))(
            typ, rawtext, f"{key} <{target}>", lineno, inliner, options or {}, content or []
        )
        reference = made[0]
        reference.children = [nodes.literal(key, key)]
        env = inliner.document.settings.env
        target_id = f"index-{env.new_serialno('index')}"
        entries = [
            ("single", f"{key} ({version})", target_id, "", None),
            ("single", f"configuration; {key}", target_id, "", None),
        ]
        return [addnodes.index(entries=entries), nodes.target("", "", ids=[target_id]), reference], messages

    return role


def _extlink(app: Any, name: str):
    base_url, caption = app.config.extlinks[name]
    return make_link_role(name, base_url, caption)


def add_roles(app: Any) -> None:
    for name, version in ROLES.items():
        app.add_role(name, config_role(name, version, app), override=True)


def setup(app: Any) -> dict:
    app.setup_extension("sphinx.ext.extlinks")
    # after extlinks registered a plain role for each address (priority 500)
    app.connect("builder-inited", add_roles, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
