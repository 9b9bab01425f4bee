"""``airflow-lab upgrade-check``: bad input exits 2 before Docker is touched; a folder that upgrades cleanly exits 0
with the report's fields read from Airflow's records; a folder whose DAG stops parsing on 3.3 exits 1."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest
from airflow_lab.cli import main

from .conftest import PROJECT

EXAMPLE = PROJECT / "dags" / "executors" / "local_fanout.py"  # a book example that imports on 2.11 and 3.3
LEGACY = PROJECT / "dags" / "upgrade" / "airflow2" / "upgrade_dummy.py"  # imports airflow.operators.dummy


@pytest.mark.parametrize(
    ("args", "cause", "fix"),
    [
        (["{missing}"], "does not exist", "Fix: pass the folder"),
        (["{file}"], "is not a folder", "Fix: pass the folder"),
        (["{folder}", "--from", "3.3.2", "--to", "2.11.2"], "is not older than --to", "Fix: e.g. --from 2.11.2"),
        (["{folder}", "--from", "3.3.2", "--to", "3.3.2"], "is not older than --to", "Fix: e.g. --from 2.11.2"),
        (["{private}"], "cannot read", "Fix: chmod -R o+rX"),
        (["{folder}", "--from", "2.10.5"], "not a version the kit has images for", "3.3.2, 2.11.2"),
        (["{folder}", "--to", "3.4.0"], "not a version the kit has images for", "3.3.2, 2.11.2"),
    ],
    ids=[
        "dir-missing",
        "dir-is-a-file",
        "dir-unreadable",
        "downgrade",
        "same-version",
        "from-without-images",
        "to-without-images",
    ],
)
def test_bad_input_exits_2_naming_cause_and_fix_before_docker(args, cause, fix, tmp_path, capsys, no_docker_engine):
    (tmp_path / "dags").mkdir(mode=0o755)
    (tmp_path / "private").mkdir(mode=0o700)
    (tmp_path / "one.py").write_text("")
    paths = {"missing": tmp_path / "missing", "file": tmp_path / "one.py", "folder": tmp_path / "dags"}
    paths["private"] = tmp_path / "private"
    argv = ["upgrade-check", *(a.format(**paths) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert cause in err and fix in err
    assert "No Docker engine" not in err  # refused before the engine was asked


def _upgrade_check(folder) -> tuple[int, dict]:
    folder.chmod(0o755)  # pytest makes tmp_path private; the Airflow containers' user must read it
    result = subprocess.run(
        [sys.executable, "-m", "airflow_lab.cli", "upgrade-check", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return result.returncode, json.loads(result.stdout)


@pytest.mark.docker
def test_what_worked_on_2_survives_and_what_stops_parsing_on_3_exits_1(tmp_path, no_leftovers):
    # one upgrade for both cases (each costs two Airflow starts and a migration): a book example that upgrades
    # cleanly beside a 2.x-only file that stops parsing
    shutil.copy(EXAMPLE, tmp_path)
    shutil.copy(LEGACY, tmp_path)
    # mentions Airflow and DAGs, so the DAG processor parses it, but defines none: no row says it was parsed
    (tmp_path / "helpers.py").write_text('"""Shared by the Airflow DAG files of this folder."""\nROWS = 3\n')
    code, report = _upgrade_check(tmp_path)
    assert code == 1
    assert (report["from"], report["to"]) == ("2.11.2", "3.3.2")
    assert report["migrate_seconds"] > 0
    assert report["dags_before"] == ["local_fanout", "upgrade_dummy"] and report["dags_after"] == ["local_fanout"]
    assert report["import_errors_before"] == {}
    assert "airflow.operators.dummy" in report["import_errors_after"]["upgrade_dummy.py"]
    assert report["runs_before"] == {"local_fanout": "success", "upgrade_dummy": "success"}
    assert report["runs_after"] == {"local_fanout": "success"}
    assert report["failed_runs_after"] == []
    assert report["broken"] and all("upgrade_dummy" in reason for reason in report["broken"]), report["broken"]
    assert any("upgrade_dummy parsed on 2.11.2, not on 3.3.2" in reason for reason in report["broken"])
    assert {f["file"] for f in report["ruff_air3"]} == {"upgrade_dummy.py"}  # the example already uses 3's names
    assert {f["code"] for f in report["ruff_air3"]} >= {"AIR302"}
    history = report["history"]
    assert history["xcoms"]["before"] >= 5  # four extracts and combine return values
    for name in ("dag_runs", "task_instances", "xcoms", "pools", "variables", "connections"):
        assert history[name]["after"] == history[name]["before"] > 0, name
    assert history["xcom_values_changed"] == [] and history["secrets_readable"] is True
    # the kit's Airflow 2 settings that 3.x renames ([webserver] secret_key -> [api] secret_key, ...)
    renamed = {c["option"]: c["to"] for c in report["config_changes"] if c["change"] == "renamed"}
    assert renamed.get("webserver/secret_key") == "api/secret_key"


def test_the_exit_code_is_0_only_when_nothing_broke(monkeypatch, tmp_path, capsys):
    from airflow_lab import upgrade

    class Report:
        def __init__(self, broken):
            self.broken = broken

        def to_dict(self):
            return {"broken": self.broken}

    tmp_path.chmod(0o755)
    for broken, code in (([], 0), (["local_fanout succeeded on 2.11.2, failed on 3.3.2"], 1)):
        monkeypatch.setattr(upgrade, "upgrade_check", lambda *a, broken=broken, **k: Report(broken))
        assert main(["upgrade-check", str(tmp_path), "--json"]) == code
        assert json.loads(capsys.readouterr().out) == {"broken": broken}
