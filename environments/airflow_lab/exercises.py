"""Exercises: the reader's answers (or the solution's), and a checker's verdict that says right or wrong and why.

Each exercise notebook (``labs/<part>/exercises.ipynb``) has the reader set a few values (``YOUR_...``) before the
run. Left as ``None`` the notebook runs the solution instead: that is how it is stored and how CI runs it, and then
the notebook asserts the checker's verdict, so an exercise whose solution stops working fails the build.

    given = answers({"pool_slots": YOUR_POOL_SLOTS}, solution={"pool_slots": 7})
    ...  # run with given["pool_slots"], read the peak from Airflow's records
    verdict = Verdict()
    verdict.check(peak == 3, "three tasks ran at once", f"{peak} ran at once, because ...")
    print(verdict)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import LabError


@dataclass(frozen=True)
class Answers:
    """The values a run uses, and whether they are the solution's (nobody set any) or the reader's."""

    values: Mapping[str, Any]
    from_solution: bool

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def answers(yours: Mapping[str, Any], solution: Mapping[str, Any]) -> Answers:
    """The reader's answers if they set any, else the solution's; prints which (never the solution's values)."""
    if set(yours) != set(solution):
        raise LabError(f"The exercise asks for {sorted(solution)}, but the notebook passes {sorted(yours)}.")
    if all(value is None for value in yours.values()):
        print("No answer set: this run uses the solution (set the YOUR_... values above and run again to try yours).")
        return Answers(dict(solution), from_solution=True)
    unset = [name for name, value in yours.items() if value is None]
    print("Using your answers." + (f" Not set yet: {', '.join(unset)}." if unset else ""))
    return Answers(dict(yours), from_solution=False)


@dataclass
class Verdict:
    """What a checker found, one line per point: ``right: ...`` or ``not yet: ...`` with the reason."""

    points: list[tuple[bool, str]] = field(default_factory=list)

    def check(self, passed: bool, right: str, wrong: str) -> bool:
        """Record one point: ``right`` says what Airflow recorded; ``wrong`` says what it recorded instead and why."""
        self.points.append((bool(passed), right if passed else wrong))
        return bool(passed)

    @property
    def right(self) -> bool:
        return bool(self.points) and all(passed for passed, _ in self.points)

    def __str__(self) -> str:
        return "\n".join(("right: " if passed else "not yet: ") + text for passed, text in self.points)
