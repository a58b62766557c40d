"""The QA meeting (001): an agenda of the cycle's submitted audits, about ten minutes each,
minutes per case (impact, how needs were met, strengths, development), each audit marked
discussed, the month's prevalent issue, and afterwards the audit reports to the managers.
Where the framework has no meeting, the same steps run from the cycle's page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from auditloop.audits import services as audit_services
from auditloop.audits.models import Audit
from auditloop.audits.recipients import recipients_for
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.programme.models import Cycle, CycleCase, CycleNotice, MeetingItem
from auditloop.programme.services._common import lock, plural, record, require, require_move
from auditloop.programme.services.cycles import set_next_theme
from auditloop.programme.services.loop import revisit_schedule
from auditloop.programme.services.notices import audit_link, notices_queue
from auditloop.standards.selectors import framework_settings_row

C = Cycle.Status
S = Audit.Status
READY = Audit.workflow.groups["ready_for_meeting"]
# Audits of the cycle not submitted yet: the review and the close ask about them.
STILL_OPEN = Audit.workflow.groups["open_for_editing"]
CARRY, WITHDRAW = "carry", "withdraw"
# 002: non-compliance goes to senior management, where the framework names nobody.
DEFAULT_NON_COMPLIANCE = ["case_service_manager"]


@transaction.atomic
def agenda_build(*, cycle: Cycle, actor: Person | None) -> list[MeetingItem]:
    """Put the cycle's submitted audits on the agenda (those not on it yet, at the end)."""
    cycle = lock(cycle)
    require(cycle, C.ALLOCATED, doing="build the agenda")
    minutes = framework_settings_row().qa_meeting_minutes_per_case
    on = set(MeetingItem.objects.filter(cycle=cycle).values_list("audit_id", flat=True))
    audits = Audit.objects.filter(
        pk__in=CycleCase.objects.filter(cycle=cycle, audit__isnull=False).values("audit_id"),
        status__in=READY,
    ).exclude(pk__in=on).order_by("submitted_at", "pk")
    last = MeetingItem.objects.filter(cycle=cycle).aggregate(m=Max("position"))["m"] or 0
    made = [MeetingItem.objects.create(cycle=cycle, audit=a, position=last + i,
                                       minutes_allotted=minutes)
            for i, a in enumerate(audits, 1)]
    if made:
        record(cycle, actor, f"Agenda: {plural(len(made), 'audit')} added")
    return made


@transaction.atomic
def agenda_move(*, item: MeetingItem, up: bool, actor: Person | None) -> None:
    """Move an audit up or down the agenda."""
    cycle = lock(item.cycle)
    require(cycle, C.ALLOCATED, doing="reorder the agenda")
    items = list(MeetingItem.objects.filter(cycle=cycle).order_by("position", "pk"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(items):
        return
    items[index], items[other] = items[other], items[index]
    for position, it in enumerate(items, 1):
        if it.position != position:
            it.position = position
            it.save(update_fields=["position", "updated_at"])


@transaction.atomic
def minutes_save(*, item: MeetingItem, actor: Person | None, impact: str, needs_met: str,
                 strengths: str, development: str, actions_agreed: str = "",
                 discussed: bool = False) -> MeetingItem:
    """Record the minutes for one case; marking it discussed moves the audit on
    (its workflow writes the audit's transition)."""
    cycle = lock(item.cycle)
    require(cycle, C.ALLOCATED, doing="take minutes")
    item = MeetingItem.objects.select_for_update().get(pk=item.pk)
    item.impact, item.needs_met = impact.strip(), needs_met.strip()
    item.strengths, item.development = strengths.strip(), development.strip()
    item.actions_agreed = actions_agreed.strip()
    item.recorded_by = actor
    fields = ["impact", "needs_met", "strengths", "development", "actions_agreed",
              "recorded_by", "updated_at"]
    if discussed and item.discussed_at is None:
        if not any((item.impact, item.needs_met, item.strengths, item.development)):
            raise DomainError("Record the minutes before marking the case discussed.",
                              field="impact")
        audit = Audit.objects.select_for_update().get(pk=item.audit_id)
        if not audit.status_in("discussed_or_later"):
            audit.workflow.move(audit, to=S.DISCUSSED, actor=actor,
                                reason=f"Discussed in the {cycle.title}")
        item.discussed_at = timezone.now()
        fields.append("discussed_at")
    item.save(update_fields=fields)
    return item


@transaction.atomic
def meeting_details_save(*, cycle: Cycle, actor: Person | None, attendance: str,
                         prevalent_issue: str, sets_next_theme: bool) -> Cycle:
    """Who attended, and the month's prevalent issue, which can set the next cycle's theme
    (001)."""
    cycle = lock(cycle)
    require(cycle, C.ALLOCATED, doing="record the meeting")
    if sets_next_theme and not prevalent_issue.strip():
        raise DomainError("Enter the prevalent issue to make it the next cycle's theme.",
                          field="prevalent_issue")
    was = (cycle.prevalent_issue, cycle.prevalent_issue_sets_next_theme)
    cycle.meeting_attendance = attendance.strip()
    cycle.prevalent_issue = prevalent_issue.strip()[:300]
    cycle.prevalent_issue_sets_next_theme = sets_next_theme
    cycle.save(update_fields=["meeting_attendance", "prevalent_issue",
                              "prevalent_issue_sets_next_theme", "updated_at"])
    if sets_next_theme and was != (cycle.prevalent_issue, True):
        set_next_theme(cycle=cycle, theme=cycle.prevalent_issue, actor=actor)
        record(cycle, actor, "Prevalent issue set as the next cycle's theme",
               cycle.prevalent_issue)
    return cycle


def still_open(cycle: Cycle) -> QuerySet[Audit]:
    """The cycle's audits that are not submitted yet, in the order of its list."""
    ids = CycleCase.objects.filter(cycle=cycle, audit__isnull=False).values("audit_id")
    return (Audit.objects.filter(pk__in=ids, status__in=STILL_OPEN)
            .select_related("case").order_by("case__reference", "pk"))


def _open_words(n: int) -> str:
    return f"{plural(n, 'audit')} of this cycle {'is' if n == 1 else 'are'} not submitted yet"


@transaction.atomic
def meeting_close(*, cycle: Cycle, actor: Person | None,
                  open_confirmed: int | None = None) -> Cycle:
    """The meeting is over: the audit reports go to the practitioners' managers (a
    background task), and the case notes can be exported. While audits of the cycle are
    still open, the person confirms how many they saw; a different number now (one was
    submitted or withdrawn meanwhile) asks again."""
    cycle = lock(cycle)
    require_move(cycle, C.REVIEWED, doing="finish the meeting")
    items = MeetingItem.objects.filter(cycle=cycle)
    done = items.filter(discussed_at__isnull=False).count()
    if not done:
        raise DomainError("No case has been discussed yet. Record the minutes for each case "
                          "and mark it discussed.")
    still = still_open(cycle).count()
    if still and open_confirmed != still:
        changed = (open_confirmed is not None
                   and f" (you saw {open_confirmed}: it has changed since)" or "")
        raise DomainError(f"{_open_words(still)}{changed}. Confirm that the review is done "
                          "with them still open, or wait for them.", field="confirm_open")
    waiting = items.filter(discussed_at__isnull=True).count()
    notes = [f"{plural(waiting, 'case')} on the agenda not discussed." if waiting else "",
             f"{_open_words(still)}." if still else ""]
    cycle.workflow.move(cycle, to=C.REVIEWED, actor=actor, reason=" ".join(n for n in notes if n),
                        what=f"{'QA meeting held' if cycle.meeting_on else 'Audits reviewed'}: "
                             f"{plural(done, 'case')} discussed")
    notices_queue(cycle=cycle, kinds=[CycleNotice.Kind.AUDIT_REPORT], actor=actor)
    revisit_schedule(cycle=cycle, actor=actor)  # 002: revisit the theme after the period
    return cycle


@dataclass(frozen=True)
class OpenAuditDecision:
    """What happens to an audit not submitted when its cycle closes."""

    choice: str  # CARRY or WITHDRAW
    reason: str = ""


@transaction.atomic
def cycle_close(*, cycle: Cycle, actor: Person | None,
                decisions: Mapping[int, OpenAuditDecision] | None = None) -> Cycle:
    """Close a reviewed cycle. Each audit not submitted yet must be carried into the next
    cycle (it goes back to planned, and the next cycle's list takes it up as it does a
    planned re-audit) or withdrawn with a reason: no audit stays allocated inside a closed
    cycle. The decisions must cover exactly the audits still open now."""
    cycle = lock(cycle)
    require_move(cycle, C.CLOSED, doing="close the cycle")
    decisions = dict(decisions or {})
    open_now = {a.pk: a for a in still_open(cycle).select_for_update(of=("self",))}
    if set(decisions) != set(open_now):
        if decisions:
            raise DomainError("The audits not submitted yet have changed since the page was "
                              "opened. Check what happens to each again.")
        raise DomainError(f"{_open_words(len(open_now))}. Say for each whether it carries "
                          "into the next cycle or is withdrawn.")
    for pk, decision in decisions.items():
        audit = open_now[pk]
        field = f"choice-{pk}"
        if decision.choice == WITHDRAW:
            if not decision.reason.strip():
                raise DomainError(f"Say why the audit of case {audit.case.reference} is "
                                  "withdrawn.", field=f"reason-{pk}")
            audit.workflow.move(audit, to=S.WITHDRAWN, actor=actor,
                                reason=f"Withdrawn when the {cycle.title} closed: "
                                       f"{decision.reason.strip()}")
        elif decision.choice == CARRY:
            why = f"Not submitted when the {cycle.title} closed: carried into the next cycle"
            if decision.reason.strip():
                why += f". {decision.reason.strip()}"
            audit_services.audit_carry_over(audit=audit, actor=actor, reason=why)
            # The audit leaves this cycle (every "audits of the cycle" reads `audit`); the
            # row keeps which audit it handed on, as a planned audit, for the next list.
            for row in CycleCase.objects.filter(cycle=cycle, audit=audit):
                row.audit, row.planned_audit = None, audit
                row.workflow.move(row, to=CycleCase.Status.CARRIED, actor=actor, reason=why,
                                  also_save=["audit", "planned_audit"])
        else:
            raise DomainError(f"Choose whether the audit of case {audit.case.reference} "
                              "carries into the next cycle or is withdrawn.", field=field)
    carried = sum(d.choice == CARRY for d in decisions.values())
    withdrawn = len(decisions) - carried
    cycle.workflow.move(cycle, to=C.CLOSED, actor=actor, what="Cycle closed",
                        reason=f"{plural(carried, 'audit')} carried into the next cycle, "
                               f"{withdrawn} withdrawn." if decisions else "")
    return cycle


@transaction.atomic
def follow_up_escalate(*, cycle: Cycle, audit: Audit, actor: Person | None,
                       what: str) -> int:
    """A follow-up from the previous cycle not done (a supervision note for a 'requires
    improvement' audit not recorded): senior management are told (001, 002)."""
    cycle = lock(cycle)
    require(cycle, C.ALLOCATED, doing="escalate a follow-up")
    if not what.strip():
        raise WorkflowError("Say what has not been done.")
    found = recipients_for(audit, "non_compliance", default=DEFAULT_NON_COMPLIANCE)
    made = notify(recipients=found.people,
                  subject="An audit follow-up has not been done",
                  body=f"The {cycle.title} found that a follow-up of an audit has not been "
                       f"done: {what.strip()}. Make sure it is done and recorded.",
                  link=audit_link(audit), urgent=True)
    record(cycle, actor, f"Follow-up escalated for audit {audit.pk}", what.strip())
    return len(made)
