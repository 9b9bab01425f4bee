"""What Airflow sent to StatsD, as the metrics server stored it: counters, gauges and timers by Airflow's name.

The server (``services.MetricsServer``) is Etsy's statsd flushing every second through its graphite backend
to carbon-cache, so each metric is a whisper file of one point per second in statsd's layout (``graphite:
{legacyNamespace: false}``): ``stats.counters.<name>.count`` (the increments of that second),
``stats.gauges.<name>`` (the value at that flush) and ``stats.timers.<name>.<stat>`` (``count``, ``sum``,
``mean``, ``upper``, ... of the timings of that second). Here they are read back under Airflow's own names
(``statsd_prefix`` stripped); nothing is computed but sums over the seconds of a window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

#: A series: (Unix second, value) per statsd flush, oldest first.
Points = list[tuple[int, float]]


@dataclass(frozen=True)
class Metrics:
    """The points one window of time holds, from ``since`` to ``until`` (Unix seconds, both included)."""

    prefix: str
    since: int
    until: int
    #: graphite name (``stats.counters.airflow.ti_successes.count``) → points
    raw: dict[str, Points] = field(default_factory=dict)

    @classmethod
    def from_dump(cls, dump: dict[str, Any], prefix: str, since: int, until: int) -> Metrics:
        raw = {name: [(int(t), float(v)) for t, v in points if since <= t <= until] for name, points in dump.items()}
        return cls(prefix, since, until, raw)

    def _kind(self, kind: str) -> dict[str, Points]:
        """Airflow's metrics of ``kind`` (counters, gauges, timers), named without ``stats.<kind>.<prefix>.``."""
        head = f"stats.{kind}.{self.prefix}."
        return {name.removeprefix(head): points for name, points in self.raw.items() if name.startswith(head)}

    @property
    def counters(self) -> dict[str, int]:
        """Each counter's increments in the window (statsd writes a counter's per-second increments, 0 when idle)."""
        return {
            name.removesuffix(".count"): round(sum(v for _, v in points))
            for name, points in sorted(self._kind("counters").items())
            if name.endswith(".count")
        }

    @property
    def gauges(self) -> dict[str, float]:
        """Each gauge's last value in the window (statsd repeats a gauge's last value at every flush)."""
        return {name: points[-1][1] for name, points in sorted(self._kind("gauges").items()) if points}

    @property
    def timers(self) -> dict[str, dict[str, float]]:
        """Per timer over the window: how many timings, their mean and largest value (milliseconds, as sent)."""
        stats: dict[str, dict[str, Points]] = {}
        for name, points in self._kind("timers").items():
            timer, _, stat = name.rpartition(".")
            stats.setdefault(timer, {})[stat] = points
        out = {}
        for timer, by_stat in sorted(stats.items()):
            count = sum(v for _, v in by_stat.get("count", []))
            if not count:
                continue
            total = sum(v for _, v in by_stat.get("sum", []))
            upper = max((v for _, v in by_stat.get("upper", [])), default=0.0)
            out[timer] = {"count": round(count), "mean": round(total / count, 3), "max": round(upper, 3)}
        return out

    def to_dict(self) -> dict[str, Any]:
        """The run JSON's ``metrics``: name → value for each kind."""
        return {"counters": self.counters, "gauges": self.gauges, "timers": self.timers}

    def series(self, *names: str, kind: str = "gauges") -> Any:
        """A pandas DataFrame, one row per second (UTC) and one column per metric of ``kind``, for plots.

        For counters a cell is the increments of that second; for timers, ``name.stat`` (e.g.
        ``task.duration.mean``). Seconds without a flush are missing (NaN).
        """
        import pandas as pd  # heavy: only for labs that plot

        available = self._kind(kind)
        if kind == "counters":
            available = {n.removesuffix(".count"): p for n, p in available.items() if n.endswith(".count")}
        columns = {name: available.get(name, []) for name in names} if names else available
        frame = pd.DataFrame(
            {name: pd.Series(dict(points), dtype=float) for name, points in columns.items()},
        )
        frame.index = pd.to_datetime(frame.index, unit="s", utc=True)
        return frame.sort_index()

    def names(self, kind: str = "gauges") -> list[str]:
        return sorted(self._kind(kind))


def unix_seconds(moment: datetime | float | None, default: float) -> int:
    """A window bound as whole Unix seconds (a datetime without zone is UTC)."""
    if moment is None:
        return int(default)
    if isinstance(moment, datetime):
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()
    return int(moment)
