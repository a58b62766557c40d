"""Home-page panel: the audits a person still has to do."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from auditloop.audits import my_audits, selectors
from auditloop.common.attention import AttentionItem, AttentionPanel, register
from auditloop.common.dates import gds_date


@register
def audits_to_do(user: Any) -> list[AttentionPanel]:
    person = user.person_or_none
    if person is None:
        return []
    to_do = selectors.audits_to_do(person=person)
    count = to_do.count()
    if not count:
        return []
    overdue = to_do.filter(due_on__lt=timezone.localdate()).count()
    href = reverse("audits:audit_list")
    items = []
    if overdue:
        items.append(AttentionItem(f"{overdue} overdue audit{'s' if overdue != 1 else ''}",
                                   href, overdue))
    items.append(AttentionItem(f"{count} audit{'s' if count != 1 else ''} to do", href, count))
    return [AttentionPanel(title="Audits to do", items=items, order=12)]


@register
def tracker_overdue(user: Any) -> list[AttentionPanel]:
    """The tracker's overdue audit actions (002: tracked at the monthly performance
    meeting): every case's for the QA team, their people's for managers."""
    from auditloop.audits import tracker

    if not tracker.may_read_tracker(user):
        return []
    today = timezone.localdate()
    overdue = tracker.tracker_actions(
        user=user, filters=tracker.TrackerFilters(overdue=True), today=today).count()
    if not overdue:
        return []
    href = reverse("audits:tracker_actions") + "?overdue=1"
    return [AttentionPanel(title="Audit actions", order=16, items=[AttentionItem(
        f"{overdue} overdue audit action{'s' if overdue != 1 else ''}", href, overdue)])]


# Audits of my cases and my team's audits (my_audits.py) ----------------------------------

# At most this many audits are named on the home page; the page lists every one.
HOME_LIMIT = 5
STEP_WORDS = {
    my_audits.StepKind.REPLY: "read it and reply",
    my_audits.StepKind.AGREE_ACTIONS: "agree the actions with your team manager",
    my_audits.StepKind.CONFIRM_ACTIONS: "confirm the actions",
    my_audits.StepKind.SIGN_OFF: "sign off its actions",
}
# Doing one's own actions is not named here: the actions' own panel counts them.


def _home_items(rows: list[my_audits.AuditRow], *, lead: str, more_href: str,
                more_text: str, all_text: str) -> list[AttentionItem]:
    """One line per audit waiting for the reader: the case, what to do first and when."""
    today = timezone.localdate()
    waiting = []
    for row in rows:
        steps = [s for s in row.waiting if s.kind in STEP_WORDS]
        if steps:
            waiting.append((row, steps))
    items = []
    for row, steps in waiting[:HOME_LIMIT]:
        first = steps[0]
        kinds = {s.kind for s in steps}
        what = " and ".join(STEP_WORDS[k] for k in STEP_WORDS if k in kinds)
        days = [s.due_on for s in steps if s.due_on is not None]
        due_on = min(days) if days else None
        due = "" if due_on is None else f" by {gds_date(due_on)}" if due_on >= today \
            else f" (due {gds_date(due_on)}: overdue)"
        ready = " is ready" if first.kind == my_audits.StepKind.REPLY else ""
        items.append(AttentionItem(
            f"{lead} {row.audit.case.reference}{ready}: {what}{due}", first.href))
    if len(waiting) > HOME_LIMIT:
        items.append(AttentionItem(more_text.format(n=len(waiting)), more_href, len(waiting)))
    elif items:
        items.append(AttentionItem(all_text, more_href.split("#")[0]))
    return items


@register
def audits_of_my_cases(user: Any) -> list[AttentionPanel]:
    """A practitioner's audits waiting for them: "An audit of NM123 is ready: read it and
    reply by 12 January 2027"."""
    if not my_audits.holds_cases(user) or my_audits.leads_a_team(user):
        return []  # a team manager's own cases are among their team's (below)
    items = _home_items(my_audits.audits_of_my_cases(user, my_audits.home_steps_q()),
                        lead="An audit of",
                        more_href=reverse("audits:my_case_audits") + "#waiting",
                        more_text="See all {n} audits of your cases waiting for you",
                        all_text="All audits of your cases")
    if not items:
        return []
    return [AttentionPanel(title="Audits of your cases", items=items, order=10)]


@register
def audits_of_my_team(user: Any) -> list[AttentionPanel]:
    """A team manager's: their team's audits waiting on them, and the urgent safeguarding
    concerns on their team's cases in a warning panel of its own."""
    if not my_audits.leads_a_team(user):
        return []
    panels = []
    person = user.person_or_none
    urgent = my_audits.urgent_concerns_for_team(user, person)
    if urgent:
        panels.append(AttentionPanel(
            title="Urgent safeguarding concerns", order=1, warning=True,
            items=[AttentionItem(
                f"Immediate safeguarding concern on case {c.audit.case.reference}, "
                f"raised {gds_date(c.created_at)}",
                reverse("audits:concern_detail", args=[c.pk])) for c in urgent[:HOME_LIMIT]]
            + ([AttentionItem(f"See all {len(urgent)} at supervision",
                              reverse("audits:supervision"), len(urgent))]
               if len(urgent) > HOME_LIMIT else [])))
    items = _home_items(my_audits.audits_of_my_team(user, my_audits.home_steps_q()),
                        lead="Your team's audit of",
                        more_href=reverse("audits:team_audits") + "#waiting",
                        more_text="See all {n} of your team's audits waiting for you",
                        all_text="All your team's audits")
    if items:
        panels.append(AttentionPanel(title="Your team's audits", items=items, order=11))
    return panels
