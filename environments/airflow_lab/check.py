"""``airflow-lab check DIR``: what a DAG repository's CI should check before anything is deployed.

Two sources of findings, one verdict:

* ruff on the host (the kit's pinned ruff, ``--isolated`` so a team's style settings do not change the
  verdict): syntax errors and undefined names (``E9,F63,F7,F82``), Airflow 3 removals and moves
  (``AIR3``), and ``AIR003`` (``Variable.get`` outside a task, i.e. at parse time);
* Airflow itself, inside the image of the version being deployed (``incontainer/dag_checks.py``): import errors
  with their traceback, duplicate DAG ids and cycles (Airflow rejects both as import errors), parse
  time per file, and each DAG's tags and each task's owner and retries, for the team's policy.

A team configures the policy in the ``pyproject.toml`` nearest the folder (or above it)::

    [tool.airflow-lab.check]
    parse-time-warning = 2.0            # seconds per file
    plugins = "plugins"                 # Airflow's plugins folder, relative to this file (optional)
    policy = { owner = "error", tags = "error", retries = "warning", top-level-variable-get = "error" }

Each policy is ``error``, ``warning`` or ``off``. Errors fail the check (exit 1); warnings are reported.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import docker.errors

from . import settings as s
from .docker import docker_client, labelled
from .errors import LabError
from .images import airflow_spec, base_image, build
from .types import AirflowVersion

SEVERITIES = ("error", "warning", "off")
#: The team-configurable policies and their defaults.
DEFAULT_POLICY = {"owner": "error", "tags": "error", "retries": "error", "top-level-variable-get": "error"}
#: Syntax errors and undefined names (the set GitHub's Python workflow template stops a build on),
#: Airflow 3 removals and moves, and Variable.get at parse time (a preview rule in ruff).
DEFAULT_RUFF_SELECT = ("E9", "F63", "F7", "F82", "AIR3", "AIR003")
DEFAULT_PARSE_TIME_WARNING_S = 2.0
#: Airflow's default ``[operators] default_owner``: a task nobody set an owner on.
DEFAULT_OWNER = "airflow"

#: Ruff rules for names Airflow 3 removed (AIR301), moved to a provider (AIR302) or whose signature changed
#: (AIR303): an error when deploying to Airflow 3, a warning (the upgrade will break) on Airflow 2.
AIRFLOW3_BREAKING = ("AIR301", "AIR302", "AIR303")
#: Still works on Airflow 3 but deprecated there: always a warning.
AIRFLOW3_DEPRECATED = ("AIR311", "AIR312", "AIR321")

CHECK_MOUNT = "/opt/airflow-lab/dag_checks.py"
#: The prefix of the one JSON line ``incontainer/dag_checks.py`` prints (its ``MARKER``; a script, not imported).
MARKER = "AIRFLOW_LAB_CHECK_JSON="
PLUGINS_MOUNT = f"{s.AIRFLOW_HOME}/plugins"


class CheckInputError(LabError):
    """The folder given to ``check`` cannot be checked (not a folder, no DAG files, bad configuration)."""


@dataclass(frozen=True)
class CheckConfig:
    parse_time_warning_s: float = DEFAULT_PARSE_TIME_WARNING_S
    policy: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_POLICY))
    ruff_select: tuple[str, ...] = DEFAULT_RUFF_SELECT
    #: Airflow's plugins folder (on ``sys.path`` in every component): modules the DAGs import
    plugins: Path | None = None
    #: where the configuration came from (a pyproject.toml), for the report
    source: str | None = None

    def with_policy(self, **overrides: str) -> CheckConfig:
        policy = dict(self.policy)
        for name, severity in overrides.items():
            name = name.replace("_", "-")
            if name not in DEFAULT_POLICY:
                raise CheckInputError(f"Unknown policy {name!r}: the policies are {', '.join(DEFAULT_POLICY)}.")
            if severity not in SEVERITIES:
                raise CheckInputError(f"Policy {name} must be one of {', '.join(SEVERITIES)}, not {severity!r}.")
            policy[name] = severity
        return replace(self, policy=policy)


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str
    severity: str
    message: str
    line: int | None = None


@dataclass(frozen=True)
class Report:
    """The verdict: print it (``summary()``), serialise it (``to_json()``), or assert on it."""

    directory: str
    airflow_version: str
    dags: tuple[str, ...]
    files: tuple[dict[str, Any], ...]
    import_errors: tuple[dict[str, str], ...]
    problems: tuple[Problem, ...]
    duration_s: float = 0.0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def rules(self, file: str | None = None) -> set[str]:
        """The rules that fired (on ``file``, if given): handy in assertions."""
        return {p.rule for p in self.problems if file is None or p.file == file}

    def to_dict(self) -> dict[str, Any]:
        return {
            "directory": self.directory,
            "airflow_version": self.airflow_version,
            "ok": self.ok,
            "dags": list(self.dags),
            "files": list(self.files),
            "import_errors": list(self.import_errors),
            "problems": [asdict(p) for p in self.problems],
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "duration_s": self.duration_s,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def summary(self) -> str:
        lines = [
            f"airflow-lab check {self.directory} (Airflow {self.airflow_version}): "
            f"{len(self.files)} file(s), {len(self.dags)} DAG(s)"
        ]
        width = max([len(p.file) + (len(str(p.line)) + 1 if p.line else 0) for p in self.problems] + [4])
        for p in self.problems:
            where = f"{p.file}:{p.line}" if p.line else p.file
            lines.append(f"  {p.severity.upper():7} {where:{width}}  {p.rule:22}  {p.message}")
        verdict = "FAILED" if self.errors else "passed"
        lines.append(f"{len(self.errors)} error(s), {len(self.warnings)} warning(s): {verdict}")
        return "\n".join(lines)


# -- configuration ---------------------------------------------------------------------------------------


def load_config(folder: Path) -> CheckConfig:
    """``[tool.airflow-lab.check]`` from the nearest pyproject.toml at or above ``folder``; defaults if none."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]

    for candidate in [folder, *folder.parents]:
        pyproject = candidate / "pyproject.toml"
        if not pyproject.is_file():
            continue
        table = tomllib.loads(pyproject.read_text()).get("tool", {}).get("airflow-lab", {}).get("check")
        if table is None:
            continue
        unknown = set(table) - {"parse-time-warning", "policy", "ruff-select", "plugins"}
        if unknown:
            raise CheckInputError(
                f"{pyproject}: unknown keys in [tool.airflow-lab.check]: {', '.join(sorted(unknown))}"
            )
        config = CheckConfig(
            parse_time_warning_s=float(table.get("parse-time-warning", DEFAULT_PARSE_TIME_WARNING_S)),
            ruff_select=tuple(table.get("ruff-select", DEFAULT_RUFF_SELECT)),
            plugins=(candidate / table["plugins"]).resolve() if "plugins" in table else None,
            source=str(pyproject),
        )
        return config.with_policy(**table.get("policy", {}))
    return CheckConfig()


def dag_files(folder: Path) -> list[Path]:
    """Python files Airflow would parse in safe mode: those mentioning both "airflow" and "dag"."""
    found = []
    for path in sorted(folder.rglob("*.py")):
        text = path.read_text(errors="replace").lower()
        if "airflow" in text and "dag" in text:
            found.append(path)
    return found


def validate_folder(directory: str | Path) -> Path:
    folder = Path(directory).resolve()
    if not folder.exists():
        raise CheckInputError(f"{folder} does not exist. Fix: pass the folder that holds your DAG files.")
    if not folder.is_dir():
        raise CheckInputError(f"{folder} is not a folder. Fix: pass the folder that holds your DAG files, not a file.")
    if not dag_files(folder):
        raise CheckInputError(
            f"{folder} holds no DAG files (no .py file mentions both 'airflow' and 'dag', which is what Airflow "
            "looks for). Fix: pass the folder Airflow's [core] dags_folder points at."
        )
    return folder


# -- ruff ------------------------------------------------------------------------------------------------


def ruff_findings(folder: Path, select: tuple[str, ...]) -> list[dict[str, Any]]:
    """ruff's JSON findings for the ``select``ed rules on ``folder`` (the kit's pinned ruff)."""
    command = [
        sys.executable,
        "-m",
        "ruff",
        "check",
        "--isolated",  # the verdict must not depend on a team's style settings
        "--preview",  # AIR003, AIR304 and AIR321 are preview rules
        "--no-cache",
        "--exit-zero",
        "--output-format",
        "json",
        "--select",
        ",".join(select),
        str(folder),
    ]
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=300)
    except FileNotFoundError as exc:
        raise LabError(f"ruff could not be started ({exc}). Fix: pip install the kit (it depends on ruff).") from None
    if result.returncode != 0:
        raise LabError(
            f"ruff failed: {result.stderr.strip()[-2000:]}\nFix: `pip install -e .` reinstalls the kit's ruff."
        )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    return findings


def ruff_problems(folder: Path, config: CheckConfig, airflow_version: str) -> list[Problem]:
    problems = []
    for finding in ruff_findings(folder, config.ruff_select):
        code = finding.get("code") or "E999"  # ruff reports a syntax error without a code
        file = _relative(finding["filename"], folder)
        line = (finding.get("location") or {}).get("row")
        if code == "AIR003":
            severity = config.policy["top-level-variable-get"]
            rule = "top-level-variable-get"
        else:
            severity = _ruff_severity(code, airflow_version)
            rule = code
        if severity != "off":
            problems.append(Problem(file, rule, severity, finding["message"], line))
    return problems


def _ruff_severity(code: str, airflow_version: str) -> str:
    if code.startswith(AIRFLOW3_DEPRECATED):
        return "warning"
    if code.startswith(AIRFLOW3_BREAKING):
        return "error" if AirflowVersion(airflow_version).major >= 3 else "warning"
    return "error"


# -- Airflow, inside its image ---------------------------------------------------------------------------


def inspect_in_image(
    folder: Path, airflow_version: str, plugins: Path | None = None, timeout: float = 300
) -> dict[str, Any]:
    """Run ``dag_checks.py`` with the Airflow of ``airflow_version``, in its image, on ``folder`` (read-only)."""
    base, base_id = base_image()
    image = build(airflow_spec(airflow_version, base), base_id)
    volumes = {
        str(folder): {"bind": s.DAGS_MOUNT, "mode": "ro"},
        str(Path(__file__).parent / "incontainer" / "dag_checks.py"): {"bind": CHECK_MOUNT, "mode": "ro"},
    }
    environment = {"AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__DAGS_FOLDER": s.DAGS_MOUNT}
    if plugins is not None:
        volumes[str(plugins)] = {"bind": PLUGINS_MOUNT, "mode": "ro"}
        environment["AIRFLOW__CORE__PLUGINS_FOLDER"] = PLUGINS_MOUNT
    container = docker_client().containers.run(
        image,
        ["python", CHECK_MOUNT, s.DAGS_MOUNT],
        volumes=volumes,
        environment=environment,
        network_mode="none",  # parsing needs no network: a DAG that calls out at parse time fails here
        labels=s.labels("check"),
        detach=True,
    )
    try:
        exit_code = container.wait(timeout=timeout)["StatusCode"]
        output = container.logs(stdout=True, stderr=True).decode(errors="replace")
    except Exception as exc:  # requests' ReadTimeout when the parse hangs
        raise LabError(f"Parsing {folder} in {image} did not finish within {timeout:.0f} s ({exc}).") from None
    finally:
        try:
            container.remove(force=True, v=True)
        except docker.errors.APIError:
            pass
    for line in output.splitlines():
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER) :])
    tail = "\n".join(output.splitlines()[-30:])
    raise LabError(f"The DAG check in {image} exited with {exit_code} and no result:\n{tail}")


# -- the verdict -----------------------------------------------------------------------------------------


def evaluate(
    inspection: Mapping[str, Any], ruff: list[Problem], config: CheckConfig, directory: str, duration_s: float = 0.0
) -> Report:
    """Turn Airflow's view of the folder and ruff's findings into problems, by the team's configuration."""
    version = inspection["airflow_version"]
    problems: list[Problem] = []
    for error in inspection["import_errors"]:
        problems.append(Problem(error["file"], _import_error_rule(error["error"]), "error", _last_line(error["error"])))
    for file, found in inspection.get("warnings", {}).items():
        for warning in dict.fromkeys(found):  # Airflow reports a warning raised in a loop once per pass
            problems.append(Problem(file, "parse-warning", "warning", warning.split(": ", 1)[-1]))
    for stat in inspection["files"]:
        if stat["parse_s"] > config.parse_time_warning_s:
            problems.append(
                Problem(
                    stat["file"],
                    "slow-parse",
                    "warning",
                    f"parsed in {stat['parse_s']:.2f} s (threshold {config.parse_time_warning_s:g} s): the DAG "
                    "processor runs top-level code on every parse; [core] dagbag_import_timeout fails the file",
                )
            )
    for dag_id, dag in inspection["dags"].items():
        tasks = dag["tasks"]
        checks = {
            "tags": f"DAG {dag_id} has no tags" if not dag["tags"] else None,
            "owner": _on_tasks(tasks, lambda t: t["owner"] in ("", None, DEFAULT_OWNER), f"DAG {dag_id}: no owner on"),
            "retries": _on_tasks(tasks, lambda t: (t["retries"] or 0) < 1, f"DAG {dag_id}: retries=0 on"),
        }
        for rule, message in checks.items():
            if message is not None and config.policy[rule] != "off":
                problems.append(Problem(dag["file"], rule, config.policy[rule], message))
    ignored = set(inspection.get("ignored", ()))  # .airflowignore: Airflow never parses them here
    problems += [p for p in ruff if p.file not in ignored]
    order = {"error": 0, "warning": 1}
    problems.sort(key=lambda p: (order[p.severity], p.file, p.line or 0, p.rule))
    return Report(
        directory=directory,
        airflow_version=version,
        dags=tuple(sorted(inspection["dags"])),
        files=tuple(inspection["files"]),
        import_errors=tuple(inspection["import_errors"]),
        problems=tuple(problems),
        duration_s=round(duration_s, 2),
    )


def check(
    directory: str | Path,
    airflow_version: str = s.AIRFLOW_VERSION,
    config: CheckConfig | None = None,
    parse_time_warning_s: float | None = None,
    plugins: str | Path | None = None,
    policy: Mapping[str, str] | None = None,
) -> Report:
    """Check a DAG folder against ``airflow_version``: ruff on the host, Airflow in its image."""
    if airflow_version not in s.SUPPORTED_AIRFLOW_VERSIONS:
        raise CheckInputError(
            f"Airflow {airflow_version} has no lab image; use one of {', '.join(s.SUPPORTED_AIRFLOW_VERSIONS)}."
        )
    began = time.monotonic()
    folder = validate_folder(directory)
    config = config or load_config(folder)
    if parse_time_warning_s is not None:
        config = replace(config, parse_time_warning_s=parse_time_warning_s)
    if plugins is not None:
        config = replace(config, plugins=Path(plugins).resolve())
    if config.plugins is not None and not config.plugins.is_dir():
        raise CheckInputError(f"The plugins folder {config.plugins} does not exist (or is not a folder).")
    config = config.with_policy(**(policy or {}))
    ruff = ruff_problems(folder, config, airflow_version)
    inspection = inspect_in_image(folder, airflow_version, config.plugins)
    return evaluate(inspection, ruff, config, _display(folder, directory), time.monotonic() - began)


# -- helpers ---------------------------------------------------------------------------------------------


def _on_tasks(tasks: Mapping[str, Any], bad: Any, what: str) -> str | None:
    names = [task_id for task_id, task in tasks.items() if bad(task)]
    return f"{what} task(s) {', '.join(names)}" if names else None


def _import_error_rule(error: str) -> str:
    if "AirflowDagDuplicatedIdException" in error:
        return "duplicate-dag-id"
    if "AirflowDagCycleException" in error or "Cycle detected" in error:
        return "dag-cycle"
    return "import-error"


def _last_line(error: str) -> str:
    lines = [line.strip() for line in error.strip().splitlines() if line.strip()]
    return lines[-1] if lines else error


def _relative(path: str, folder: Path) -> str:
    try:
        return Path(path).resolve().relative_to(folder).as_posix()
    except ValueError:
        return path


def _display(folder: Path, given: str | Path) -> str:
    """Inside the project, relative to it (the same on every machine); elsewhere, as given."""
    try:
        return str(folder.relative_to(s.PROJECT_DIR))
    except ValueError:
        return str(given)


# -- the command line (``airflow-lab check``) ------------------------------------------------------------


def _policy_pair(text: str) -> tuple[str, str]:
    name, sep, severity = text.partition("=")
    if not sep:
        raise argparse.ArgumentTypeError(f"expected POLICY=SEVERITY (e.g. owner=off), got {text!r}")
    return name, severity


def add_parser(sub: Any) -> None:
    """Register ``check`` on the ``airflow-lab`` subcommand parsers."""
    p = sub.add_parser(
        "check",
        help="check a DAG folder before deploying it: ruff (AIR rules), import errors, duplicates, cycles, "
        "parse time, policy; exit 1 on any error",
    )
    p.add_argument("directory", metavar="DIR", help="the DAG folder to check")
    p.add_argument("--airflow-version", default=s.AIRFLOW_VERSION, choices=s.SUPPORTED_AIRFLOW_VERSIONS)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the summary")
    p.add_argument("--plugins", help="Airflow's plugins folder, if the DAGs import from it")
    p.add_argument("--parse-time-warning", type=float, default=None, metavar="S", help="seconds per file")
    p.add_argument(
        "--policy",
        type=_policy_pair,
        action="append",
        default=[],
        metavar="POLICY=SEVERITY",
        help=f"repeatable; policies: {', '.join(DEFAULT_POLICY)}; severities: {', '.join(SEVERITIES)}",
    )


def cmd_check(args: Any) -> int:
    report = check(
        args.directory,
        args.airflow_version,
        parse_time_warning_s=args.parse_time_warning,
        plugins=args.plugins,
        policy=dict(args.policy),
    )
    print(report.to_json() if args.json else report.summary())
    return 0 if report.ok else 1


def leftovers() -> dict[str, int]:
    """How many check containers still exist (zero: each check removed its container, on success or failure).

    Only this session's, when a session is set: test workers running side by side check at the same time."""
    mine = [f"{s.LABEL}.session={session}"] if (session := s.settings().session) else []
    return {kind: len(objects) for kind, objects in labelled(f"{s.LABEL}.role=check", *mine).items()}
