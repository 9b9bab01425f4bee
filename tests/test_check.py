"""``airflow-lab check``: bad input is refused clearly; each check fires on its broken example; the
project's DAGs pass; the copyable integrity test fails where the check fails."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from airflow_lab import check as c
from airflow_lab.cli import main, parser

from .conftest import PROJECT

BAD = PROJECT / "tests" / "dags" / "cicd" / "bad"
GOOD = PROJECT / "tests" / "dags" / "cicd" / "good"
SOURCE = PROJECT / "tests" / "dags" / "cicd" / "source"

#: which rule each broken example must trigger (the file name says what is wrong with it)
EXPECTED_BAD = {
    "orders_import_error.py": {"import-error"},
    "orders_cycle.py": {"dag-cycle"},
    "orders_slow_parse.py": {"slow-parse"},
    "orders_policy.py": {"owner", "tags", "retries", "top-level-variable-get"},
}


def inspect_on_host(folder: Path) -> dict:
    """dag_checks.py with the Airflow installed here (3.3.2, without the image's providers): no Docker."""
    script = PROJECT / "environments" / "airflow_lab" / "incontainer" / "dag_checks.py"
    out = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True, text=True, check=True)
    line = next(line for line in out.stdout.splitlines() if line.startswith("AIRFLOW_LAB_CHECK_JSON="))
    return json.loads(line.split("=", 1)[1])


def host_report(folder: Path, config: c.CheckConfig | None = None) -> c.Report:
    config = config or c.load_config(folder)
    return c.evaluate(inspect_on_host(folder), c.ruff_problems(folder, config, "3.3.2"), config, str(folder))


# -- bad input ---------------------------------------------------------------------------------------------


def test_a_missing_folder_is_refused_with_the_fix(tmp_path):
    with pytest.raises(c.CheckInputError, match="does not exist"):
        c.validate_folder(tmp_path / "nope")


def test_a_file_instead_of_a_folder_is_refused(tmp_path):
    (tmp_path / "x.py").write_text("")
    with pytest.raises(c.CheckInputError, match="is not a folder"):
        c.validate_folder(tmp_path / "x.py")


def test_a_folder_without_dag_files_is_refused(tmp_path):
    (tmp_path / "util.py").write_text("print('no DAG here')\n")
    with pytest.raises(c.CheckInputError, match="holds no DAG files"):
        c.validate_folder(tmp_path)


def test_bad_input_exits_2_before_docker_is_touched(capsys, tmp_path):
    assert main(["check", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_policy_or_severity_is_refused():
    with pytest.raises(c.CheckInputError, match="Unknown policy"):
        c.CheckConfig().with_policy(owners="error")
    with pytest.raises(c.CheckInputError, match="must be one of"):
        c.CheckConfig().with_policy(owner="fatal")
    with pytest.raises(SystemExit):
        parser().parse_args(["check", "dags", "--policy", "owner"])


def test_unsupported_airflow_version_is_refused():
    with pytest.raises(SystemExit):
        parser().parse_args(["check", "dags", "--airflow-version", "2.7.0"])


# -- configuration -----------------------------------------------------------------------------------------


def test_policy_comes_from_the_nearest_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.airflow-lab.check]\nparse-time-warning = 5\nplugins = "plugins"\npolicy = { owner = "off" }\n'
    )
    (tmp_path / "dags").mkdir()
    config = c.load_config(tmp_path / "dags")
    assert config.parse_time_warning_s == 5
    assert config.policy["owner"] == "off" and config.policy["tags"] == "error"
    assert config.plugins == tmp_path / "plugins"


def test_the_projects_own_configuration_is_found():
    config = c.load_config(PROJECT / "dags")
    assert config.source == str(PROJECT / "pyproject.toml")
    assert config.plugins == PROJECT / "dags" / "plugins"


# -- the verdicts (Airflow on the host: fast, no Docker) -----------------------------------------------------


def test_each_broken_example_triggers_its_rule():
    report = host_report(BAD)
    assert not report.ok
    for file, rules in EXPECTED_BAD.items():
        assert rules <= report.rules(file), (file, report.rules(file))
    duplicate = {p.file for p in report.problems if p.rule == "duplicate-dag-id"}
    assert duplicate & {"orders_daily.py", "orders_daily_copy.py"}, report.summary()
    assert report.rules("orders_slow_parse.py") == {"slow-parse"}  # slow, but otherwise fine: a warning
    assert {p.severity for p in report.problems if p.rule == "slow-parse"} == {"warning"}


def test_a_clean_folder_passes():
    report = host_report(GOOD)
    assert report.ok and report.problems == (), report.summary()
    assert report.dags == ("orders_good",)


def test_files_the_airflowignore_keeps_from_airflow_are_not_judged(tmp_path):
    shutil.copytree(GOOD, tmp_path / "dags")
    old = tmp_path / "dags" / "airflow2_only"
    old.mkdir()
    (old / "legacy.py").write_text(
        "from airflow import DAG\nfrom airflow.operators.dummy import DummyOperator\n\n"
        "with DAG('legacy', schedule_interval=None):\n    DummyOperator(task_id='t')\n"
    )
    assert not host_report(tmp_path / "dags").ok  # AIR301/AIR302: removed in Airflow 3
    (tmp_path / "dags" / ".airflowignore").write_text("airflow2_only/\n")
    report = host_report(tmp_path / "dags")
    assert report.ok and report.problems == (), report.summary()


def test_json_has_the_documented_keys():
    data = json.loads(host_report(BAD).to_json())
    assert {"airflow_version", "dags", "import_errors", "problems", "ok"} <= set(data)
    assert all({"file", "error"} <= set(e) for e in data["import_errors"])
    assert all({"file", "rule", "severity", "message"} <= set(p) for p in data["problems"])


def test_airflow3_removals_are_errors_for_3_and_warnings_for_2():
    assert c._ruff_severity("AIR301", "3.3.2") == "error"
    assert c._ruff_severity("AIR301", "2.11.2") == "warning"
    assert c._ruff_severity("AIR311", "3.3.2") == "warning"
    assert c._ruff_severity("F821", "2.11.2") == "error"


def test_ruff_flags_the_source_materials_airflow2_names():
    rules = {(p.file, p.rule) for p in c.ruff_problems(SOURCE, c.CheckConfig(), "3.3.2")}
    assert ("with_sla.py", "AIR311") in rules  # sla / sla_miss_callback
    assert ("variables.py", "top-level-variable-get") in rules
    assert ("variables.py", "AIR312") in rules  # airflow.operators.empty moved to the standard provider


def test_a_policy_set_to_off_is_not_reported():
    config = c.CheckConfig().with_policy(owner="off", retries="warning")
    report = host_report(BAD, config)
    assert "owner" not in report.rules()
    assert {p.severity for p in report.problems if p.rule == "retries"} == {"warning"}


# -- the copyable pytest version agrees ------------------------------------------------------------------


def run_integrity_test(folder: Path) -> str:
    env = os.environ | {"DAG_INTEGRITY_DAGS": str(folder)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rA",
            str(PROJECT / "tests" / "test_dag_integrity.py"),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=PROJECT,
    )
    return result.stdout + result.stderr


def test_the_copyable_integrity_test_fails_on_each_broken_example():
    output = run_integrity_test(BAD)
    for test in (
        "test_every_dag_file_imports",
        "test_no_two_files_define_the_same_dag_id",
        "test_no_dag_has_a_cycle",
        "test_every_dag_has_tags",
        "test_no_variable_get_outside_tasks[orders_policy.py]",
    ):
        assert f"FAILED tests/test_dag_integrity.py::{test}" in output, output[-3000:]
    assert "orders_slow_parse.py took" in output  # a warning, not a failure


def test_the_copyable_integrity_test_passes_on_a_clean_folder():
    output = run_integrity_test(GOOD)
    assert "failed" not in output and " passed" in output, output[-3000:]


# -- in the Airflow image (Docker) -----------------------------------------------------------------------


def run_cli(*args: str) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("airflow-lab")
    return subprocess.run([str(exe), "check", *args], capture_output=True, text=True, cwd=PROJECT, timeout=600)


@pytest.mark.docker
def test_the_projects_dags_pass_in_the_image(no_leftovers):
    result = run_cli("dags", "--json")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["airflow_version"] == "3.3.2" and report["import_errors"] == []
    assert "local_fanout" in report["dags"]


@pytest.mark.docker
def test_a_broken_folder_fails_naming_each_file_in_the_image(no_leftovers):
    result = run_cli(str(BAD))
    assert result.returncode == 1, result.stdout + result.stderr
    for file in EXPECTED_BAD:
        assert file in result.stdout, result.stdout
    # the image has the postgres provider: the real error is the misspelt class, not a missing package
    assert "PostgressHook" in result.stdout
    assert "FAILED" in result.stdout.splitlines()[-1]


@pytest.mark.docker
def test_airflow2_target_sees_removals_as_warnings(no_leftovers):
    result = run_cli(str(SOURCE), "--airflow-version", "2.11.2", "--json")
    report = json.loads(result.stdout)
    assert report["airflow_version"] == "2.11.2"
    assert {p["severity"] for p in report["problems"] if p["rule"].startswith("AIR3")} <= {"warning"}
