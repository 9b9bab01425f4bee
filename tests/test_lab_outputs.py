"""A lab's stored outputs are part of the book: what a reader sees, not what the machine that ran it logged.

Every text output of every lab is scanned for logger lines (structlog, testcontainers, the logging module,
ANSI colours) and absolute paths of the machine that executed it. A failure names the notebook, the cell
and the line, so the cause can be fixed in the lab or the kit and the lab re-executed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

LABS = Path(__file__).resolve().parent.parent / "labs"
NOTEBOOKS = sorted(LABS.rglob("*.ipynb"))

#: What a logger prints and a reader should not have to read past.
LOGGER_LINE = re.compile(
    r"\x1b\["  # an ANSI colour escape (structlog's console renderer, testcontainers' coloured logs)
    r"|\[(debug|info|warning|warn|error|critical)\s*\]"  # structlog: "... [info     ] event"
    r"|^(DEBUG|INFO|WARNING|ERROR|CRITICAL):\S"  # logging.basicConfig: "INFO:testcontainers.core..."
    r"|Pulling image|Container started|Waiting for container"  # testcontainers' own messages
)
#: Absolute paths on the machine that ran the lab (a container's /opt/airflow paths are the lesson; these are not).
MACHINE_PATH = re.compile(r"(?<![\w.:/-])/(work|tmp|root|home)/")


def output_texts(notebook: Path):
    """(cell index, output text) for every text output a notebook stores: streams, results, errors."""
    cells = json.loads(notebook.read_text())["cells"]
    for index, cell in enumerate(cells):
        for output in cell.get("outputs", []):
            if "text" in output:
                yield index, _joined(output["text"])
            for mime, data in output.get("data", {}).items():
                if mime.startswith("text/"):
                    yield index, _joined(data)
            if "traceback" in output:
                yield index, "\n".join(output["traceback"])


def _joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)


def findings(notebook: Path) -> list[str]:
    """One line per offending output line: "<notebook>, cell <n>: <kind>: <line>"."""
    name = notebook.relative_to(LABS.parent) if notebook.is_relative_to(LABS) else notebook.name
    found = []
    for index, text in output_texts(notebook):
        for line in text.splitlines():
            kind = "logger line" if LOGGER_LINE.search(line) else "machine path" if MACHINE_PATH.search(line) else ""
            if kind:
                found.append(f"{name}, cell {index}: {kind}: {line[:160]!r}")
    return found


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: str(p.relative_to(LABS)))
def test_stored_outputs_hold_no_logger_lines_or_machine_paths(notebook):
    found = findings(notebook)
    assert not found, "re-execute the lab after removing the cause:\n" + "\n".join(found)


def test_the_scan_finds_logger_lines_and_machine_paths(tmp_path):
    notebook = tmp_path / "lab.ipynb"
    outputs = [
        {"output_type": "stream", "name": "stderr", "text": ["\x1b[2m2026-11-30\x1b[0m [info     ] Pulling image\n"]},
        {"output_type": "stream", "name": "stdout", "text": "INFO:testcontainers.core.container:Container started\n"},
        {"output_type": "execute_result", "data": {"text/plain": "PosixPath('/work/main/dags/qos')"}},
        {"output_type": "stream", "name": "stdout", "text": "/opt/airflow/dags/qos holds 6 files, 127.0.0.1/tmp\n"},
    ]
    notebook.write_text(json.dumps({"cells": [{"cell_type": "code", "source": "", "outputs": outputs}]}))
    found = findings(notebook)
    assert [line.split(": ")[1] for line in found] == ["logger line", "logger line", "machine path"], found
    assert all(line.startswith("lab.ipynb, cell 0: ") for line in found), found
