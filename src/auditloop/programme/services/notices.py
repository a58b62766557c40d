"""The cycle's notices: allocations to auditors (and to whoever else the framework names for
"allocation_made"), notice to those who hold or oversee each case (with "re_audit_due" for
the re-audits the cycle has taken up), reminders, overdue audits and the audit reports
after the meeting.

Each batch is a row (CycleNotice) that a background task sends; each notice to each
person is recorded once (NoticeSent), so sending again never tells anyone twice. Notices
say what to do and link to the service: never a child's details, as they go by e-mail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.audits.recipients import recipients_for
from auditloop.common.errors import DomainError
from auditloop.notifications.done import about
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.programme import notice_checks
from auditloop.programme.models import Cycle, CycleCase, CycleNotice, MeetingItem, NoticeSent
from auditloop.programme.services._common import cycle_runners, plural, record
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.settings_spec import SETTINGS

logger = logging.getLogger(__name__)
K = CycleNotice.Kind
C = Cycle.Status
S = Audit.Status
# 002: "SW, TM, SM, IRO and CP Chair who will be given at least 1 weeks notice", where the
# framework names nobody for "audit_selected".
DEFAULT_SELECTED = ["case_key_worker", "case_team_manager", "case_service_manager", "case_iro"]
# 001: "the audit report will be sent to the practitioner's manager".
DEFAULT_REPORT = ["case_team_manager"]
NOT_DONE = Audit.workflow.groups["open_for_editing"]
# The states each kind of notice may be sent in.
ALLOWED: dict[str, set[str]] = {
    K.ALLOCATION: {C.ALLOCATED, C.REVIEWED},
    K.AUDIT_SELECTED: {C.ALLOCATED},
    K.REMINDER: {C.ALLOCATED},
    K.OVERDUE: {C.ALLOCATED, C.REVIEWED},
    K.AUDIT_REPORT: {C.REVIEWED, C.CLOSED},
}
# 002: the week before (its "at least 1 week's notice"): reminders when an audit is due
# within this many days, unless the command is told otherwise.
REMINDER_DAYS = 7


def _day(d: dt.date | None) -> str:
    return f"{d.day} {d:%B %Y}" if d else "the date set"


def audit_link(audit: Audit) -> str:
    """The audit's own page (the audits app's), or the auditor's list of audits."""
    try:
        return reverse("audits:audit_detail", args=[audit.pk])
    except NoReverseMatch:
        return reverse("programme:my_audits")


@dataclass
class Outgoing:
    person: Person
    key: str
    subject: str
    body: str
    link: str
    urgent: bool = False
    # What the notice asks, and what about (notifications/done.py); blank when it only tells.
    kind: str = ""
    about: str = ""


def cycle_audits(cycle: Cycle) -> list[Audit]:
    ids = CycleCase.objects.filter(cycle=cycle, audit__isnull=False).values("audit_id")
    return list(Audit.objects.filter(pk__in=ids).select_related("case", "case__key_worker",
                                                                "case__team_manager")
                .prefetch_related("assignments__person").order_by("pk"))


def _current(audit: Audit) -> list[Person]:
    return [a.person for a in audit.assignments.all() if a.ended_at is None]


def _allocation(cycle: Cycle, today: dt.date, days: int) -> Iterator[Outgoing]:
    mine: dict[int, list[Audit]] = defaultdict(list)
    people: dict[int, Person] = {}
    for audit in cycle_audits(cycle):
        if audit.is_withdrawn:
            continue
        for person in _current(audit):
            mine[person.pk].append(audit)
            people[person.pk] = person
    meeting = (f" The QA meeting is on {_day(cycle.meeting_on)}."
               if cycle.meeting_on else "")
    yield from _allocation_made(cycle, set(mine))
    for pid, audits in mine.items():
        yield Outgoing(
            people[pid], "allocation", f"Your audits for the {cycle.title}",
            f"You have been allocated {plural(len(audits), 'audit')} in the {cycle.title}. "
            f"{'It is' if len(audits) == 1 else 'They are'} due by {_day(cycle.audits_due_on)}."
            f"{meeting} Open the service to see the cases and book the conversations with "
            "the practitioners.",
            reverse("programme:my_audits"), kind=notice_checks.AUDITS_ALLOCATED,
            about=about("cycle", cycle.pk))


def _allocation_made(cycle: Cycle, auditors: set[int]) -> Iterator[Outgoing]:
    """Besides the auditors (told their own audits above), whoever else the framework names
    for "allocation_made" hears that each case's audit is allocated."""
    for audit in cycle_audits(cycle):
        if audit.is_withdrawn:
            continue
        for person in recipients_for(audit, "allocation_made").people:
            if person.pk in auditors:
                continue
            yield Outgoing(
                person, f"allocated:{audit.pk}", "An audit has been allocated",
                f"The audit of a case you work with in the {cycle.title} has been allocated "
                f"to its auditors. It is due by {_day(audit.due_on or cycle.audits_due_on)}. "
                "Open the service to see which case.", _case_link(audit))


def _re_audit_due(cycle: Cycle, audit: Audit, auditors: set[int]) -> Iterator[Outgoing]:
    """A re-audit the cycle has taken up: those the framework names for "re_audit_due" are
    told it is due (001: the re-audit checks the actions and improvements)."""
    if audit.kind != Audit.Kind.RE_AUDIT:
        return
    for person in recipients_for(audit, "re_audit_due").people:
        if person.pk in auditors:
            continue
        yield Outgoing(
            person, f"re_audit:{audit.pk}", "A re-audit is due",
            f"A case you work with is re-audited in the {cycle.title}, to check the actions "
            f"and improvements since its earlier audit. The re-audit is due by "
            f"{_day(audit.due_on or cycle.audits_due_on)}. Open the service to see which "
            "case.", _case_link(audit))


def _selected(cycle: Cycle, today: dt.date, days: int) -> Iterator[Outgoing]:
    for audit in cycle_audits(cycle):
        if audit.is_withdrawn:
            continue
        found = recipients_for(audit, "audit_selected", default=DEFAULT_SELECTED)
        auditors = {p.pk for p in _current(audit)}
        yield from _re_audit_due(cycle, audit, auditors)
        for person in found.people:
            if person.pk in auditors:
                continue
            yield Outgoing(
                person, f"audit:{audit.pk}", "A case you work with will be audited",
                f"A case you hold or oversee has been chosen for audit in the {cycle.title}. "
                f"The audit runs from {_day(cycle.audit_starts_on)} to "
                f"{_day(cycle.audits_due_on)}. The auditors will contact you to arrange a "
                "conversation. Open the service to see which case.",
                _case_link(audit))


def _case_link(audit: Audit) -> str:
    return reverse("cases:case_detail", args=[audit.case_id])


def _reminders(cycle: Cycle, today: dt.date, days: int) -> Iterator[Outgoing]:
    for audit in cycle_audits(cycle):
        due = audit.due_on or cycle.audits_due_on
        if audit.status not in NOT_DONE or not today <= due <= today + dt.timedelta(days=days):
            continue
        for person in _current(audit):
            yield Outgoing(person, f"reminder:{audit.pk}:{due.isoformat()}",
                           "An audit is due soon",
                           f"An audit allocated to you in the {cycle.title} is due by "
                           f"{_day(due)}. Submit it by then, or tell the QA manager if you "
                           "cannot.", audit_link(audit), kind=notice_checks.AUDIT_DUE,
                           about=about("audit", audit.pk))


def overdue_audits(cycle: Cycle, today: dt.date) -> list[Audit]:
    return [a for a in cycle_audits(cycle)
            if a.status in NOT_DONE and (a.due_on or cycle.audits_due_on) < today]


def _overdue(cycle: Cycle, today: dt.date, days: int) -> Iterator[Outgoing]:
    late = overdue_audits(cycle, today)
    link = reverse("programme:cycle_detail", args=[cycle.pk]) + "#cases"
    for person in cycle_runners():
        for audit in late:
            yield Outgoing(person, f"overdue:{audit.pk}", "An audit is overdue",
                           f"An audit in the {cycle.title} was due on "
                           f"{_day(audit.due_on or cycle.audits_due_on)} and has not been "
                           "submitted. Check with its auditors.", link, urgent=True,
                           kind=notice_checks.AUDIT_OVERDUE, about=about("audit", audit.pk))


def _reports(cycle: Cycle, today: dt.date, days: int) -> Iterator[Outgoing]:
    items = MeetingItem.objects.filter(cycle=cycle, discussed_at__isnull=False).select_related(
        "audit__case", "audit__case__key_worker", "audit__case__team_manager")
    for item in items:
        found = recipients_for(item.audit, "audit_report_after_meeting", default=DEFAULT_REPORT)
        for person in found.people:
            yield Outgoing(person, f"report:{item.audit_id}", "An audit report is ready",
                           f"The audit of a case in your team was discussed in the "
                           f"{cycle.title}. Read the report, and talk it through with the "
                           "practitioner.", audit_link(item.audit))


BUILDERS = {K.ALLOCATION: _allocation, K.AUDIT_SELECTED: _selected, K.REMINDER: _reminders,
            K.OVERDUE: _overdue, K.AUDIT_REPORT: _reports}


def is_late(cycle: Cycle, kind: str, today: dt.date) -> bool:
    if kind == K.ALLOCATION:
        return cycle.allocations_due_on is not None and today > cycle.allocations_due_on
    if kind == K.AUDIT_SELECTED:
        return cycle.notices_due_on is not None and today > cycle.notices_due_on
    return False


def late_message(cycle: Cycle, kind: str) -> str:
    """Why a late notice needs a reason, naming the framework setting that set its date
    (001: allocations at least two weeks before the QA meeting; 002: at least a week's
    notice before the audit period)."""
    if kind == K.ALLOCATION:
        setting, due = "allocation_notice_days_before_meeting", cycle.allocations_due_on
        what = "Allocations to auditors are"
    else:
        setting, due = "audit_notice_days", cycle.notices_due_on
        what = "Notices to those who hold or oversee the cases are"
    label = SETTINGS[setting].label
    return (f"{what} late: the framework setting “{label}” put them due by "
            f"{_day(due) if due else 'an earlier date'}. Say why they go out late.")


@transaction.atomic
def notices_queue(*, cycle: Cycle, kinds: list[str], actor: Person | None,
                  late_reason: str = "") -> list[CycleNotice]:
    """Queue batches of notices; a background task sends them (its argument is the cycle's
    id). A kind already waiting is not queued twice. Allocations or notices of selection
    sent after the framework's date need a reason, kept on the batch with who queued it
    and when."""
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    if not kinds:
        raise DomainError("Choose which notices to send.", field="kinds")
    today = timezone.localdate()
    made = []
    for kind in kinds:
        if kind not in ALLOWED:
            raise DomainError("Choose which notices to send.", field="kinds")
        if cycle.status not in ALLOWED[kind]:
            raise DomainError(f"{K(kind).label} cannot be sent while the cycle is at "
                              f"“{cycle.get_status_display().lower()}”.", field="kinds")
        waiting = CycleNotice.objects.filter(
            cycle=cycle, kind=kind, status__in=CycleNotice.workflow.groups["waiting"]).first()
        late = waiting is None and is_late(cycle, kind, today)
        if late and not late_reason.strip():
            raise DomainError(late_message(cycle, kind), field="late_reason")
        made.append(waiting or CycleNotice.objects.create(
            cycle=cycle, kind=kind, queued_by=actor, late=late,
            late_reason=late_reason.strip() if late else ""))
    late_ones = [n for n in made if n.late and n.late_reason]
    record(cycle, actor, "Notices queued", ", ".join(K(k).label for k in kinds)
           + (f". Late: {late_ones[0].late_reason}" if late_ones else ""))
    transaction.on_commit(partial(_enqueue, cycle.pk))
    return made


def _enqueue(cycle_id: int) -> None:
    from auditloop.programme.tasks import send_cycle_notices

    send_cycle_notices.enqueue(cycle_id)


def notices_send(*, cycle_id: int, today: dt.date | None = None,
                 reminder_days: int = REMINDER_DAYS) -> int:
    """Send every batch waiting for the cycle (the background task). Returns how many
    notices went out."""
    today = today or timezone.localdate()
    total = 0
    while True:
        with transaction.atomic():
            notice = (CycleNotice.objects.select_for_update()
                      .filter(cycle_id=cycle_id, status=CycleNotice.Status.QUEUED)
                      .order_by("queued_at", "pk").first())
            if notice is None:
                return total
            notice.workflow.move(notice, to=CycleNotice.Status.SENDING)
        try:
            sent = _send(notice, today, reminder_days)
        except Exception as exc:  # noqa: BLE001 - recorded on the batch for the page
            logger.exception("Notices %s for cycle %s failed", notice.pk, cycle_id)
            notice.message = (f"Not sent ({type(exc).__name__}). Try again; if it fails "
                              "again, tell the service's operators.")[:500]
            notice.finished_at = timezone.now()
            notice.workflow.move(notice, to=CycleNotice.Status.FAILED, reason=notice.message,
                                 also_save=["message", "finished_at"])
            continue
        total += sent
        notice.sent_count = sent
        notice.finished_at = timezone.now()
        notice.message = (f"{plural(sent, 'notice')} sent"
                          + (" (some had been sent before)" if sent == 0 else "") + ".")
        notice.workflow.move(notice, to=CycleNotice.Status.SENT,
                             also_save=["sent_count", "finished_at", "message"])


def _send(notice: CycleNotice, today: dt.date, reminder_days: int) -> int:
    cycle = notice.cycle
    sent = 0
    for out in BUILDERS[K(notice.kind)](cycle, today, reminder_days):
        try:
            with transaction.atomic():
                row = NoticeSent.objects.create(cycle=cycle, kind=notice.kind,
                                                person=out.person, key=out.key)
                made = notify(recipients=[out.person], subject=out.subject, body=out.body,
                              link=out.link, urgent=out.urgent, kind=out.kind,
                              about=out.about)
                row.notification = made[0] if made else None
                row.save(update_fields=["notification"])
        except IntegrityError:
            continue  # told before
        sent += 1
    if notice.kind == K.AUDIT_REPORT:
        MeetingItem.objects.filter(cycle=cycle, discussed_at__isnull=False,
                                   report_sent_at__isnull=True).update(
            report_sent_at=timezone.now())
    return sent


AUDIT_LIST_DUE = "Audit list due: those who run the cycle told"


def audit_list_reminders(today: dt.date) -> int:
    """002: "The Quality Assurance Manager will collate an audit list during the last week of
    each month". Once the cycle is within audit_list_days_before_cycle days of starting and
    its cases are still being chosen, those who run the cycle are told, once. Returns how
    many cycles they were told of."""
    days = framework_settings_row().audit_list_days_before_cycle
    if days is None:
        return 0
    cycles = Cycle.objects.filter(kind=Cycle.Kind.MONTHLY, status=C.PLANNING,
                                  period_start__gt=today,
                                  period_start__lte=today + dt.timedelta(days=days)) \
        .exclude(events__what=AUDIT_LIST_DUE).order_by("period_start", "pk")
    told = 0
    for cycle in cycles:
        notify(recipients=cycle_runners(), subject=f"Collate the audit list for the "
                                                   f"{cycle.title}",
               body=f"The {cycle.title} starts on {_day(cycle.period_start)}. The framework "
                    f"collates the audit list in the {plural(days, 'day')} before a cycle "
                    "starts: choose and confirm its cases.",
               link=reverse("programme:cycle_detail", args=[cycle.pk]) + "#cases",
               kind=notice_checks.COLLATE, about=about("cycle", cycle.pk))
        record(cycle, None, AUDIT_LIST_DUE,
               f"{plural(days, 'day')} before the cycle (audit_list_days_before_cycle)")
        told += 1
    return told


def reminders_due() -> list[CycleNotice]:
    """For the scheduler: tell those who run the cycle when an audit list is due, and queue
    reminders and overdue notices for every allocated cycle."""
    audit_list_reminders(timezone.localdate())
    made = []
    for cycle in Cycle.objects.filter(status=C.ALLOCATED):
        made += notices_queue(cycle=cycle, kinds=[K.REMINDER, K.OVERDUE], actor=None)
    return made


def assignments_of(cycle: Cycle) -> list[AuditAssignment]:
    return list(AuditAssignment.objects.filter(
        audit_id__in=CycleCase.objects.filter(cycle=cycle, audit__isnull=False).values("audit_id"))
        .select_related("person", "audit__case").order_by("audit__case__reference", "pk"))
