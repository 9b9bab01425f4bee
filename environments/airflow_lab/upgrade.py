"""``airflow-lab upgrade-check DIR``: upgrade a metadata database that has history, and see what breaks.

The rehearsal an operator runs before upgrading production, on a copy of the DAG folder:

1. start a ``local`` environment of the old version with DIR as its DAG folder and make history there: every
   DAG of the folder run once (their task return values are XComs), a pool, a Variable and a Connection;
2. stop the Airflow components but keep Postgres and its data, and run the new version's ``airflow db migrate``
   on that database, in a container of the new version's image (timed);
3. start the new version's components against it, parse the folder and run every DAG that parses;
4. compare: DAGs parsed, import errors, run states, and the history counted from Airflow's own tables.

Beside it, ruff's ``AIR3`` rules on DIR (the names and arguments Airflow 3 removed or moved) and the new version's
``airflow config update`` on the options the old environment set (the keys it renames or removes).
Exit 1 when something that worked before breaks after; 2 on bad input, before anything starts.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import settings as s
from .check import dag_files, ruff_findings
from .docker import labelled
from .environment import Environment, local
from .errors import LabError
from .lab import Lab
from .types import AirflowVersion

#: What the check adds to the history, so that every kind of record the migration converts exists.
POOL, VARIABLE, CONNECTION = "upgrade_check_pool", "upgrade_check_variable", "upgrade_check_connection"
VARIABLE_VALUE = '{"batch_size": 100}'
CONNECTION_URI = "postgresql://reporter:s3cret@warehouse.example.invalid:5432/sales"

#: Rows of Airflow's own tables that must survive a migration (same names on 2.11 and 3.3).
HISTORY_TABLES = {
    "dag_runs": "dag_run",
    "task_instances": "task_instance",
    "xcoms": "xcom",
    "pools": "slot_pool",
    "variables": "variable",
    "connections": "connection",
}


@dataclass
class UpgradeReport:
    """What ``upgrade-check`` prints as JSON (``--json``)."""

    from_version: str
    to_version: str
    migrate_seconds: float = 0.0
    dags_before: list[str] = field(default_factory=list)
    dags_after: list[str] = field(default_factory=list)
    import_errors_before: dict[str, str] = field(default_factory=dict)
    import_errors_after: dict[str, str] = field(default_factory=dict)
    runs_before: dict[str, str] = field(default_factory=dict)
    runs_after: dict[str, str] = field(default_factory=dict)
    #: For each run that failed after the upgrade, the exception its failed task's log ends with.
    run_errors_after: dict[str, str] = field(default_factory=dict)
    ruff_air3: list[dict[str, Any]] = field(default_factory=list)
    config_changes: list[dict[str, Any]] = field(default_factory=list)
    history: dict[str, Any] = field(default_factory=dict)
    #: The environment the check started (and removed): ``leftovers()`` finds what it left by this id.
    lab_id: str = ""

    def leftovers(self) -> dict[str, int]:
        """How many containers, networks and volumes of the check's environment still exist (all zero after it)."""
        return {kind: len(found) for kind, found in labelled(f"{s.LABEL}.lab={self.lab_id}").items()}

    @property
    def failed_runs_after(self) -> list[str]:
        return sorted(dag for dag, state in self.runs_after.items() if state != "success")

    @property
    def broken(self) -> list[str]:
        """What worked before and does not after: the reasons for exit code 1."""
        reasons = [f"{dag} parsed on {self.from_version}, not on {self.to_version}" for dag in self.dags_lost]
        reasons += [
            f"{dag} succeeded on {self.from_version}, {self.runs_after[dag]} on {self.to_version}"
            for dag, state in sorted(self.runs_before.items())
            if state == "success" and dag in self.runs_after and self.runs_after[dag] != "success"
        ]
        for name, counts in sorted(self.history.items()):
            if isinstance(counts, dict) and counts["after"] < counts["before"]:
                reasons.append(f"history lost: {name} {counts['before']} before, {counts['after']} after")
        if self.history.get("xcom_values_changed"):
            reasons.append(f"history changed: {len(self.history['xcom_values_changed'])} XCom value(s) differ")
        if self.history.get("secrets_readable") is False:
            reasons.append("the Connection or Variable made before cannot be read after")
        return reasons

    @property
    def dags_lost(self) -> list[str]:
        return sorted(set(self.dags_before) - set(self.dags_after))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        keys = ["migrate_seconds", "runs_before", "runs_after", "run_errors_after", "dags_before", "dags_after"]
        keys += ["import_errors_before", "import_errors_after", "ruff_air3"]
        return (
            {"from": self.from_version, "to": self.to_version}
            | {key: data[key] for key in keys}
            | {"failed_runs_after": self.failed_runs_after, "config_changes": data["config_changes"]}
            | {"history": data["history"], "broken": self.broken}
        )

    def summary(self) -> str:
        lines = [
            f"Upgrade {self.from_version} -> {self.to_version}: airflow db migrate took {self.migrate_seconds:.1f} s",
            f"  DAGs parsed: {len(self.dags_before)} before, {len(self.dags_after)} after"
            + (f" (lost: {', '.join(self.dags_lost)})" if self.dags_lost else ""),
            f"  import errors: {len(self.import_errors_before)} before, {len(self.import_errors_after)} after",
        ]
        for file, error in sorted(self.import_errors_after.items()):
            lines.append(f"    {file}: {error}")
        ok_before = sum(state == "success" for state in self.runs_before.values())
        ok_after = sum(state == "success" for state in self.runs_after.values())
        lines.append(
            f"  runs succeeded: {ok_before}/{len(self.runs_before)} before, {ok_after}/{len(self.runs_after)} after"
        )
        for dag, error in sorted(self.run_errors_after.items()):
            lines.append(f"    {dag}: {error}")
        counts = [f"{k} {v['before']}->{v['after']}" for k, v in self.history.items() if isinstance(v, dict)]
        lines.append("  history: " + ", ".join(counts))
        for change in self.history.get("xcom_values_changed", []):
            lines.append(f"    XCom {change['xcom']}: {change['before']} -> {change['after']}")
        lines.append(f"  ruff AIR3 findings: {len(self.ruff_air3)}")
        for finding in self.ruff_air3:
            lines.append(f"    {finding['file']}:{finding['line']} {finding['code']} {finding['message']}")
        lines.append(f"  config changes ({self.to_version}'s `airflow config update`): {len(self.config_changes)}")
        for change in self.config_changes:
            lines.append(f"    {change['text']}")
        lines.append("  broken: " + ("; ".join(self.broken) if self.broken else "nothing"))
        return "\n".join(lines)


def validate(directory: str | Path, from_version: str, to_version: str) -> tuple[Path, AirflowVersion, AirflowVersion]:
    """Check the arguments before anything starts: ``LabError`` (exit 2) naming the cause and the fix."""
    folder = Path(directory).expanduser().resolve()
    if not folder.exists():
        raise LabError(f"The DAG folder {directory} does not exist. Fix: pass the folder that holds your DAG files.")
    if not folder.is_dir():
        raise LabError(f"{directory} is not a folder. Fix: pass the folder that holds your DAG files, not one file.")
    unreadable = [p for p in [folder, *folder.rglob("*")] if p.stat().st_mode & (0o005 if p.is_dir() else 0o004) == 0]
    if unreadable:
        raise LabError(
            f"The Airflow containers (user 50000) cannot read {_shown(unreadable[0], folder, directory)}: it is not"
            f" readable by other users. Fix: chmod -R o+rX {directory}"
        )
    old, new = AirflowVersion(from_version), AirflowVersion(to_version)  # LabError names the supported versions
    if _key(old) >= _key(new):
        raise LabError(
            f"--from {old} is not older than --to {new}: an upgrade goes to a newer version. "
            f"Fix: e.g. --from {s.AIRFLOW_2_VERSION} --to {s.AIRFLOW_VERSION}."
        )
    return folder, old, new


def _shown(path: Path, folder: Path, given: str | Path) -> str:
    return str(given) if path == folder else f"{given}/{path.relative_to(folder)}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def upgrade_check(
    directory: str | Path,
    from_version: str = s.AIRFLOW_2_VERSION,
    to_version: str = s.AIRFLOW_VERSION,
    show_progress: bool = True,
    timeout: float | None = None,
) -> UpgradeReport:
    """Rehearse the upgrade of an environment that ran ``directory``'s DAGs; see the module docstring."""
    folder, old, new = validate(directory, from_version, to_version)
    report = UpgradeReport(str(old), str(new))
    report.ruff_air3 = ruff_air3(folder)
    timeout = timeout or s.settings().run_timeout
    before_env, after_env = local(old, dags=folder), local(new, dags=folder)
    with Lab(before_env, show_progress=show_progress).start() as lab:
        report.lab_id = lab.id
        report.dags_before, report.import_errors_before = parsed(lab, folder, since="-infinity")
        report.runs_before, _ = run_all(lab, report.dags_before, timeout)
        make_history(lab)
        before = history(lab)
        report.config_changes = config_changes(lab, before_env, after_env)

        lab.stop_airflow()
        with lab.progress(f"Migrating the database with Airflow {new}'s `airflow db migrate`"):
            began = time.monotonic()
            code, output = lab.one_off(after_env, "migrate", ["airflow", "db", "migrate"])
            report.migrate_seconds = round(time.monotonic() - began, 1)
        if code != 0:
            raise LabError(f"Airflow {new}'s `airflow db migrate` exited with {code}:\n{output[-3000:]}")
        migrated_at = lab.sql("SELECT now() AS t", database="airflow")[0]["t"]
        lab.start_airflow(after_env)
        after = history(lab)  # before any run of the new version adds to it
        report.dags_after, report.import_errors_after = parsed(lab, folder, since=migrated_at)
        report.runs_after, report.run_errors_after = run_all(lab, report.dags_after, timeout)
        report.history = {name: {"before": before[name], "after": after[name]} for name in HISTORY_TABLES}
        report.history["xcom_values_changed"] = [
            {"xcom": key, "before": value, "after": after["xcom_values"].get(key)}
            for key, value in before["xcom_values"].items()
            if after["xcom_values"].get(key) != value
        ]
        report.history["secrets_readable"] = secrets_readable(lab)
    return report


# -- the environment's records ----------------------------------------------------------------------------


def parsed(
    lab: Lab, folder: Path, since: str, timeout: float = 180, settle: float = 15
) -> tuple[list[str], dict[str, str]]:
    """The DAGs the running version parsed from ``folder`` since ``since`` (the database's clock) and the import
    errors it recorded, once every file that may hold a DAG is accounted for.

    Read from the ``dag`` and ``import_error`` tables (the same on both majors): after a migration, the old
    version's DAG rows are still there, and only a parse time after the migration tells what the new one parsed.
    A file that mentions Airflow and DAGs but defines none (a helper module) leaves no row: once the first files
    are in, the rest get ``settle`` more seconds, since the DAG processor parses a folder in one pass.
    """
    expected = {path.relative_to(folder).as_posix() for path in dag_files(folder)}
    first_seen: list[float] = []

    def look() -> tuple[list[str], dict[str, str]] | None:
        dags = lab.sql(f"SELECT dag_id, fileloc FROM dag WHERE last_parsed_time > '{since}'", database="airflow")
        errors = lab.sql(f"SELECT filename, stacktrace FROM import_error WHERE timestamp > '{since}'", "airflow")
        found = {_relative(row["fileloc"]) for row in dags} | {_relative(row["filename"]) for row in errors}
        if found and not first_seen:
            first_seen.append(time.monotonic())
        if expected <= found or (first_seen and time.monotonic() - first_seen[0] > settle):
            return (
                sorted(row["dag_id"] for row in dags),
                {_relative(row["filename"]): _last_line(row["stacktrace"]) for row in errors},
            )
        return None

    dags, errors = lab.wait_until(look, f"Airflow {lab.env.airflow_version} has parsed the DAG folder", timeout)
    return dags, errors


def run_all(lab: Lab, dag_ids: list[str], timeout: float) -> tuple[dict[str, str], dict[str, str]]:
    """Trigger every DAG at once, then wait for each: ``{dag_id: final state}``, and for each run that failed the
    exception its failed task's log ends with."""
    api = lab.api
    if api is None:
        raise LabError("This lab is not running.")
    run_ids = {}
    for dag_id in dag_ids:
        api.unpause(dag_id)
        run_ids[dag_id] = api.trigger(dag_id)
    states, errors = {}, {}
    for dag_id, run_id in run_ids.items():
        result = lab.wait(dag_id, run_id, timeout=timeout, logs=True)
        states[dag_id] = result.state
        failed = [t.log or "" for ti in result.task_instances for t in ti.tries if t.state == "failed"]
        if failed and (raised := _EXCEPTION.findall(failed[-1])):
            errors[dag_id] = raised[-1].strip()
    return states, errors


def make_history(lab: Lab) -> None:
    """A pool, a Variable and a Connection (its password encrypted with the Fernet key), made with Airflow's CLI."""
    lab.create_pool(POOL, 3, "made before the upgrade")
    lab.exec("scheduler", ["airflow", "variables", "set", VARIABLE, VARIABLE_VALUE])
    lab.exec("scheduler", ["airflow", "connections", "add", CONNECTION, "--conn-uri", CONNECTION_URI])


def history(lab: Lab) -> dict[str, Any]:
    """Row counts of the history tables, and every XCom's value as JSON text (keys sorted), from Airflow's own
    tables."""
    counts = {
        name: int(lab.sql(f"SELECT count(*) AS n FROM {table}", database="airflow")[0]["n"])
        for name, table in HISTORY_TABLES.items()
    }
    # 2.x stores XCom values as JSON bytes (bytea), 3.x as JSON (jsonb): compare them decoded
    kind = lab.sql(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'xcom' AND column_name = 'value'",
        database="airflow",
    )[0]["data_type"]
    text = "convert_from(value, 'UTF8')" if kind == "bytea" else "value::text"
    rows = lab.sql(f"SELECT dag_id, run_id, task_id, key, map_index, {text} AS v FROM xcom", database="airflow")
    values = {
        "/".join((r["dag_id"], r["run_id"], r["task_id"], r["key"], r["map_index"])): _canonical(r["v"]) for r in rows
    }
    return counts | {"xcom_values": values}


def secrets_readable(lab: Lab) -> bool:
    """Whether the running version reads the Connection's password and the Variable made before the upgrade."""
    code, out = lab.exec_result("scheduler", ["airflow", "connections", "get", CONNECTION, "-o", "json"])
    password_ok = code == 0 and "s3cret" in out
    code, value = lab.exec_result("scheduler", ["airflow", "variables", "get", VARIABLE])
    return password_ok and code == 0 and _json(value.strip().splitlines()[-1]) == json.loads(VARIABLE_VALUE)


# -- beside the environment: ruff and `airflow config update` -----------------------------------------------


def ruff_air3(folder: Path) -> list[dict[str, Any]]:
    """ruff's ``AIR3`` rules on ``folder``: ``--preview`` adds AIR304 and AIR321 to the stable AIR301/302/303/311/312;
    ``--isolated``: a team's ruff settings do not change the verdict (``check.ruff_findings``)."""
    return [
        {
            "file": Path(f["filename"]).relative_to(folder).as_posix(),
            "line": f["location"]["row"],
            "code": f["code"],
            "message": f["message"],
            "fix": (f.get("fix") or {}).get("message"),
        }
        for f in ruff_findings(folder, ("AIR3",))
    ]


_CHANGE = re.compile(
    r"- \[(?P<kind>BREAKING|Recommended)\] (?:(?P<renamed>Renamed) '(?P<old>[^']+)' to '(?P<new>[^']+)'"
    r"|(?P<removed>Removed) '(?P<gone>[^']+)' from configuration"
    r"|Updated default value of '(?P<default>[^']+)' from '(?P<was>[^']*)' to '(?P<now>[^']*)')"
)


def config_changes(lab: Lab, before: Environment, after: Environment) -> list[dict[str, Any]]:
    """The new version's ``airflow config update --all-recommendations`` (a dry run) on the options the old
    environment set. The command reads ``airflow.cfg`` only, so those options are written there first."""
    sections: dict[str, dict[str, str]] = {}
    for name, value in before.airflow_config(lab.secrets).items():
        if name.startswith("AIRFLOW__") and name.count("__") == 2:
            section, option = name.removeprefix("AIRFLOW__").lower().split("__")
            sections.setdefault(section, {})[option] = value.replace("%", "%%")
    cfg = "".join(f"[{sec}]\n" + "".join(f"{k} = {v}\n" for k, v in opts.items()) for sec, opts in sections.items())
    script = 'printf "%s" "$OLD_CFG" > "$AIRFLOW_HOME/airflow.cfg" && airflow config update --all-recommendations'
    # nothing of the new environment's own settings: the command must see the old options only
    code, out = lab.one_off(
        after, "config-update", ["bash", "-c", script], environment={"OLD_CFG": cfg, "COLUMNS": "300"}
    )
    if code != 0:
        raise LabError(f"`airflow config update` of {after.airflow_version} exited with {code}:\n{out[-2000:]}")
    changes = []
    for match in _CHANGE.finditer(out):
        if match["renamed"]:
            change = {"option": match["old"], "change": "renamed", "to": match["new"]}
        elif match["removed"]:
            change = {"option": match["gone"], "change": "removed", "to": None}
        else:
            change = {"option": match["default"], "change": "default", "to": match["now"]}
        changes.append(change | {"breaking": match["kind"] == "BREAKING", "text": match.group(0)[2:]})
    return changes


#: A traceback's last line in a task log: ``SomeError: message`` at the start of a line.
_EXCEPTION = re.compile(r"^(?:[A-Za-z_][\w.]*)?(?:Error|Exception)\b.*$", re.MULTILINE)


def _relative(path: str) -> str:
    return path.removeprefix(s.DAGS_MOUNT + "/")


def _last_line(stacktrace: str) -> str:
    lines = [line.strip() for line in stacktrace.strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _canonical(text: str) -> str:
    """JSON text in one spelling (jsonb prints its keys in its own order and spacing); ``NaN`` stays ``NaN``."""
    try:
        return json.dumps(json.loads(text), sort_keys=True)
    except (json.JSONDecodeError, TypeError):
        return text


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return text


# -- the command -----------------------------------------------------------------------------------------


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "upgrade-check",
        help="run DIR's DAGs on the old version, migrate that database to the new one, run them again, compare",
    )
    p.add_argument("dir", metavar="DIR", help="the DAG folder (mounted read-only on both versions)")
    p.add_argument(
        "--from", dest="from_version", metavar="VERSION", default=s.AIRFLOW_2_VERSION, help="default: %(default)s"
    )
    p.add_argument("--to", dest="to_version", metavar="VERSION", default=s.AIRFLOW_VERSION, help="default: %(default)s")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")
    p.add_argument("--timeout", type=float, default=None, metavar="SECONDS", help="per DAG run")


def cmd_upgrade_check(args: argparse.Namespace) -> int:
    validate(args.dir, args.from_version, args.to_version)  # exit 2 before anything starts
    report = upgrade_check(args.dir, args.from_version, args.to_version, timeout=args.timeout)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return 1 if report.broken else 0
