"""Fault injection during a run: SIGKILL or restart a component's container so many seconds after the trigger.

``Injector`` knows nothing of Docker: the lab hands it one callable per action and component. Each fault fires
on a timer of its own (the time is the experiment's input, not a wait for an event), and records when it was
done, so a lab's timeline can mark it against what Airflow recorded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .errors import LabError
from .types import Fault

Action = Callable[[Fault], None]


class Injector:
    """Start with ``with Injector(faults, act) as injector:`` right after the trigger; ``injector.report()``
    after the run is over: ``[{component, action, at, done_at}]`` in seconds after the trigger."""

    def __init__(self, faults: Sequence[Fault], act: Action) -> None:
        self.faults = tuple(faults)
        self._act = act
        self._done: dict[int, float] = {}
        self._errors: dict[int, BaseException] = {}
        self._timers: list[threading.Timer] = []
        self._began = 0.0

    def __enter__(self) -> Injector:
        self._began = time.monotonic()
        for index, fault in enumerate(self.faults):
            timer = threading.Timer(fault.at, self._fire, (index, fault))
            timer.daemon = True
            self._timers.append(timer)
            timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for timer in self._timers:
            timer.cancel()
        for timer in self._timers:
            timer.join()

    def _fire(self, index: int, fault: Fault) -> None:
        try:
            self._act(fault)
        except BaseException as exc:  # reported by report(): a thread's exception would be lost
            self._errors[index] = exc
        self._done[index] = round(time.monotonic() - self._began, 2)

    def report(self, run_seconds: float) -> list[dict[str, Any]]:
        """What was done and when; a fault that never fired (the run ended first) or failed is an error."""
        for index, fault in enumerate(self.faults):
            if index in self._errors:
                raise LabError(f"The fault {fault} failed: {self._errors[index]}")
            if index not in self._done:
                raise LabError(
                    f"The run was over {run_seconds:.0f} s after the trigger, before the fault {fault} was due:"
                    f" choose a time inside the run (under {run_seconds:.0f} s)."
                )
        return [
            {"component": f.component, "action": str(f.action), "at": f.at, "done_at": self._done[i]}
            for i, f in enumerate(self.faults)
        ]
