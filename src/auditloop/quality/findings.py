"""What the case register shows about a record in Tier 1 quality control, by the framework's
thresholds (003): how long after the last TAF meeting this one came against the expected
interval, the date by which a current TAF plan is dated, and whether the assessment is
current. The checker reads these beside the checklist; they decide nothing themselves."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from auditloop.cases.models import CaseEvent
from auditloop.common.dates import add_months
from auditloop.quality.models import QualityCheck
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row

E = CaseEvent.Kind
ASSESSMENTS = (E.ASSESSMENT_COMPLETED, E.ASSESSMENT_UPDATED)


@dataclass(frozen=True)
class Finding:
    text: str
    concern: bool = False


def _day(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _weeks(n: int) -> str:
    return f"{n} week" if n == 1 else f"{n} weeks"


def taf_interval(gap_weeks: int, row: FrameworkSettings) -> Finding | None:
    """003: "'Regular' TAF meetings are deemed as every 4-6 weeks, 8 weeks being
    acceptable", with the framework's from, to and acceptable weeks."""
    low, high = row.taf_interval_weeks_min, row.taf_interval_weeks_max
    acceptable = row.taf_interval_weeks_acceptable
    if low is None and high is None and acceptable is None:
        return None
    if low is not None and high is not None:
        expected = f"every {low} to {_weeks(high)}"
    elif high is not None:
        expected = f"at least every {_weeks(high)}"
    elif low is not None:
        expected = f"every {_weeks(low)} or more"
    else:
        expected = f"at least every {_weeks(acceptable or 0)}"
    if acceptable is not None and acceptable != high:
        expected += f", {_weeks(acceptable)} being acceptable"
    said = f"This meeting came {_weeks(gap_weeks)} after the last one (expected {expected})"
    if low is not None and gap_weeks < low:
        return Finding(f"{said}: sooner than expected.")
    if high is not None and gap_weeks <= high:
        return Finding(f"{said}: regular.")
    if acceptable is not None and gap_weeks <= acceptable:
        if high is None:
            return Finding(f"{said}: regular.")
        return Finding(f"{said}: later than expected, but acceptable.")
    return Finding(f"{said}: later than the framework accepts. Drift like this is recorded "
                   "as a remedial action.", concern=True)


def register_findings(check: QualityCheck, row: FrameworkSettings | None = None,
                      ) -> list[Finding]:
    """The findings for one check's record, from the events before it on the case."""
    row = row or framework_settings_row()
    event = check.event
    on = event.occurred_on
    found: list[Finding] = []
    earlier = CaseEvent.objects.filter(case_id=event.case_id, occurred_on__lte=on).exclude(
        pk=event.pk)
    if event.kind == E.TAF_MEETING:
        last = earlier.filter(kind=E.TAF_MEETING).order_by("-occurred_on", "-pk").first()
        if last is None:
            found.append(Finding("No earlier TAF meeting is recorded on the case."))
        else:
            gap = (on - last.occurred_on).days // 7
            interval = taf_interval(gap, row)
            if interval is not None:
                found.append(interval)
            weeks = row.taf_plan_current_weeks
            if weeks is not None:
                by = last.occurred_on + dt.timedelta(weeks=weeks)
                text = (f"The last TAF meeting recorded before this one was on "
                        f"{_day(last.occurred_on)}: a current TAF plan is dated by {_day(by)} "
                        f"(within {_weeks(weeks)}).")
                if on > by:
                    found.append(Finding(text + " This record is dated later.", concern=True))
                else:
                    found.append(Finding(text))
    if event.kind in (E.TAF_MEETING, E.CLOSURE) and row.assessment_current_months is not None:
        months = row.assessment_current_months
        last = earlier.filter(kind__in=ASSESSMENTS).order_by("-occurred_on", "-pk").first()
        if last is None:
            found.append(Finding("No assessment is recorded on the case: the summary should "
                                 "say why one is not needed.", concern=True))
        else:
            until = add_months(last.occurred_on, months)
            text = (f"The assessment was last completed or updated on "
                    f"{_day(last.occurred_on)}: it is current until {_day(until)} (updated "
                    f"within {months} months).")
            if on > until:
                found.append(Finding(text + " It is not current: the summary should say why "
                                            "an update is not needed.", concern=True))
            else:
                found.append(Finding(text))
    return found
