"""What running a lab costs, from labs/costs.json (written by `make labs`, benchmarks/run_labs.py): the one place.

* Every lab page opens with a "Run this lab" box: how to run it from a clone, which environments it starts, and the
  wall time and peak container memory measured when its stored outputs were made. A lab missing from costs.json is a
  build warning (the book builds with -W), so the boxes cannot fall behind the labs.
* ``{lab-plan}`` lists labs (one path per line, or ``ALL``) as a table with their measured time and memory and the
  total: the instructor page's workshop plans.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, directives
from sphinx.util import logging

logger = logging.getLogger(__name__)
COSTS = Path(__file__).resolve().parents[2] / "labs" / "costs.json"


def _costs() -> dict[str, dict[str, Any]]:
    return json.loads(COSTS.read_text()) if COSTS.exists() else {}


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min"


def _gb(mb: float) -> str:
    return f"{mb / 1024:.1f} GB"


def _para(*parts: nodes.Node | str) -> nodes.paragraph:
    para = nodes.paragraph()
    for part in parts:
        para += nodes.Text(part) if isinstance(part, str) else part
    return para


def add_run_box(app: Any, doctree: nodes.document) -> None:
    docname = app.env.docname
    if not docname.startswith("labs/"):
        return
    notebook = f"{docname}.ipynb"
    cost = _costs().get(notebook)
    if cost is None:
        logger.warning(
            f"labs/costs.json has no entry for {notebook}: run `make labs LABS={notebook}`", location=docname
        )
        return
    repository = app.config.html_theme_options.get("repository_url", "")
    starts = ", ".join(cost["environments"]) or "no Airflow (it checks files only)"
    versions = " and ".join(cost["airflow_versions"])
    box = nodes.admonition(classes=["tip", "run-this-lab"])
    box += nodes.title(text="Run this lab")
    box += _para(
        "From a clone of ",
        nodes.reference(text=repository, refuri=repository),
        " with Docker running: ",
        nodes.literal(text=f"make labs LABS={notebook}"),
        " re-executes it (",
        nodes.literal(text="make test"),
        " checks it with every other lab), or open it in Jupyter after ",
        nodes.literal(text="make images"),
        ".",
    )
    box += _para(
        f"It starts {starts}" + (f" on Airflow {versions}" if versions else "") + f" ({cost['starts']} start(s)). "
        f"Measured by the test suite on a 2-core machine, beside one other lab: {_minutes(cost['wall_s'])}, "
        f"peak memory of its containers {_gb(cost['peak_memory_mb'])}."
    )
    sections = list(doctree.findall(nodes.section))
    if sections:
        sections[0].insert(1, box)  # right under the page title


class LabPlan(Directive):
    """A table of the listed labs with their measured time and memory, and the total time."""

    has_content = True
    option_spec = {"title": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        costs = _costs()
        rows, total = [], 0.0
        listed = [x.strip() for x in self.content if x.strip()]
        if listed == ["ALL"]:
            listed = sorted(costs)
        for line in listed:
            cost = costs.get(line)
            if cost is None:
                raise self.error(f"{line} is not in labs/costs.json: run `make labs LABS={line}`")
            total += cost["wall_s"]
            rows.append((line.removeprefix("labs/").removesuffix(".ipynb"), cost))
        table = nodes.table(classes=["lab-plan"])
        group = nodes.tgroup(cols=4)
        table += group
        for width in (40, 25, 15, 15):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body

        def row(*cells: str) -> nodes.row:
            r = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(text=cell)
                r += entry
            return r

        head += row("lab", "starts", "time", "peak memory")
        for name, cost in rows:
            what = ", ".join(cost["environments"]) or "—"
            body += row(name, what, _minutes(cost["wall_s"]), _gb(cost["peak_memory_mb"]))
        body += row("total", "", _minutes(total), "")
        return [table]


def setup(app: Any) -> dict:
    app.connect("doctree-read", add_run_box)
    app.add_directive("lab-plan", LabPlan)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
