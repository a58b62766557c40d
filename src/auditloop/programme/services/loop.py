"""Revisits of a theme (002): scheduled when a themed cycle's audits have been discussed,
started by the QA manager when due (revisit audits of the same cases, planned so that the
next monthly cycle picks them up as it picks up re-audits), postponed or cancelled with a
reason. Every step writes the revisit's history."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.audits.services import audit_plan_re_audit
from auditloop.cases.models import Case
from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.people.models import Person
from auditloop.programme import loop
from auditloop.programme.models import Cycle, RevisitCase, ThemeRevisit, ThemeRevisitEvent
from auditloop.programme.services._common import plural, record
from auditloop.standards.selectors import framework_settings_row

R = ThemeRevisit.Status
E = ThemeRevisitEvent.Kind
# 002: revisits join the rolling programme, so a started revisit's audits are due within
# the next monthly cycle: a month from the day it is started.
REVISIT_WINDOW_MONTHS = 1


def _lock(revisit: ThemeRevisit) -> ThemeRevisit:
    return ThemeRevisit.objects.select_for_update(of=("self",)).select_related("cycle").get(
        pk=revisit.pk)


def _require_scheduled(revisit: ThemeRevisit, *, doing: str) -> None:
    if not revisit.status_in("scheduled"):
        raise WorkflowError(
            f"This revisit is {revisit.get_status_display().lower()}, so you cannot {doing} "
            "now. Reload the page to see where it has got to.")


@transaction.atomic
def revisit_schedule(*, cycle: Cycle, actor: Person | None) -> ThemeRevisit | None:
    """Schedule the revisit of a themed cycle's theme, once per cycle and theme, due the
    framework's `closing_loop_revisit_months` after the cycle's period (none when the
    framework has no revisits). Calling it again returns the revisit already scheduled."""
    theme = cycle.theme.strip()
    months = framework_settings_row().closing_loop_revisit_months
    if not theme or months is None:
        return None
    existing = ThemeRevisit.objects.filter(cycle=cycle, theme=theme).first()
    if existing is not None:
        return existing
    due = loop.revisit_due_on(cycle.period_end, months)
    try:
        with transaction.atomic():
            revisit = ThemeRevisit.objects.create(cycle=cycle, theme=theme, months=months,
                                                  due_on=due)
    except IntegrityError:  # scheduled by a concurrent close of the same cycle
        return ThemeRevisit.objects.get(cycle=cycle, theme=theme)
    ThemeRevisitEvent.objects.create(
        revisit=revisit, kind=E.SCHEDULED, actor=actor, to_due_on=due,
        reason=f"The {cycle.title}'s audits of {theme} were discussed; the framework "
               f"revisits a theme {plural(months, 'month')} on.")
    record(cycle, actor, f"Revisit of {theme} scheduled for {due:%-d %B %Y}")
    return revisit


@transaction.atomic
def revisit_start(*, revisit: ThemeRevisit, actor: Person | None,
                  today: dt.date | None = None) -> ThemeRevisit:
    """Plan a revisit audit of each case the cycle audited that is still open (kind
    REVISIT, re_audit_of the earlier audit); the next monthly cycle's proposal takes them
    as planned cases. Closed cases are kept on the revisit as "closed since"."""
    revisit = _lock(revisit)
    _require_scheduled(revisit, doing="start it")
    today = today or timezone.localdate()
    if revisit.due_on > today:
        raise DomainError(
            f"This revisit is due on {revisit.due_on:%-d %B %Y}: the framework leaves "
            f"{plural(revisit.months, 'month')} for learning to embed. Wait until then, or "
            "postpone it to another date.")
    rows = list(loop.audited_cycle_cases(revisit.cycle))
    if not rows:
        raise DomainError(f"The {revisit.cycle.title} has no graded audits to revisit. "
                          "Cancel the revisit and say why.")
    latest = add_months(today, REVISIT_WINDOW_MONTHS)
    planned = closed = 0
    for row in rows:
        assert row.audit is not None
        if row.case.status != Case.Status.OPEN:
            RevisitCase.objects.create(revisit=revisit, earlier_audit=row.audit,
                                       closed_since=True)
            closed += 1
            continue
        audit = audit_plan_re_audit(
            of=row.audit, actor=actor, earliest=today, latest=latest, kind=Audit.Kind.REVISIT,
            reason=f"Revisit of {revisit.theme}: audited in the {revisit.cycle.title}"[:300])
        RevisitCase.objects.create(revisit=revisit, earlier_audit=row.audit,
                                   revisit_audit=audit)
        planned += 1
    revisit.started_at = timezone.now()
    revisit.started_by = actor
    revisit.workflow.move(
        revisit, to=R.STARTED, actor=actor, also_save=["started_at", "started_by"],
        reason=f"{plural(planned, 'revisit audit')} planned for the next monthly cycle"
               + (f"; {plural(closed, 'case')} closed since" if closed else ""))
    return revisit


@transaction.atomic
def revisit_postpone(*, revisit: ThemeRevisit, actor: Person | None, to: dt.date,
                     reason: str, today: dt.date | None = None) -> ThemeRevisit:
    revisit = _lock(revisit)
    _require_scheduled(revisit, doing="postpone it")
    today = today or timezone.localdate()
    if not reason.strip():
        raise DomainError("Say why the revisit is postponed.", field="reason")
    if to <= today or to <= revisit.due_on:
        raise DomainError("Choose a date after today and after the date it is due now "
                          f"({revisit.due_on:%-d %B %Y}).", field="to")
    was = revisit.due_on
    revisit.due_on = to
    revisit.save(update_fields=["due_on", "updated_at"])
    ThemeRevisitEvent.objects.create(revisit=revisit, kind=E.POSTPONED, actor=actor,
                                     from_due_on=was, to_due_on=to, reason=reason.strip())
    return revisit


@transaction.atomic
def revisit_cancel(*, revisit: ThemeRevisit, actor: Person | None,
                   reason: str) -> ThemeRevisit:
    revisit = _lock(revisit)
    _require_scheduled(revisit, doing="cancel it")
    if not reason.strip():
        raise DomainError("Say why the revisit is cancelled.", field="reason")
    revisit.workflow.move(revisit, to=R.CANCELLED, actor=actor, reason=reason.strip())
    return revisit
