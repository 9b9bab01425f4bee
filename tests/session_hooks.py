"""Per-file hooks of a test session (registered by conftest.py for every item, the labs' included)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from airflow_lab import timings

PROJECT = Path(__file__).resolve().parent.parent


# With `make test JOBS=N` (pytest-xdist, --dist loadfile) these files run alone: their assertions compare timings
# (gaps, rates, wall-clock ratios) that another Airflow starting beside them on a 2-core machine would distort.
# Every other file holds a shared lock while it runs; each of these takes it exclusively for its whole file.
RUNS_ALONE = {
    "labs/executors/celery_scale.ipynb",
    "labs/executors/celery_worker_lost.ipynb",
    "labs/executors/local.ipynb",
    "labs/retries/backoff.ipynb",
    "labs/retries/across_versions.ipynb",
    "labs/retries/retry_policy.ipynb",
    "labs/retries/deadline_alerts.ipynb",
    "labs/retries/sla_airflow2.ipynb",
    "labs/secrets/use_cache.ipynb",
    "labs/qos/max_active_tasks.ipynb",
    "labs/qos/queued_timeout.ipynb",
    # a live scheduler that misses the health threshold under load is taken for dead: its tasks would be reset
    "labs/operate/failover_local.ipynb",
    # each component survives a Postgres restart only if none of its queries falls inside the outage (the DAG
    # processor queries every second, unguarded): beside another Airflow's start the restart is longer
    "labs/operate/postgres_restart.ipynb",
    "tests/test_failures.py",
}
# Not alone, though they wait long: labs/retries/deadline_failed_run (its one timing assertion has a 60 s margin,
# made for a busy machine), labs/operate/db_clean (counts rows, times nothing) and labs/executors/exercises (the
# celery_queues lab's run, which shares the cores too).
#: path: (lock file, began, seconds waited for it, the machine's CPU time then)
_held: dict[str, tuple[Any, float, float, dict[str, float] | None]] = {}

# Files that go to one worker together, one after another: the book is built once per worker session (the
# `built_book` fixture, ~100 s), and the QoS labs start equal environments, so each takes over the one before
# (AIRFLOW_LAB_REUSE) instead of starting its own.
BOOK_FILES = ("tests/test_book.py", "tests/test_book_in_browser.py", "tests/test_no_leaked_secrets.py")
SHARED_CHAPTERS = ("labs/qos/",)


def _group(path: str) -> str:
    if path in BOOK_FILES:
        return "book"
    chapter = next((c for c in SHARED_CHAPTERS if path.startswith(c) and path not in RUNS_ALONE), None)
    return chapter or path


def pytest_xdist_make_scheduler(config, log):
    """JOBS=N (`--dist loadfile`): xdist's file-by-file scheduling, with the files of one ``_group`` as one unit."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class ByGroup(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _group(super()._split_scope(nodeid))

    return ByGroup(config, log)


def pytest_collection_modifyitems(config, items):
    """The order JOBS=N deals the files out in (`--dist loadfile --no-loadscope-reorder`, by ``_group``):

    1. the RUNS_ALONE files, one after another: the other worker would wait through each of them anyway, and
       met one midway through a file of its own when they came between the others (each then waited for it);
    2. the others, the longest first, so that the session does not end on one long file: the kit's tests (not
       measured per file) in the collection's order, then the labs by their time in labs/costs.json (which
       `make labs` measures), so the last files are the shortest labs.
    """
    costs = json.loads((PROJECT / "labs" / "costs.json").read_text())
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(_group(_file(item) or ""), []).append(item)

    def rank(group: str) -> tuple[int, float]:
        files = {_file(item) for item in groups[group]}
        if files & RUNS_ALONE:
            return 0, 0
        return 1, -sum(costs.get(f, {}).get("wall_s", float("inf")) for f in files)

    ordered = sorted(groups, key=rank)  # stable: within a rank, the collection's order
    items[:] = [item for group in ordered for item in groups[group]]


def _file(item) -> str | None:
    """The project-relative path of the file an item belongs to (None past the session's last item)."""
    return None if item is None else str(Path(str(item.fspath)).resolve().relative_to(PROJECT))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """Take the file's lock (shared, or exclusive for RUNS_ALONE) at its first item; release it after its last."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    import fcntl

    path = _file(item)
    if path not in _held:
        for held in _held.values():  # a file of this worker ended without a next item of its own
            held[0].close()
        _held.clear()
        lock = open(
            Path(tempfile.gettempdir()) / f"airflow-lab-{os.environ['AIRFLOW_LAB_SESSION'].split('@')[0]}.lock", "w"
        )
        mode = fcntl.LOCK_EX if path in RUNS_ALONE else fcntl.LOCK_SH
        asked = time.monotonic()
        try:
            fcntl.flock(lock, mode | fcntl.LOCK_NB)
        except BlockingIOError:  # a timing-sensitive file runs, or waits to: no idle Airflow of ours beside it
            _evict_kept()
            fcntl.flock(lock, mode)
        began = time.monotonic()
        _held[path] = (lock, began, began - asked, timings.machine_cpu())
    yield
    if _file(nextitem) != path:
        lock, began, waited, cpu_began = _held.pop(path)
        lock.close()
        # the suite's wall time is the alone files' time plus the shared files' time over the workers, plus waits;
        # the machine's CPU during an alone file is that file's alone (nothing else of the suite runs)
        alone = path in RUNS_ALONE
        cpu = _cpu_since(cpu_began)
        timings.record("file", time.monotonic() - began, path=path, alone=alone, waited_s=round(waited, 2), **cpu)


def _cpu_since(began: dict[str, float] | None) -> dict[str, float]:
    now = timings.machine_cpu()
    if not began or not now:
        return {}
    return {key: round(now[key] - began[key], 2) for key in now}


def _evict_kept() -> None:
    from airflow_lab import reuse

    reuse.evict()


# A lab's kernel starts an environment equal to one an earlier lab of this worker stopped (the same DAG folder
# and options, as labs of one chapter often do): with AIRFLOW_LAB_REUSE the kernel takes that one over, reset
# (reuse.py), instead of starting anew. Only the labs' kernels get it: tests of the kit itself check what
# start() and stop() do. A file that is no lab first removes what is kept, so nothing idle runs beside it.
_previous_file: list[str] = [""]


@pytest.hookimpl(hookwrapper=True, specname="pytest_runtest_protocol")
def pytest_runtest_protocol_reuse(item, nextitem):
    path = _file(item) or ""
    first = path != _previous_file[0]
    _previous_file[0] = path
    if not path.endswith(".ipynb"):
        if first:
            _evict_kept()
        yield
        return
    os.environ["AIRFLOW_LAB_REUSE"] = "1"  # read by the kernel nbval starts for the notebook's first cell
    try:
        yield
    finally:
        del os.environ["AIRFLOW_LAB_REUSE"]


# With AIRFLOW_LAB_COSTS_FILE set, each lab's wall time, peak container memory and starts are written there as
# run_labs.py writes labs/costs.json, so one `make test` both checks every lab and measures what it costs. Under
# JOBS=N each worker has its own session label, so the memory and the timing lines are the lab's own.
_costs: dict[str, object] = {}


@pytest.hookimpl(hookwrapper=True, specname="pytest_runtest_protocol")
def pytest_runtest_protocol_lab_costs(item, nextitem):
    """Each lab's wall time, peak container memory and starts, into AIRFLOW_LAB_COSTS_FILE (see above)."""
    target = os.environ.get("AIRFLOW_LAB_COSTS_FILE")
    path = _file(item)
    if not target or not path.endswith(".ipynb"):
        yield
        return
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    from airflow_lab import settings as s
    from bench import MemorySampler
    from run_labs import lab_cost, write_cost

    timings = Path(os.environ.get("AIRFLOW_LAB_TIMINGS_FILE", os.devnull))
    if _costs.get("path") != path:
        seen = len(timings.read_text().splitlines()) if timings.is_file() else 0
        sampler = MemorySampler(f"{s.LABEL}.session={os.environ['AIRFLOW_LAB_SESSION']}").__enter__()
        _costs.update(path=path, began=time.monotonic(), sampler=sampler, seen=seen)
    yield
    if _file(nextitem) != path:
        sampler = _costs["sampler"]
        sampler.__exit__(None, None, None)  # type: ignore[attr-defined]
        lines = timings.read_text().splitlines()[_costs["seen"] :] if timings.is_file() else []  # type: ignore[misc]
        mine = os.environ["AIRFLOW_LAB_SESSION"]
        entries = [e for e in (json.loads(line) for line in lines if line.strip()) if e.get("session") == mine]
        wall = time.monotonic() - _costs["began"]  # type: ignore[operator]
        write_cost(Path(target), path, lab_cost(wall, sampler.peak_total, entries))  # type: ignore[attr-defined]
        _costs.clear()
