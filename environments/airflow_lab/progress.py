"""Progress for slow steps (image builds, waits), on stderr so stdout stays machine-readable.

In a terminal: a live spinner with the current detail. Elsewhere (a notebook, CI logs): one line per
finished step, so stored notebook outputs stay short and readable.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

# A notebook kernel's stderr may claim to be a terminal; spinners there would be stored in the notebook.
_IN_NOTEBOOK = "ipykernel" in sys.modules
console = Console(
    stderr=True,
    highlight=False,
    force_jupyter=False,
    force_terminal=False if _IN_NOTEBOOK else None,
    no_color=True if _IN_NOTEBOOK else None,
    soft_wrap=True,  # a long step line stays one line in logs and stored outputs
)


#: The step being shown; a step inside it (a start's Postgres, its health wait) only updates its detail line,
#: so one start prints one line.
_outer: list[Callable[[str], None]] = []


@contextmanager
def step(what: str, enabled: bool = True, done_as: str | None = None) -> Iterator[Callable[[str], None]]:
    """``with step("Building x") as update: ... update("detail")``; prints ``✓ what (N s)`` when done.

    ``done_as`` replaces ``what`` in that line. Inside another step, nothing is printed: the outer step's
    detail shows ``what``.
    """
    started = time.monotonic()
    if not enabled:
        yield lambda detail: None
        return
    if _outer:
        outer = _outer[-1]
        outer(what.lower())
        yield lambda detail: outer(f"{what.lower()}: {detail}")
        return
    if console.is_terminal:
        with console.status(what) as status:

            def update(detail: str) -> None:
                status.update(f"{what} ({time.monotonic() - started:.0f} s): {detail}")

            _outer.append(update)
            try:
                yield update
            finally:
                _outer.pop()
    else:
        _outer.append(lambda detail: None)
        try:
            yield lambda detail: None
        finally:
            _outer.pop()
    done(f"{done_as or what} ({time.monotonic() - started:.1f} s)")


def done(message: str) -> None:
    console.print(f"[green]✓[/] {message}")


def note(message: str) -> None:
    console.print(message)
