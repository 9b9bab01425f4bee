"""No secret a lab seeds appears in plain text in a stored lab output or in the built book.

The secrets are the sensitive values of every secrets file under ``labs/`` (connection passwords, variables
whose key Airflow treats as sensitive). Labs may show where Airflow does *not* mask a value, but they prove it
by assertion and print only whether it was found, so the published pages never carry a usable secret.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from airflow_lab.secrets import SecretsFileError, load_secrets

from .conftest import PROJECT

#: Airflow never masks shorter values ([logging] min_length_masked_secret); too short to search for reliably.
MIN_LENGTH = 5
LABS = sorted(p for p in (PROJECT / "labs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def seeded_secrets() -> dict[str, str]:
    """{secret value: the file that seeds it}, from every secrets file (or file of named sections) in labs/."""
    found: dict[str, str] = {}
    for path in sorted((PROJECT / "labs").rglob("*")):
        if path.suffix not in (".json", ".yaml", ".yml") or ".ipynb_checkpoints" in path.parts:
            continue
        if path == PROJECT / "labs" / "costs.json":  # what each lab costs (make labs), no secrets
            continue
        try:
            sections = [load_secrets(path)]
        except SecretsFileError:  # e.g. precedence.yaml: one secrets mapping per source
            data = yaml.safe_load(path.read_text()) if path.suffix != ".json" else json.loads(path.read_text())
            sections = [load_secrets(v) for v in (data or {}).values() if isinstance(v, dict)]
        for entries in sections:
            for value in entries.sensitive_values():
                if len(value) >= MIN_LENGTH:
                    found[value] = str(path.relative_to(PROJECT))
    return found


def output_text(notebook: Path) -> str:
    cells = json.loads(notebook.read_text())["cells"]
    parts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            parts.append("".join(output.get("text", "")))
            for mime, data in output.get("data", {}).items():
                if mime.startswith("text/") or mime == "application/json":
                    parts.append(data if isinstance(data, str) else "".join(data))
            parts.append("\n".join(output.get("traceback", [])))
    return "\n".join(parts)


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    return [f"{value[:3]}… (seeded by {source})" for value, source in secrets.items() if value in text]


def test_the_labs_seed_secrets_to_look_for():
    secrets = seeded_secrets()
    assert len(secrets) >= 4, secrets.values()  # passwords and tokens of the secrets chapter's labs


@pytest.mark.parametrize("lab", LABS, ids=lambda p: str(p.relative_to(PROJECT)))
def test_no_seeded_secret_in_stored_lab_outputs(lab):
    found = leaks(output_text(lab), seeded_secrets())
    assert not found, f"{lab.relative_to(PROJECT)} shows secrets in its outputs: {found}"


def test_no_seeded_secret_in_the_built_book(tmp_path):
    jb = Path(sys.executable).with_name("jb")
    result = subprocess.run(
        [str(jb), "build", str(PROJECT), "-n", "--keep-going", "--path-output", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    html = tmp_path / "_build" / "html"
    assert html.is_dir(), result.stdout[-3000:] + result.stderr[-3000:]
    secrets = seeded_secrets()
    found = {}
    for page in html.rglob("*"):
        if page.suffix in (".html", ".txt", ".js", ".json", ".ipynb", ".md", ".py") and page.is_file():
            if hits := leaks(page.read_text(errors="replace"), secrets):
                found[str(page.relative_to(html))] = hits
    assert not found, f"the built book shows secrets: {found}"
