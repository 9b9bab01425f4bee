"""Lab hygiene: every lab is in the book, stored with its verified outputs, asserts something, compares
the outputs that are the lesson, and checks that it cleaned up."""

from __future__ import annotations

import pytest
import yaml

from .conftest import PROJECT

LABS = sorted(p for p in (PROJECT / "labs").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def code_cells(path):
    import nbformat

    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and c.source.strip()]


def toc_files(node) -> set[str]:
    found = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("file", "root"):
                found.add(value)
            found |= toc_files(value)
    elif isinstance(node, list):
        for item in node:
            found |= toc_files(item)
    return found


@pytest.mark.parametrize("lab", LABS, ids=lambda p: str(p.relative_to(PROJECT)))
def test_lab_is_published_stored_with_outputs_and_asserts(lab):
    name = str(lab.relative_to(PROJECT).with_suffix(""))
    assert name in toc_files(yaml.safe_load((PROJECT / "_toc.yml").read_text())), f"{name} is not in _toc.yml"
    cells = code_cells(lab)
    assert all(c.outputs for c in cells if "print(" in c.source or "plt.show()" in c.source), (
        f"{name}: stored without outputs; run `make labs`"
    )
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"], f"{name}: stored with an error"
    assert any("assert " in c.source for c in cells), f"{name} asserts nothing"
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in cells), (
        f"{name}: tag the cells whose output is the lesson with nbval-check-output"
    )
    assert not any("NBVAL_" in c.source for c in cells), f"{name}: use cell tags, not NBVAL comments, for nbval"
    assert "leftovers()" in cells[-1].source, f"{name}: the last cell should check that nothing is left"
