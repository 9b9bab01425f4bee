"""Execute lab notebooks in place and record what each cost: wall time, peak memory, the environments it started.

    python benchmarks/run_labs.py                          # every lab; outputs refreshed; labs/costs.json updated
    python benchmarks/run_labs.py labs/qos/pools.ipynb     # one lab

`make labs` runs this. labs/costs.json is the one place the book's "run this lab" boxes and the instructor page
read each lab's time and memory from. Memory is the peak of the summed memory of every container the lab's kernel
started (found by a session label of its own), sampled as `docker stats` shows it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path

from airflow_lab import settings as s
from bench import MB, MemorySampler

PROJECT = Path(__file__).resolve().parent.parent
COSTS = PROJECT / "labs" / "costs.json"


def run_lab(notebook: Path, inplace: bool = True) -> dict:
    """Execute ``notebook`` (a failing cell raises), return its cost."""
    import nbformat
    from nbclient import NotebookClient

    session = f"labs-{uuid.uuid4().hex[:8]}"
    timings = Path(tempfile.mkstemp(prefix="airflow-lab-timings-", suffix=".jsonl")[1])
    saved = {k: os.environ.get(k) for k in ("AIRFLOW_LAB_SESSION", "AIRFLOW_LAB_TIMINGS_FILE")}
    os.environ |= {"AIRFLOW_LAB_SESSION": session, "AIRFLOW_LAB_TIMINGS_FILE": str(timings)}  # the kernel inherits
    try:
        nb = nbformat.read(notebook, as_version=4)
        started = time.monotonic()
        with MemorySampler(f"{s.LABEL}.session={session}") as sampler:
            NotebookClient(nb, timeout=900, resources={"metadata": {"path": str(notebook.parent)}}).execute()
        wall = time.monotonic() - started
        if inplace:
            nbformat.write(nb, notebook)
        entries = [json.loads(line) for line in timings.read_text().splitlines() if line.strip()]
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        timings.unlink(missing_ok=True)
    return lab_cost(wall, sampler.peak_total, entries)


def lab_cost(wall_s: float, peak_bytes: int, entries: list[dict]) -> dict:
    """One lab's entry in labs/costs.json, from its wall time, memory peak and the kit's timing lines."""
    starts = [e for e in entries if e["kind"] in ("start", "reuse")]  # a reused environment is still one it starts
    return {
        "wall_s": round(wall_s),
        "peak_memory_mb": round(peak_bytes / MB),
        "starts": len(starts),
        "environments": sorted(
            {m[1] for e in starts if (m := re.search(r"Environment\('([\w-]+)'", e["environment"]))}
        ),
        "airflow_versions": sorted(
            {v for e in starts for v in s.SUPPORTED_AIRFLOW_VERSIONS if f"airflow={v}" in e["environment"]}
        ),
    }


def write_cost(path: Path, notebook: str, cost: dict) -> None:
    """Add or replace one lab's entry, keeping the file sorted (it is committed: small diffs). Locked: test workers
    running side by side write the same file."""
    import fcntl

    with open(f"{path}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        costs = json.loads(path.read_text()) if path.exists() else {}
        costs[notebook] = cost
        path.write_text(json.dumps(dict(sorted(costs.items())), indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lab")
    parser.add_argument("--no-inplace", action="store_true", help="measure only; leave the stored outputs")
    args = parser.parse_args()
    notebooks = [n.resolve() for n in args.notebooks] or sorted((PROJECT / "labs").rglob("*.ipynb"))
    for notebook in notebooks:
        key = str(notebook.relative_to(PROJECT))
        print(f"running {key}", file=sys.stderr, flush=True)
        cost = run_lab(notebook, inplace=not args.no_inplace)
        print(f"  {cost}", file=sys.stderr, flush=True)
        write_cost(COSTS, key, cost)  # after each lab: an interrupted run keeps what it measured


if __name__ == "__main__":
    main()
