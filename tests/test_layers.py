"""The kit's shape: its import layers hold (import-linter, the contract in pyproject.toml), and no module reaches
into another's private names."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import PROJECT

KIT = PROJECT / "environments" / "airflow_lab"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(environments: Path) -> subprocess.CompletedProcess:
    """``lint-imports`` with the project's contract, on the ``airflow_lab`` found in ``environments``."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PROJECT / "pyproject.toml"), "--no-cache", "--no-logo"],
        cwd=PROJECT,
        env={**os.environ, "PYTHONPATH": str(environments)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_kit_keeps_its_import_layers():
    result = lint_imports(KIT.parent)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_an_import_from_a_lower_layer_upwards_breaks_the_contract(tmp_path):
    kit = tmp_path / "airflow_lab"
    shutil.copytree(KIT, kit, ignore=shutil.ignore_patterns("__pycache__"))
    services = kit / "services.py"
    services.write_text(services.read_text() + "\nfrom . import lab  # noqa: E402  (the violation under test)\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    assert "airflow_lab.services -> airflow_lab.lab" in result.stdout, result.stdout


def private_uses(path: Path, root: Path = KIT) -> list[str]:
    """``from .x import _name`` and ``module._name`` where ``module`` is one of the kit's modules."""
    tree = ast.parse(path.read_text())
    kit_modules: set[str] = set()
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level > 0:
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {alias.name}")
                if node.module is None:  # `from . import settings as s`: a kit module bound to a name
                    kit_modules.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in kit_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{path.relative_to(root)}:{node.lineno} uses {node.value.id}.{node.attr}")
    return found


def test_no_kit_module_uses_another_modules_private_names():
    found = [use for path in sorted(KIT.rglob("*.py")) for use in private_uses(path)]
    assert not found, found


def test_the_private_name_check_sees_a_private_import(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from .lab import _LIVE\nfrom . import settings as s\nprint(s._env)\n")
    assert private_uses(module, tmp_path) == ["bad.py:1 imports _LIVE", "bad.py:3 uses s._env"]


def _kit_modules() -> set[str]:
    return {p.stem for p in KIT.glob("*.py") if p.stem != "__init__"} | {
        p.name for p in KIT.iterdir() if p.is_dir() and (p / "__init__.py").is_file()
    }


def test_every_module_has_a_layer_in_the_contract():
    import tomllib

    contract = tomllib.loads((PROJECT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"][0]
    layered = {name.strip() for layer in contract["layers"] for name in layer.split("|")}
    missing = sorted(_kit_modules() - layered)  # import-linter does not check a module no layer names
    assert not missing, f"add {missing} to a layer of [tool.importlinter] in pyproject.toml"


def test_the_readme_layout_table_names_every_module():
    readme = (PROJECT / "README.md").read_text()
    missing = sorted(m for m in _kit_modules() if f"`{m}.py`" not in readme and f"`{m}/`" not in readme)
    assert not missing, f"README.md's table of the kit's modules lacks {missing}"
