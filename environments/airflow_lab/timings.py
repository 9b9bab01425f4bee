"""Where a test suite's time goes: every start, run and image build appends one JSON line to a file.

Off unless ``AIRFLOW_LAB_TIMINGS_FILE`` names a file (the test session sets it; ``benchmarks/bench.py
--suite-timings FILE`` sums it up). Labs run in their own kernels, so a file, not memory, collects them.

The test session also notes the machine's CPU time (``machine_cpu``) at its start and end and around each test
file, so the sum says how busy the cores were: what the suite could gain from packing its work better, and the
wall time below which no packing can go on these cores.
"""

from __future__ import annotations

import json
import os
import time


def machine_cpu() -> dict[str, float] | None:
    """CPU seconds of every core since boot, busy and in all (``/proc/stat``: every process, containers too).

    None where there is no ``/proc/stat`` (not Linux): the summary then leaves the CPU out."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            ticks = [int(x) for x in stat.readline().split()[1:9]]  # user nice system idle iowait irq softirq steal
    except OSError:
        return None
    per_second = os.sysconf("SC_CLK_TCK")
    return {
        "cpu_busy_s": round((sum(ticks) - ticks[3] - ticks[4]) / per_second, 2),
        "cpu_all_s": round(sum(ticks) / per_second, 2),
    }


def record(kind: str, seconds: float, **detail: object) -> None:
    """Append ``{"kind", "seconds", "at", **detail}``.

    ``kind``: ``start``, ``reuse``, ``stop``, ``run``, ``build``, or, by the test session, ``file`` (a test file)
    and ``session`` (its start and end)."""
    path = os.environ.get("AIRFLOW_LAB_TIMINGS_FILE")
    if not path:
        return
    # the session label tells apart what test workers running side by side append to the same file
    session = os.environ.get("AIRFLOW_LAB_SESSION", "")
    line = json.dumps(
        {"kind": kind, "seconds": round(seconds, 2), "at": round(time.time(), 2), "session": session, **detail}
    )
    with open(path, "a", encoding="utf-8") as out:  # one short write per line: safe across processes
        out.write(line + "\n")
