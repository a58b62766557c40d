"""Coverage: how far the audits of the last months go towards the framework's target (003:
"20% of open cases in 12 months"), by team and by locality."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from auditloop.audits.models import Audit
from auditloop.cases.models import Case
from auditloop.common.dates import add_months
from auditloop.standards.selectors import framework_settings_row

# Audits that count as done or under way (a planned re-audit has not happened yet).
COUNTED = Q(status__in=[s for s in Audit.Status.values
                        if s not in (Audit.Status.PLANNED, Audit.Status.WITHDRAWN)])
# Without a target the page still shows a year of audits (cycles are counted in years).
DEFAULT_MONTHS = 12


@dataclass
class CoverageRow:
    key: int | None
    label: str
    open_cases: int
    audited: int
    target: Decimal | None

    @property
    def percent(self) -> Decimal:
        if not self.open_cases:
            return Decimal(0)
        return (Decimal(self.audited) * 100 / self.open_cases).quantize(Decimal("0.1"))

    @property
    def needed(self) -> int:
        """Audits still needed to reach the target."""
        if self.target is None:
            return 0
        # Round up: 50% of 9 open cases is 5 audits. (Decimal's // truncates towards zero,
        # so -(-x // 100) would give 4.)
        goal = math.ceil(self.target * self.open_cases / 100)
        return max(0, goal - self.audited)

    @property
    def short(self) -> bool:
        return self.target is not None and self.open_cases > 0 and self.needed > 0


@dataclass
class Coverage:
    since: dt.date
    on: dt.date
    months: int
    target: Decimal | None
    total: CoverageRow
    teams: list[CoverageRow] = field(default_factory=list)
    localities: list[CoverageRow] = field(default_factory=list)

    @property
    def short_team_ids(self) -> set[int]:
        return {r.key for r in self.teams if r.short and r.key is not None}

    @property
    def short_locality_ids(self) -> set[int]:
        return {r.key for r in self.localities if r.short and r.key is not None}


def _eligible_cases() -> QuerySet[Case]:
    services = framework_settings_row().eligible_services or []
    qs = Case.objects.all()
    return qs.filter(service__kind__in=services) if services else qs


def coverage(*, on: dt.date) -> Coverage:
    """Open cases now, and the cases audited in the target's months, by team and locality.
    Four grouped queries, whatever the register's size."""
    row = framework_settings_row()
    months = row.coverage_target_months or DEFAULT_MONTHS
    since = add_months(on, -months)
    target = row.coverage_target_percent
    cases = _eligible_cases()
    audited = Audit.objects.filter(COUNTED, created_at__date__gt=since,
                                   created_at__date__lte=on, case__in=cases)

    def rows(key: str, name: str) -> list[CoverageRow]:
        open_counts = {
            r[key]: (r[name], r["n"])
            for r in cases.filter(status=Case.Status.OPEN).values(key, name)
            .annotate(n=Count("pk"))
        }
        done = {
            r[f"case__{key}"]: (r[f"case__{name}"], r["n"])
            for r in audited.values(f"case__{key}", f"case__{name}")
            .annotate(n=Count("case", distinct=True))
        }
        out = []
        for k in set(open_counts) | set(done):
            label = (open_counts.get(k) or done.get(k) or ("", 0))[0] or "None recorded"
            out.append(CoverageRow(k, label, open_counts.get(k, ("", 0))[1],
                                   done.get(k, ("", 0))[1], target))
        return sorted(out, key=lambda r: (r.label == "None recorded", r.label))

    teams = rows("team_id", "team__name")
    localities = rows("locality_id", "locality__name")
    total = CoverageRow(None, "All eligible cases",
                        sum(r.open_cases for r in teams), sum(r.audited for r in teams), target)
    return Coverage(since=since, on=on, months=months, target=target, total=total,
                    teams=teams, localities=localities)
