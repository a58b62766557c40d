"""Creating cycles (monthly, or a one-off programme) and setting their theme."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction

from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.programme import timetable
from auditloop.programme.models import Cycle, IndicatorTheme
from auditloop.programme.services._common import (
    framework_tool_version,
    lock,
    record,
    require,
)
from auditloop.standards.models import FrameworkSettingChange
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_theme_set

C = Cycle.Status


def previous_monthly(cycle: Cycle) -> Cycle | None:
    """The monthly cycle before this one (the last of the year before, for the first)."""
    if not cycle.is_monthly or cycle.number is None:
        return None
    qs = Cycle.objects.filter(kind=Cycle.Kind.MONTHLY)
    if cycle.number > 1:
        return qs.filter(year=cycle.year, number=cycle.number - 1).first()
    return qs.filter(year=cycle.year - 1).order_by("-number").first()


def next_number(year: int, number: int, per_year: int) -> tuple[int, int]:
    return (year, number + 1) if number < per_year else (year + 1, 1)


def planned_theme(year: int, number: int) -> tuple[str, str, str]:
    """The theme a new monthly cycle starts with: the last QA meeting's prevalent issue when
    the meeting made it the next theme (001; the framework's setting only suggests it),
    otherwise the year's theme plan."""
    row = framework_settings_row()
    per_year = row.cycles_per_year or 12
    before = (year, number - 1) if number > 1 else (year - 1, per_year)
    prior = Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, year=before[0],
                                 number=before[1]).first()
    if prior and prior.prevalent_issue and prior.prevalent_issue_sets_next_theme:
        return (prior.prevalent_issue, Cycle.ThemeSource.QA_MEETING,
                f"The prevalent issue at the {prior.title}'s QA meeting")
    for entry in row.theme_plan or []:
        if entry.get("cycle") == number:
            return (entry["theme"], Cycle.ThemeSource.PLAN,
                    entry.get("note") or "From the year's theme plan")
    return "", Cycle.ThemeSource.NONE, ""


@transaction.atomic
def cycle_create(
    *,
    year: int,
    actor: Person | None,
    number: int | None = None,
    kind: str = Cycle.Kind.MONTHLY,
    name: str = "",
    theme: str = "",
    theme_reason: str = "",
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    meeting_on: dt.date | None = None,
    lead_auditor: Person | None = None,
    auditor_roles: list[str] | None = None,
    follow_up_of: Cycle | None = None,
) -> Cycle:
    """A monthly cycle takes its dates and theme from the framework; a one-off programme
    (thematic, multi-agency, external...) is given its own dates, and a meeting only when a
    date is given."""
    row = framework_settings_row()
    per_year = row.cycles_per_year or 12
    if kind == Cycle.Kind.MONTHLY:
        if number is None or not 1 <= number <= per_year:
            raise DomainError(f"Choose a cycle from 1 to {per_year}: the framework has "
                              f"{per_year} cycles a year.", field="number")
        if Cycle.objects.filter(kind=kind, year=year, number=number).exists():
            raise DomainError(f"There is already a cycle {number} for {year}. Open it from "
                              "the list of cycles.", field="number")
        period_start, period_end = timetable.cycle_span(year, number, per_year)
        has_meeting = row.cycle_ends_in_qa_meeting
    else:
        if not name.strip():
            raise DomainError("Give the programme a name.", field="name")
        if period_start is None or period_end is None:
            raise DomainError("Give the programme's first and last days.", field="period_start")
        if period_end < period_start:
            raise DomainError("The last day must be on or after the first day.",
                              field="period_end")
        number = None
        has_meeting = meeting_on is not None
    dates = timetable.timetable(
        period_start=period_start, period_end=period_end, has_meeting=has_meeting,
        meeting_at_end=row.qa_meeting_timing == row.MeetingTiming.END_OF_CYCLE,
        allocation_notice_days=row.allocation_notice_days_before_meeting,
        audit_notice_days=row.audit_notice_days, meeting_on=meeting_on,
    )
    source: str
    if theme.strip():
        source = Cycle.ThemeSource.CHOSEN
        theme_reason = theme_reason.strip() or "Chosen when the cycle was created"
    elif kind == Cycle.Kind.MONTHLY and number is not None:
        theme, source, theme_reason = planned_theme(year, number)
    else:
        source = Cycle.ThemeSource.NONE
    roles = [r for r in (auditor_roles or []) if r in Role.values]
    try:
        with transaction.atomic():
            cycle = Cycle.objects.create(
                kind=kind, name=name.strip(), year=year, number=number, theme=theme.strip(),
                theme_source=source, theme_reason=theme_reason[:500],
                period_start=dates.period_start, period_end=dates.period_end,
                audit_starts_on=dates.audit_starts_on, audits_due_on=dates.audits_due_on,
                meeting_on=dates.meeting_on, allocations_due_on=dates.allocations_due_on,
                notices_due_on=dates.notices_due_on, tool_version=framework_tool_version(),
                lead_auditor=lead_auditor, auditor_roles=roles, follow_up_of=follow_up_of,
                created_by=actor,
            )
    except IntegrityError as exc:  # two people creating the same month at once
        raise DomainError(f"There is already a cycle {number} for {year}.",
                          field="number") from exc
    record(cycle, actor, "Cycle created",
           f"Theme: {cycle.theme} ({cycle.get_theme_source_display()})" if cycle.theme else "")
    return cycle


@transaction.atomic
def cycle_set_theme(*, cycle: Cycle, theme: str, reason: str, actor: Person | None) -> Cycle:
    cycle = lock(cycle)
    require(cycle, C.PLANNING, doing="change its theme")
    if theme.strip() and not reason.strip():
        raise DomainError("Say why this is the cycle's theme.", field="reason")
    cycle.theme = theme.strip()
    cycle.theme_source = Cycle.ThemeSource.CHOSEN if cycle.theme else Cycle.ThemeSource.NONE
    cycle.theme_reason = reason.strip()[:500]
    cycle.save(update_fields=["theme", "theme_source", "theme_reason", "updated_at"])
    record(cycle, actor, "Theme changed", f"{cycle.theme or 'No theme'}: {cycle.theme_reason}")
    return cycle


@transaction.atomic
def indicator_theme_add(*, cycle: Cycle, theme: str, indicator: str, reason: str,
                        actor: Person | None) -> IndicatorTheme:
    """A theme raised by a performance indicator, with the reason (004: "analyse and
    interrogate indicators ... then test the hypothesis through the audit process")."""
    cycle = lock(cycle)
    require(cycle, C.PLANNING, doing="add a theme")
    for value, field_name, what in ((theme, "theme", "the theme"),
                                    (indicator, "indicator", "the indicator"),
                                    (reason, "reason", "why the indicator raises it")):
        if not value.strip():
            raise DomainError(f"Enter {what}.", field=field_name)
    row = IndicatorTheme.objects.create(cycle=cycle, theme=theme.strip()[:200],
                                        indicator=indicator.strip()[:300],
                                        reason=reason.strip(), created_by=actor)
    record(cycle, actor, f"Theme raised by an indicator: {row.theme}",
           f"{row.indicator}: {row.reason}")
    return row


def set_next_theme(*, cycle: Cycle, theme: str, actor: Person | None) -> None:
    """The QA meeting's prevalent issue becomes the next cycle's theme (001): in the year's
    theme plan (with the settings' history), and on the next cycle if it is still open."""
    row = framework_settings_row()
    per_year = row.cycles_per_year or 12
    if not cycle.is_monthly or cycle.number is None:
        return
    year, number = next_number(cycle.year, cycle.number, per_year)
    user = actor.user if actor is not None else None
    framework_theme_set(cycle=number, theme=theme, actor=user,
                        reason=f"The prevalent issue at the {cycle.title}'s QA meeting",
                        source=FrameworkSettingChange.Source.QA_MEETING)
    following = Cycle.objects.select_for_update().filter(
        kind=Cycle.Kind.MONTHLY, year=year, number=number, status=C.PLANNING).first()
    if following is not None:
        following.theme = theme
        following.theme_source = Cycle.ThemeSource.QA_MEETING
        following.theme_reason = f"The prevalent issue at the {cycle.title}'s QA meeting"
        following.save(update_fields=["theme", "theme_source", "theme_reason", "updated_at"])
        record(following, actor, "Theme set by the QA meeting", theme)
