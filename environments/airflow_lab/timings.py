"""Where a test suite's time goes: every start, run and image build appends one JSON line to a file.

Off unless ``AIRFLOW_LAB_TIMINGS_FILE`` names a file (the test session sets it; ``benchmarks/bench.py
--suite-timings FILE`` sums it up). Labs run in their own kernels, so a file, not memory, collects them.
"""

from __future__ import annotations

import json
import os
import time


def record(kind: str, seconds: float, **detail: object) -> None:
    """Append ``{"kind", "seconds", "at", **detail}``.

    ``kind``: ``start``, ``reuse``, ``stop``, ``run``, ``build``, or ``file`` (a test file, by the test session)."""
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
