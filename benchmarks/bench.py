"""Measure the lab kit and print one JSON object.

    python benchmarks/bench.py                 # cached image check, time to healthy, peak memory, lab wall time
    python benchmarks/bench.py --cold          # also rebuild every image from scratch (minutes)
    python benchmarks/bench.py --repeat 5 --airflow-version 3.3.2

Targets (Airflow 3.3.2): `local` healthy in <= 8 s with images present and peak memory of its containers
<= 1.0 GB; `celery` with 2 workers healthy in <= 12 s and <= 1.6 GB; `airflow-lab up local` until it prints
that Airflow is up in <= 0.8 of the time `airflow standalone` takes to be healthy in the same image; a reused
environment (AIRFLOW_LAB_REUSE) has the next lab's first run triggered <= 2 s after its start() call.
Scheduling latency is queued -> running per
task instance, from Airflow's own `queued_when` and `start_date`. Memory is sampled through the Docker
API once a second (what `docker stats` shows: usage minus inactive page cache), summed over the
environment's containers; the peak of that sum is reported, with each container's own peak beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

import docker.errors
from airflow_lab import images
from airflow_lab import settings as s
from airflow_lab.docker import docker_client
from airflow_lab.environment import ENVIRONMENTS, Lab
from airflow_lab.records import parse_time

PROJECT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


class MemorySampler:
    """Follows every container carrying a label (one lab's, one session's) and keeps the peak of their summed memory."""

    def __init__(self, selector: str) -> None:
        self.selector = selector
        #: by container: side-by-side environments (and a lab's successive ones) have containers of equal roles
        self.latest: dict[str, int] = {}
        self.peaks: dict[str, int] = {}
        self.peak_total = 0
        self._stop = threading.Event()
        self._followed: set[str] = set()

    def __enter__(self) -> MemorySampler:
        threading.Thread(target=self._discover, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()

    def _discover(self) -> None:
        client = docker_client()
        while not self._stop.is_set():
            try:
                found = client.containers.list(filters={"label": self.selector})
            except docker.errors.NotFound:  # a container listed, then removed before it was inspected
                found = []
            for container in found:
                if container.id not in self._followed:
                    self._followed.add(container.id)
                    threading.Thread(target=self._follow, args=(container,), daemon=True).start()
            self.peak_total = max(self.peak_total, sum(self.latest.values()))
            time.sleep(0.25)

    def _follow(self, container) -> None:
        role = container.labels.get(f"{s.LABEL}.role", container.name)
        try:
            for stats in container.stats(stream=True, decode=True):
                if self._stop.is_set():
                    return
                memory = stats.get("memory_stats") or {}
                detail = memory.get("stats") or {}
                used = memory.get("usage", 0) - detail.get("total_inactive_file", detail.get("inactive_file", 0))
                if used > 0:
                    self.latest[container.id] = used
                    self.peaks[role] = max(self.peaks.get(role, 0), used)
        except Exception:
            pass  # the container was removed while we read its stats
        finally:
            self.latest.pop(container.id, None)  # an exited container (the init step) no longer counts


def measure_images(cold: bool) -> dict:
    versions = s.SUPPORTED_AIRFLOW_VERSIONS
    result: dict = {}
    if cold:
        started = time.monotonic()
        base_started = time.monotonic()
        base, base_id = images.base_image()
        if base == s.LOCAL_BASE_IMAGE:
            base_id = images.local_base(force=True)
        result["cold_base_s"] = round(time.monotonic() - base_started, 1)
        for spec in images.service_specs(base) + [images.airflow_spec(v, base) for v in versions]:
            one = time.monotonic()
            images.build(spec, base_id, force=True, no_cache=True)
            result[f"cold_{spec.name}_s"] = round(time.monotonic() - one, 1)
        result["cold_total_s"] = round(time.monotonic() - started, 1)
    started = time.monotonic()
    images.ensure_images(versions)
    result["cached_all_s"] = round(time.monotonic() - started, 2)
    return result


def scheduling_latencies(lab: Lab, result) -> list[float]:
    """Seconds from queued to running, per task instance, from Airflow's own ``queued_when``/``start_date``."""
    body = lab.api.get(f"/dags/{result.dag_id}/dagRuns/{result.run_id}/taskInstances")
    latencies = []
    for ti in body["task_instances"]:
        queued, started = parse_time(ti.get("queued_when")), parse_time(ti.get("start_date"))
        if queued and started:
            latencies.append(round((started - queued).total_seconds(), 3))
    return sorted(latencies)


def measure_environment(env_factory, version: str, repeat: int) -> dict:
    """Time to healthy over ``repeat`` starts with nothing else on the cores, then one more start under the memory
    sampler (its stats streams cost the engine CPU, so it does not run while starts are timed): peak memory until
    healthy and through the ``local_fanout`` run, the run's time and its scheduling latencies."""
    env = env_factory(airflow_version=version, dags=PROJECT / "dags" / "executors")
    healthy = []
    for _ in range(repeat):
        with env.start(show_progress=False) as lab:
            healthy.append(lab.timings["start_to_healthy_s"])
    lab = Lab(env, show_progress=False)  # created first so the sampler can follow its containers
    with MemorySampler(f"{s.LABEL}.lab={lab.id}") as sampler:
        with lab.start():
            at_healthy = round(sampler.peak_total / MB)
            started = time.monotonic()
            result = lab.run("local_fanout")
            run_s = round(time.monotonic() - started, 2)
            assert result.succeeded, result.to_json()
            latencies = scheduling_latencies(lab, result)
    return {
        "start_to_healthy_s": healthy,
        "start_to_healthy_median_s": round(statistics.median(healthy), 2),
        "run_local_fanout_s": run_s,
        "queued_to_running_median_s": round(statistics.median(latencies), 3) if latencies else None,
        "queued_to_running_max_s": max(latencies) if latencies else None,
        "peak_memory_mb": round(sampler.peak_total / MB),
        "peak_memory_until_healthy_mb": at_healthy,
        "peak_memory_per_container_mb": {role: round(peak / MB) for role, peak in sampler.peaks.items()},
    }


def _healthy(url: str, components: tuple[str, ...]) -> bool:
    import requests

    try:
        status = requests.get(url, timeout=2).json()
    except Exception:
        return False
    return all((status.get(c) or {}).get("status") == "healthy" for c in components)


def measure_standalone(version: str, repeat: int) -> tuple[list[float], list[int]]:
    """``airflow standalone`` (SQLite, its own migration, every component in one container) in the same image:
    seconds from ``docker run`` to every component healthy, and the container's peak memory until then. What a
    reader would try first."""
    import uuid

    client = docker_client()
    components = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    path = "/api/v2/monitor/health" if version.startswith("3") else "/health"
    if not version.startswith("3"):
        components = ("metadatabase", "scheduler", "triggerer")
    seconds, memory = [], []
    for sampled in [False] * repeat + [True]:  # the last start for memory only: the sampler costs the engine CPU
        labels = {s.LABEL: "lab", f"{s.LABEL}.lab": f"bench-{uuid.uuid4().hex[:8]}", f"{s.LABEL}.role": "standalone"}
        network = client.networks.create(labels[f"{s.LABEL}.lab"], labels=labels)
        sampler = MemorySampler(f"{s.LABEL}.lab={labels[f'{s.LABEL}.lab']}")
        if sampled:
            sampler.__enter__()
        started = time.monotonic()
        container = client.containers.run(
            s.airflow_image(version),
            ["airflow", "standalone"],
            environment={"AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
            ports={f"{s.API_PORT}/tcp": ("127.0.0.1", None)},
            network=network.name,
            labels=labels,
            detach=True,
        )
        try:
            container.reload()
            port = container.ports[f"{s.API_PORT}/tcp"][0]["HostPort"]
            deadline = started + 300
            while not _healthy(f"http://127.0.0.1:{port}{path}", components):
                if time.monotonic() > deadline:
                    raise RuntimeError("airflow standalone not healthy after 300 s")
                time.sleep(0.2)
            if sampled:
                memory.append(round(sampler.peak_total / MB))
            else:
                seconds.append(round(time.monotonic() - started, 2))
        finally:
            sampler.__exit__(None, None, None)
            container.remove(force=True, v=True)
            network.remove()
    return seconds, memory


def measure_cli_up(version: str, repeat: int) -> list[float]:
    """``airflow-lab up local`` as a reader runs it: seconds until it prints that Airflow is up (its URL line)."""
    import signal
    import subprocess

    seconds = []
    for _ in range(repeat):
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "airflow_lab.cli", "up", "local", "--airflow-version", version],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            assert process.stdout is not None
            for line in process.stdout:
                if "Ctrl-C" in line:
                    seconds.append(round(time.monotonic() - started, 2))
                    break
            process.send_signal(signal.SIGINT)
            process.wait(timeout=120)
        finally:
            if process.poll() is None:
                process.kill()
    return seconds


def measure_reuse(repeat: int) -> dict:
    """A lab stops and the next lab starts an equal environment (AIRFLOW_LAB_REUSE=1, as `make test` runs the
    labs): seconds for the stop to reset and keep it, and from the next ``start()`` until its first run is
    triggered. Airflow's own records are checked to be a fresh start's before that trigger."""
    from airflow_lab import reuse

    os.environ["AIRFLOW_LAB_REUSE"] = "1"
    os.environ["AIRFLOW_LAB_SESSION"] = f"bench-reuse-{os.getpid()}"
    env = ENVIRONMENTS["local"](dags=PROJECT / "dags" / "qos")
    dag_id = "qos_one_run_at_a_time"
    keep_s, first_trigger_s = [], []
    try:
        lab = env.start(show_progress=False)
        for _ in range(repeat):
            assert lab.run(dag_id).state == "success"
            began = time.monotonic()
            lab.stop()
            keep_s.append(round(time.monotonic() - began, 2))
            assert lab.not_kept is None, lab.not_kept
            began = time.monotonic()
            lab = env.start(show_progress=False)
            assert lab.reused and lab.api is not None and lab.api.get("/dags/~/dagRuns")["total_entries"] == 0
            lab.trigger(dag_id)
            first_trigger_s.append(round(time.monotonic() - began, 2))
            lab.wait(dag_id, lab.api.get(f"/dags/{dag_id}/dagRuns")["dag_runs"][0]["dag_run_id"])
        lab.stop()
    finally:
        reuse.remove_all()
        del os.environ["AIRFLOW_LAB_REUSE"]
    return {
        "stop_reset_and_keep_s": keep_s,
        "start_to_first_trigger_s": first_trigger_s,
        "start_to_first_trigger_median_s": statistics.median(first_trigger_s),
    }


def measure_labs() -> dict:
    """Each lab's wall time and peak memory, executed without touching its stored outputs (run_labs.py)."""
    from run_labs import run_lab

    return {
        str(notebook.relative_to(PROJECT)): run_lab(notebook, inplace=False)
        for notebook in sorted((PROJECT / "labs").rglob("*.ipynb"))
    }


def suite_timings(path: Path) -> dict:
    """Where a test session's time went, from the lines the kit appended (``AIRFLOW_LAB_TIMINGS_FILE``)."""
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    if not entries:
        return {"entries": 0}
    summary: dict = {"entries": len(entries)}
    for kind in ("start", "reuse", "run", "build"):
        seconds = [e["seconds"] for e in entries if e["kind"] == kind]
        summary[kind] = {
            "count": len(seconds),
            "total_s": round(sum(seconds), 1),
            "median_s": round(statistics.median(seconds), 2) if seconds else None,
        }
    files = [e for e in entries if e["kind"] == "file"]  # one per test file under JOBS=N (tests/session_hooks.py)
    if files:
        summary["files"] = {
            "count": len(files),
            "alone_s": round(sum(e["seconds"] for e in files if e["alone"]), 1),
            "shared_s": round(sum(e["seconds"] for e in files if not e["alone"]), 1),
            "waiting_for_the_lock_s": round(sum(e["waited_s"] for e in files), 1),
            "longest": {e["path"]: e["seconds"] for e in sorted(files, key=lambda e: -e["seconds"])[:10]},
        }
    ends = [e["at"] for e in entries]
    summary["first_to_last_entry_s"] = round(max(ends) - min(ends), 1)
    if cpu := machine_cpu(entries, files):
        summary["cpu"] = cpu
    return summary


def machine_cpu(entries: list[dict], files: list[dict]) -> dict | None:
    """How busy the machine's cores were over the session and while its RUNS_ALONE files ran, and the session's
    floor: its busy CPU time over the cores, the wall time no packing of the same work could beat here.

    From the machine's own counters (``/proc/stat``), so anything else running on it counts too."""
    marks = {e["event"]: e for e in entries if e["kind"] == "session" and "cpu_busy_s" in e}
    if {"start", "end"} - marks.keys():
        return None
    start, end = marks["start"], marks["end"]
    busy, whole = end["cpu_busy_s"] - start["cpu_busy_s"], end["cpu_all_s"] - start["cpu_all_s"]
    cores = end["cores"]
    cpu = {
        "cores": cores,
        "session_s": round(end["at"] - start["at"], 1),
        "busy_cpu_s": round(busy),
        "utilization": round(busy / whole, 2),
        "floor_s": round(busy / cores, 1),
    }
    alone = [f for f in files if f["alone"] and "cpu_busy_s" in f]
    if alone:
        alone_busy = sum(f["cpu_busy_s"] for f in alone)
        cpu["alone_files"] = {
            "seconds": round(sum(f["seconds"] for f in alone), 1),
            "busy_cpu_s": round(alone_busy),
            "utilization": round(alone_busy / sum(f["cpu_all_s"] for f in alone), 2),
        }
        rest = whole - sum(f["cpu_all_s"] for f in alone)
        cpu["the_rest"] = {
            "seconds": round(rest / cores, 1),
            "busy_cpu_s": round(busy - alone_busy),
            "utilization": round((busy - alone_busy) / rest, 2),
        }
    return cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cold", action="store_true", help="rebuild every image without cache first")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--airflow-version", action="append", choices=s.SUPPORTED_AIRFLOW_VERSIONS)
    parser.add_argument("--env", action="append", choices=sorted(ENVIRONMENTS), help="default: all")
    parser.add_argument("--no-labs", action="store_true", help="skip executing the lab notebooks")
    parser.add_argument("--no-standalone", action="store_true", help="skip `airflow standalone` vs `airflow-lab up`")
    parser.add_argument("--suite-timings", type=Path, help="only sum up a test session's timings file, and stop")
    args = parser.parse_args()
    if args.suite_timings:
        json.dump({"suite_timings": suite_timings(args.suite_timings)}, sys.stdout, indent=2)
        print()
        return

    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3, 1),
            "python": platform.python_version(),
            "docker_engine": docker_client().version()["Version"],
        },
        "images": measure_images(args.cold),
        "environments": {},
        "targets": {
            "local_start_to_healthy_s": 8,
            "local_peak_memory_mb": 1024,
            "celery_2_workers_start_to_healthy_s": 12,
            "celery_2_workers_peak_memory_mb": 1638,
            "ratio_up_to_standalone_median": 0.8,
            "reuse_start_to_first_trigger_s": 2,
        },
    }
    if not args.no_standalone:
        version = (args.airflow_version or [s.AIRFLOW_VERSION])[0]
        standalone, standalone_memory = measure_standalone(version, args.repeat)
        up = measure_cli_up(version, args.repeat)
        report["airflow_standalone_vs_up_local"] = {
            "airflow_version": version,
            "standalone_healthy_s": standalone,
            "standalone_peak_memory_until_healthy_mb": standalone_memory,
            "airflow_lab_up_local_s": up,
            "ratio_up_to_standalone_median": round(statistics.median(up) / statistics.median(standalone), 2),
        }
    for version in args.airflow_version or s.SUPPORTED_AIRFLOW_VERSIONS:
        for name in args.env or ENVIRONMENTS:
            report["environments"][f"{name}/{version}"] = measure_environment(ENVIRONMENTS[name], version, args.repeat)
    report["reused_local"] = measure_reuse(args.repeat)
    if not args.no_labs:
        report["labs"] = measure_labs()
    json.dump(report, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
