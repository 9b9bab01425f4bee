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
)


@contextmanager
def step(what: str, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """``with step("Building x") as update: ... update("detail")``; prints ``✓ what (N s)`` when done."""
    started = time.monotonic()
    if not enabled:
        yield lambda detail: None
        return
    if console.is_terminal:
        with console.status(what) as status:
            yield lambda detail: status.update(f"{what} ({time.monotonic() - started:.0f} s): {detail}")
    else:
        yield lambda detail: None
    done(f"{what} ({time.monotonic() - started:.1f} s)")


def done(message: str) -> None:
    console.print(f"[green]✓[/] {message}")


def note(message: str) -> None:
    console.print(message)
