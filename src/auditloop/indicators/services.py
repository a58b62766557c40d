"""What changes the indicators: computing the months, then raising signals (and proposing
themed audits from them: indicators.signals)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from auditloop.indicators import registry, signals
from auditloop.indicators.registry import Period


@dataclass
class ComputeReport:
    months: list[str] = field(default_factory=list)
    values: int = 0
    signals: int = 0

    def as_dict(self) -> dict[str, object]:
        return {"months": self.months, "values": self.values, "signals": self.signals}


def compute_months(first: Period | dt.date | str, last: Period | dt.date | str | None = None,
                   *, keys: list[str] | None = None) -> ComputeReport:
    """Compute every indicator in every scope for each month from `first` to `last` (or
    just `first`), then look for signals in every series."""
    start = first if isinstance(first, Period) else registry._as_period(first)
    end = start if last is None else (last if isinstance(last, Period)
                                      else registry._as_period(last))
    if end < start:
        raise ValueError("The last month is before the first.")
    report = ComputeReport()
    for month in registry.months(start, end):
        report.months.append(month.key)
        report.values += len(registry.compute_all(month, keys=keys))
    wanted = registry.sync_indicators([registry.definition(k) for k in keys] if keys
                                      else None)
    report.signals = len(signals.detect_all(wanted.values()))
    return report


def compute_month(month: Period | dt.date | str) -> ComputeReport:
    return compute_months(month)
