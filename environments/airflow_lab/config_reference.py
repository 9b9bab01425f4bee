"""The defaults of the settings the book cites, read from Airflow itself: ``airflow config list --defaults`` run in
each version's image. ``python -m airflow_lab.config_reference`` writes book/reference/settings.json, which the
reference page renders (book/_ext/settings_page.py) and tests/test_settings_reference.py holds to the images.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from . import settings as s
from .docker import docker_client
from .types import AirflowVersion

#: How the chapters cite a setting: {airflow-config}`[core] parallelism`, {airflow2-config}`...`, provider roles.
CITED = re.compile(r"\{(?:airflow2?|celery|kubernetes)-config\}`\[(\w+)\] (\w+)`")
REFERENCE = s.PROJECT_DIR / "book" / "reference" / "settings.json"


def cited_settings(book: Path = s.PROJECT_DIR / "book") -> list[str]:
    """Every ``[section] key`` a chapter cites, sorted."""
    found = {f"[{m[1]}] {m[2]}" for page in book.rglob("*.md") for m in CITED.finditer(page.read_text())}
    return sorted(found)


def parse_defaults(text: str) -> dict[str, str]:
    """``airflow config list --defaults`` output → {"[section] key": default}: each option is printed as a comment
    block ending in ``# Variable: AIRFLOW__SECTION__KEY``, an empty ``#`` and ``# key = default``."""
    defaults: dict[str, str] = {}
    section, expecting = "", ""
    for line in text.splitlines():
        if header := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section, expecting = header[1], ""
        elif variable := re.fullmatch(r"# Variable: AIRFLOW__\w+?__(\w+)", line.strip()):
            expecting = variable[1].lower()
        elif expecting and (option := re.fullmatch(r"# (\w+) = ?(.*)", line.rstrip())) and option[1] == expecting:
            defaults[f"[{section}] {option[1]}"] = option[2]
            expecting = ""
    return defaults


def defaults(version: str) -> dict[str, str]:
    """Every option's default as Airflow ``version`` prints it, in its image (no network, removed afterwards)."""
    command = ["airflow", "config", "list", "--defaults"]
    if AirflowVersion(version).major >= 3:  # Airflow 3 prints option names only, without --show-values
        command.append("--show-values")
    out = docker_client().containers.run(
        s.airflow_image(version),
        command,
        environment={"AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
        network_mode="none",
        labels=s.labels("config-defaults"),
        remove=True,
    )
    return parse_defaults(out.decode())


#: What the reference says for a default that Airflow makes anew each time it prints its configuration (Airflow 2
#: generates a Fernet key and a webserver secret key when none is set).
GENERATED = "(generated anew at each start)"


def stable_defaults(version: str) -> dict[str, str]:
    """``defaults`` printed twice: an option whose two values differ is generated, not a default (``GENERATED``)."""
    first, second = defaults(version), defaults(version)
    return {key: value if second.get(key) == value else GENERATED for key, value in first.items()}


def reference(keys: list[str]) -> dict[str, dict[str, str | None]]:
    """{key: {version: default, or None where that version has no such option}} for the supported versions."""
    by_version = {v: stable_defaults(v) for v in s.SUPPORTED_AIRFLOW_VERSIONS}
    return {key: {v: by_version[v].get(key) for v in s.SUPPORTED_AIRFLOW_VERSIONS} for key in keys}


def main() -> int:
    REFERENCE.parent.mkdir(parents=True, exist_ok=True)
    REFERENCE.write_text(json.dumps(reference(cited_settings()), indent=1) + "\n")
    print(f"wrote {REFERENCE.relative_to(s.PROJECT_DIR)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
