"""``airflow-lab``: the command-line contract other programs call (documented in the README).

Exit codes: 0 success; 1 the DAG run finished but did not succeed; 2 the environment could not do
what was asked (no Docker, image build failed, DAG import error, timeout, bad arguments); 130 interrupted.
Progress goes to stderr; ``run`` prints exactly one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import check, reuse, upgrade, workshop
from . import settings as s
from .deploy import DagSpec, deploy, parse_dags
from .docker import remove_labelled
from .environment import ENVIRONMENTS, Environment
from .errors import LabError
from .images import ensure_images, refresh_constraints
from .types import Fault, SecretsBackend


def _config_pair(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    section, dot, option = key.partition(".")
    if not sep or not dot or not section or not option:
        raise argparse.ArgumentTypeError(f"expected SECTION.OPTION=VALUE (e.g. core.parallelism=4), got {text!r}")
    return f"{section}__{option}", value


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise argparse.ArgumentTypeError(f"--conf is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("--conf must be a JSON object, e.g. '{\"rows\": 10}'")
    return value


def _schedulers(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of schedulers, at least 1, got {text!r} (e.g. --schedulers 2 for two)"
        )
    return count


def _fault(action: str) -> Any:
    def parse(text: str) -> Fault:
        try:
            return Fault.parse(text, action)
        except LabError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = f"--{action} value"  # what argparse names in its error message
    return parse


def _add_environment_args(parser: argparse.ArgumentParser, dags_required: bool) -> None:
    parser.add_argument("env", choices=sorted(ENVIRONMENTS), help="which environment to start")
    parser.add_argument("--airflow-version", default=s.AIRFLOW_VERSION, choices=s.SUPPORTED_AIRFLOW_VERSIONS)
    parser.add_argument(
        "--dags",
        required=dags_required,
        help="DAG folder, mounted read-only; or git+file:///path/to/repo@REF (Airflow 3: a GitDagBundle);"
        " or s3://BUCKET/PREFIX with --upload (Airflow 3: an S3DagBundle)",
    )
    parser.add_argument("--parallelism", type=int, help="[core] parallelism")
    parser.add_argument(
        "--schedulers",
        type=_schedulers,
        default=1,
        metavar="N",
        help="run N schedulers side by side (high availability); named airflow-scheduler-1 ... airflow-scheduler-N",
    )
    parser.add_argument("--plugins", help="plugins folder, mounted read-only (e.g. deadline-alert callbacks)")
    parser.add_argument(
        "--config",
        type=_config_pair,
        action="append",
        default=[],
        metavar="SECTION.OPTION=VALUE",
        help="any Airflow option, repeatable",
    )
    stores = parser.add_argument_group("secrets (Connections and Variables)")
    stores.add_argument(
        "--secrets-backend",
        choices=[backend.value for backend in SecretsBackend],
        default=None,
        help="where the kit writes the --secrets entries and Airflow reads them (default with --secrets: metastore)",
    )
    stores.add_argument(
        "--secrets",
        metavar="FILE",
        help='JSON or YAML: {"connections": {"<id>": "<URI>" or {...}}, "variables": {"<key>": "<value>"}}',
    )
    bucket = parser.add_argument_group("bucket deploy (--dags s3://BUCKET/PREFIX, in the environment's moto server)")
    bucket.add_argument(
        "--upload",
        metavar="DIR",
        help="the folder the kit uploads under the prefix before Airflow starts (its *.py files; the bucket starts"
        " empty), as a CI `aws s3 sync` step would",
    )
    bucket.add_argument(
        "--sync-interval",
        type=int,
        metavar="SECONDS",
        help="how often the bucket is read: Airflow 3, the bundle's refresh_interval (default 5); Airflow 2"
        " (required there, it has no S3 bundle), a sidecar syncs the prefix into the DAG folder that often",
    )
    parser.add_argument(
        "--metrics",
        action="store_true",
        help="start a StatsD server (statsd flushing every second to carbon) that every component sends its"
        " metrics to; `run` adds what Airflow sent during the run to the JSON",
    )
    celery = parser.add_argument_group("celery environment")
    celery.add_argument("--workers", type=int, default=None, help="number of Celery workers (default 2)")
    celery.add_argument(
        "--queues",
        default=None,
        metavar="Q1,Q2;Q3",
        help="queues per worker, workers separated by ';', e.g. 'high_io,default;default' (sets the worker count)",
    )
    celery.add_argument("--worker-concurrency", type=int, default=None, help="task slots per worker (default 4)")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="airflow-lab", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    images = sub.add_parser("images", help="build or update the images (cached: a no-op when nothing changed)")
    images.add_argument(
        "--airflow-version",
        action="append",
        choices=s.SUPPORTED_AIRFLOW_VERSIONS,
        help=f"repeatable; default {s.AIRFLOW_VERSION}",
    )
    images.add_argument(
        "--refresh-constraints",
        action="store_true",
        help="rebuild unpinned and write pip freeze to environments/images/airflow/constraints-V.txt",
    )
    images.add_argument("--force", action="store_true", help="rebuild even if up to date")
    carry = images.add_mutually_exclusive_group()
    carry.add_argument("--save", metavar="FILE", help="write every lab image into FILE (.tar, or .tar.gz) for --load")
    carry.add_argument("--load", metavar="FILE", help="load the images a --save wrote, instead of building")

    up = sub.add_parser("up", help="start an environment and keep it running until Ctrl-C")
    _add_environment_args(up, dags_required=False)

    run = sub.add_parser("run", help="start, trigger a DAG, wait, print the run as JSON, tear down")
    _add_environment_args(run, dags_required=True)
    run.add_argument("--dag-id", required=True)
    run.add_argument("--conf", type=_json_object, default=None, help="DAG run conf as a JSON object")
    run.add_argument("--timeout", type=float, default=None, help=f"seconds (default {s.settings().run_timeout:.0f})")
    run.add_argument("--logs", action="store_true", help="add each try's task log to the JSON")
    faults = run.add_argument_group(
        "fault injection (COMPONENT as `up` names them: postgres, airflow-scheduler-2, airflow-worker-1, ...)"
    )
    for action, what in (("kill", "SIGKILL the container (it stays down)"), ("restart", "restart the container")):
        faults.add_argument(
            f"--{action}",
            type=_fault(action),
            action="append",
            default=[],
            dest="faults",
            metavar="COMPONENT@SECONDS",
            help=f"{what} SECONDS after the trigger; repeatable; the JSON gains faults: [{{component, action, at,"
            " done_at}]",
        )

    sub.add_parser("cleanup", help="remove every container, network and volume the kit left behind")
    check.add_parser(sub)
    workshop.add_parser(sub)
    upgrade.add_parser(sub)
    return p


def _environment(args: argparse.Namespace) -> Environment:
    """The environment the arguments describe; ``--dags`` is parsed once, here, into a folder or a DAG source."""
    dags: DagSpec = parse_dags(args.dags, args.upload, args.sync_interval)
    options: dict[str, Any] = {
        "airflow_version": args.airflow_version,
        "dags": dags if isinstance(dags, Path) else None,
        "parallelism": args.parallelism,
        "schedulers": args.schedulers,
    }
    if args.plugins:
        options["plugins"] = args.plugins
    celery_options = {
        "workers": args.queues.split(";") if args.queues else args.workers,
        "worker_concurrency": args.worker_concurrency,
    }
    if args.env.startswith("celery"):
        options |= {k: v for k, v in celery_options.items() if v is not None}
    elif any(v is not None for v in celery_options.values()):
        raise LabError("--workers, --queues and --worker-concurrency apply to the celery environment only.")
    env = ENVIRONMENTS[args.env](**options, **dict(args.config))
    if args.secrets_backend or args.secrets:
        env = env.with_secrets(args.secrets_backend or "metastore", args.secrets)
    if dags is not None and not isinstance(dags, Path):  # git+file://... or s3://... (deploy/)
        env = deploy(env, dags)
    env.check_faults(getattr(args, "faults", ()), getattr(args, "timeout", None) or s.settings().run_timeout)
    return env.with_metrics() if args.metrics else env


def _terminated(signum: int, frame: object) -> None:
    # `docker stop`, a CI runner's cancel or `kill`: unwind like Ctrl-C so every `with` block cleans up
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    # A shell starts background jobs with SIGINT ignored, and Python keeps it ignored: then `kill -INT`
    # (or Ctrl-C after `fg`) would do nothing. Ctrl-C must always mean "clean up and exit 130".
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return COMMANDS[args.command](args)
    except LabError as exc:
        print(f"airflow-lab: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("airflow-lab: interrupted; everything it started has been removed", file=sys.stderr)
        return 130


def cmd_images(args: argparse.Namespace) -> int:
    versions = tuple(args.airflow_version or [s.AIRFLOW_VERSION])
    if args.load:
        print(json.dumps(workshop.load_images(Path(args.load))))
        return 0
    if args.save:
        print(
            json.dumps(
                workshop.save_images(Path(args.save), tuple(args.airflow_version or s.SUPPORTED_AIRFLOW_VERSIONS))
            )
        )
        return 0
    if args.refresh_constraints:
        for version in versions:
            print(f"wrote {refresh_constraints(version)}", file=sys.stderr)
    for name, image_id in ensure_images(versions, force=args.force).items():
        print(f"{name} {image_id[7:19]}")
    return 0


def cmd_up(args: argparse.Namespace) -> int:
    with _environment(args).start() as lab:
        creds = lab.credentials
        print(f"Airflow {lab.env.airflow_version} ({lab.env.executor}) is up: {creds['url']}")
        print(f"  username: {creds['username']}\n  password: {creds['password']}")
        print(f"  components: {', '.join(lab.env.addressable())}")
        for line in lab.secret_stores.describe() if lab.secret_stores else []:  # the stores' addresses, credentials
            print(line)
        for line in lab.describe_bucket():  # --dags s3://...: the endpoint to deploy again to
            print(line)
        for line in lab.describe_metrics():  # --metrics: where to read them
            print(line)
        print("Press Ctrl-C to stop and remove it.", flush=True)
        while True:
            time.sleep(3600)


def cmd_run(args: argparse.Namespace) -> int:
    with _environment(args).start() as lab:
        triggered = time.time()
        result = lab.run(args.dag_id, conf=args.conf, timeout=args.timeout, logs=args.logs, faults=args.faults)
        if args.metrics:  # read after the run ended, from the second it was triggered
            result = replace(result, metrics=lab.metrics(since=triggered).to_dict())
    print(result.to_json())
    return 0 if result.succeeded else 1


def cmd_cleanup(args: argparse.Namespace) -> int:
    removed = remove_labelled()
    reuse.forget_all()  # environments labs kept for each other (AIRFLOW_LAB_REUSE) were among them
    print(", ".join(f"{n} {kind}" for kind, n in removed.items()) + " removed")
    return 0


COMMANDS = {
    "images": cmd_images,
    "up": cmd_up,
    "run": cmd_run,
    "cleanup": cmd_cleanup,
    "check": check.cmd_check,
    "doctor": workshop.cmd_doctor,
    "upgrade-check": upgrade.cmd_upgrade_check,
}

if __name__ == "__main__":
    sys.exit(main())
