"""Home-page panels of the audit programme: for the QA manager, the cycle's next step and
overdue audits; for managers, an invitation to put cases forward for the month's theme."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.people.roles import Capability

NEXT_STEP = {
    "planning": "choose the cases",
    "cases_confirmed": "allocate the auditors",
    "allocated": "send the notices, then hold the QA meeting",
    "reviewed": "export the case notes and close the cycle",
}


@register
def audit_cycle(user: Any) -> list[AttentionPanel]:
    """Two queries: the open cycles, and the overdue audits among them."""
    if not user.has_capability(Capability.RUN_CYCLE):
        return []
    from auditloop.audits.models import Audit
    from auditloop.programme.models import Cycle, CycleCase

    today = timezone.localdate()
    cycles = list(Cycle.objects.exclude(status=Cycle.Status.CLOSED)
                  .order_by("audits_due_on", "pk")[:3])
    items = [AttentionItem(f"{c.title}: {NEXT_STEP.get(c.status, 'open it')}",
                           reverse("programme:cycle_detail", args=[c.pk])) for c in cycles]
    overdue = Audit.objects.filter(
        pk__in=CycleCase.objects.filter(cycle__in=cycles, audit__isnull=False)
        .values("audit_id"),
        status__in=Audit.workflow.groups["open_for_editing"], due_on__lt=today,
    ).count() if cycles else 0
    if overdue:
        items.insert(0, AttentionItem(f"{overdue} overdue audit{'s' if overdue != 1 else ''}",
                                      reverse("programme:cycle_detail", args=[cycles[0].pk]),
                                      overdue))
    return [AttentionPanel(title="Audit cycle", items=items, order=12,
                           empty_text="No cycle is open. Create this month's cycle.")]


@register
def put_cases_forward(user: Any) -> list[AttentionPanel]:
    """Team and service managers nominate cases (001, 002). No query."""
    if user.has_capability(Capability.RUN_CYCLE) or not user.has_capability(
            Capability.VIEW_TEAM_CASES):
        return []
    return [AttentionPanel(title="Audits", order=60, items=[AttentionItem(
        "Put a case forward for audit: for the month's theme, or to show good practice",
        reverse("programme:put_forward"))])]


@register
def closing_the_loop(user: Any) -> list[AttentionPanel]:
    """Revisits due and learning sessions to record (for those who run the cycle), and the
    sessions still to come the user is invited to: one query, a union of the three."""
    from django.db.models import CharField, F, Value

    from auditloop.programme.models import LearningInvitation, LearningSession, ThemeRevisit

    today = timezone.localdate()
    runs = user.has_capability(Capability.RUN_CYCLE)
    person = user.person_or_none

    def columns(qs: Any, what: str, pk: str, day: str, kind: Any) -> Any:
        """The same four columns from each arm: what it is, the id, the day, the kind."""
        return qs.order_by().annotate(what_=Value(what, output_field=CharField()), pk_=F(pk),
                           day_=F(day), kind_=kind).values_list("what_", "pk_", "day_",
                                                                "kind_")

    arms = []
    if runs:
        arms.append(columns(ThemeRevisit.objects.filter(
            status=ThemeRevisit.Status.SCHEDULED, due_on__lte=today), "revisit", "pk",
            "due_on", Value("", output_field=CharField())))
        arms.append(columns(LearningSession.objects.filter(
            status=LearningSession.Status.PLANNED, held_on__lte=today), "record", "pk",
            "held_on", F("kind")))
    if person is not None:
        arms.append(columns(LearningInvitation.objects.filter(
            person=person, session__held_on__gte=today), "invited", "session_id",
            "session__held_on", F("session__kind")))
    if not arms:
        return []
    rows = list(arms[0].union(*arms[1:], all=True).order_by()) if len(arms) > 1 \
        else list(arms[0])
    due = sum(1 for r in rows if r[0] == "revisit")
    to_record = sum(1 for r in rows if r[0] == "record")
    items: list[AttentionItem] = []
    if due:
        items.append(AttentionItem(
            f"{due} revisit{'s' if due != 1 else ''} of an audited theme due",
            reverse("programme:revisit_list"), due))
    if to_record:
        items.append(AttentionItem(
            f"{to_record} learning session{'s' if to_record != 1 else ''} to record",
            reverse("programme:learning_list"), to_record))
    invited = sorted((r for r in rows if r[0] == "invited"), key=lambda r: (r[2], r[1]))
    for _, session_id, held_on, kind in invited[:3]:
        label = LearningSession.Kind(kind).label.lower() if kind else "learning session"
        items.append(AttentionItem(f"You are invited to the {label} on {held_on:%-d %B %Y}",
                                   reverse("programme:learning_detail", args=[session_id])))
    if not items:
        return []
    return [AttentionPanel(title="Closing the loop", items=items, order=14)]
