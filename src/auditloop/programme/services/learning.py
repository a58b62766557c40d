"""Learning sessions (002): the monthly reflective audit learning session and the briefing
after each month's audits. The QA manager plans one for the cycles it covers; those audited
(key workers), their team and service managers (and, for the briefing, the auditors) are
invited as rows and told with a link only; afterwards the session's record and attendance,
and the practice improvement activity co-produced there, kept as findings or action plans
through the actions app."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.audits.recipients import people_for
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.programme import loop
from auditloop.programme.models import (
    Cycle,
    CycleCase,
    LearningImprovement,
    LearningInvitation,
    LearningSession,
)
from auditloop.standards.selectors import framework_settings_row

K = LearningSession.Kind
Why = LearningInvitation.Reason
SOURCE = "learning_session"  # actions.models.LearningSource.LEARNING_SESSION
# The framework's switch for each kind of session (002 sets both).
SETTING = {K.REFLECTIVE: "monthly_learning_session", K.BRIEFING: "post_audit_briefing"}
# Who is invited, by kind. 002 asks "allocated key workers, Team Managers, Service Managers
# involved in the audit" to the reflective session, and "all those involved in the previous
# months audits" to the briefing: the auditors too.
INVITED: dict[str, tuple[tuple[str, str], ...]] = {
    K.REFLECTIVE: ((Why.KEY_WORKER, "case_key_worker"), (Why.TEAM_MANAGER, "case_team_manager"),
                   (Why.SERVICE_MANAGER, "case_service_manager")),
    K.BRIEFING: ((Why.KEY_WORKER, "case_key_worker"), (Why.TEAM_MANAGER, "case_team_manager"),
                 (Why.SERVICE_MANAGER, "case_service_manager"), (Why.AUDITOR, "case_auditors")),
}


def source_key(session: LearningSession) -> str:
    return f"learning-session:{session.pk}"


def session_link(session: LearningSession) -> str:
    return reverse("programme:learning_detail", args=[session.pk])


def kinds_enabled() -> list[str]:
    row = framework_settings_row()
    return [k for k, name in SETTING.items() if getattr(row, name)]


def _lock(session: LearningSession) -> LearningSession:
    return LearningSession.objects.select_for_update().get(pk=session.pk)


def session_audits(cycles: Iterable[Cycle]) -> list[Audit]:
    """The covered cycles' audits whose grade stands, in the cycles' order."""
    return list(
        Audit.objects.filter(
            pk__in=CycleCase.objects.filter(cycle__in=list(cycles), audit__isnull=False,
                                            status=CycleCase.Status.CONFIRMED)
            .values("audit_id"),
            status__in=loop.GRADED,
        ).select_related("case", "case__key_worker__line_manager",
                         "case__team_manager__line_manager")
        .order_by("submitted_at", "pk"))


def invitees(kind: str, audits: Iterable[Audit]) -> dict[int, tuple[Person, list[str]]]:
    """Each person once, with every reason they are invited (most direct first); people
    no longer active are left out."""
    found: dict[int, tuple[Person, list[str]]] = {}
    for audit in audits:
        for reason, target in INVITED[kind]:
            for person in people_for(audit, target):
                if not person.is_active:
                    continue
                _, reasons = found.setdefault(person.pk, (person, []))
                if reason not in reasons:
                    reasons.append(reason)
    order = [r for r, _ in INVITED[kind]]
    for _, reasons in found.values():
        reasons.sort(key=order.index)
    return found


@transaction.atomic
def learning_session_create(
    *,
    kind: str,
    held_on: dt.date,
    cycles: list[Cycle],
    actor: Person | None,
    starts_at: dt.time | None = None,
    place: str = "",
    online_link: str = "",
) -> LearningSession:
    """Plan the session, invite everyone involved in the covered cycles' audits (rows, each
    person once) and tell them, with a link and no child's details."""
    if kind not in K.values:
        raise DomainError("Choose the kind of session.", field="kind")
    if kind not in kinds_enabled():
        raise DomainError(f"The framework does not hold a {K(kind).label.lower()}. Change "
                          "the framework's settings first if it should.", field="kind")
    if not place.strip() and not online_link.strip():
        raise DomainError("Enter where the session is held, or the link to join it online.",
                          field="place")
    if not cycles:
        raise DomainError("Choose the cycles whose audits the session looks at.",
                          field="cycles")
    if LearningSession.objects.filter(kind=kind, held_on=held_on).exists():
        raise DomainError(f"There is already a {K(kind).label.lower()} on "
                          f"{held_on:%-d %B %Y}. Open it from the list of sessions.",
                          field="held_on")
    try:
        with transaction.atomic():
            session = LearningSession.objects.create(
                kind=kind, held_on=held_on, starts_at=starts_at, place=place.strip()[:300],
                online_link=online_link.strip()[:500], created_by=actor)
    except IntegrityError as exc:  # the same form sent twice at once
        raise DomainError(f"There is already a {K(kind).label.lower()} on "
                          f"{held_on:%-d %B %Y}. Open it from the list of sessions.",
                          field="held_on") from exc
    session.cycles.set(cycles)
    learning_invitations_send(session=session, actor=actor)
    return session


@transaction.atomic
def learning_invitations_send(*, session: LearningSession, actor: Person | None) -> int:
    """Invite those not invited yet (after a cycle is added, or audits submitted late):
    nobody is invited or told twice."""
    session = _lock(session)
    if session.is_recorded:
        raise WorkflowError("The session has been recorded: nobody more can be invited.")
    people = invitees(session.kind, session_audits(session.cycles.all()))
    already = set(session.invitations.values_list("person_id", flat=True))
    new = [(p, reasons) for pk, (p, reasons) in people.items() if pk not in already]
    new.sort(key=lambda pr: (pr[0].full_name, pr[0].pk))
    rows = LearningInvitation.objects.bulk_create(
        [LearningInvitation(session=session, person=p, reasons=reasons) for p, reasons in new])
    if not rows:
        return 0
    label = session.get_kind_display()
    notices = notify(
        recipients=[p for p, _ in new],
        subject=f"You are invited to a {label.lower()}",
        body=f"You are invited to the {label.lower()} on {session.held_on:%-d %B %Y}, about "
             "audits you were involved in. Open the invitation for the time, the place and "
             "what it will cover.",
        link=session_link(session))
    by_person = {n.recipient_id: n for n in notices}
    for row in rows:
        notice = by_person.get(row.person_id)
        if notice is not None:
            row.notification = notice
    LearningInvitation.objects.bulk_update(rows, ["notification"])
    return len(rows)


def _held(session: LearningSession, today: dt.date | None, doing: str) -> None:
    today = today or timezone.localdate()
    if session.held_on > today:
        raise WorkflowError(f"The session is on {session.held_on:%-d %B %Y}: you can {doing} "
                            "on or after that day.")


@transaction.atomic
def learning_session_record(
    *,
    session: LearningSession,
    actor: Person | None,
    outcomes_summary: str,
    good_practice: str,
    insight: str,
    process_feedback: str = "",
    today: dt.date | None = None,
) -> LearningSession:
    """The session's record (002): a summary of audit outcomes, good practice observed,
    insight from those audited and, for the briefing, feedback on the audit process. It can
    be corrected later; each save says who and when."""
    session = _lock(session)
    _held(session, today, "record it")
    if not outcomes_summary.strip():
        raise DomainError("Enter the summary of audit outcomes discussed.",
                          field="outcomes_summary")
    if session.kind == K.BRIEFING and not process_feedback.strip():
        raise DomainError("Enter the feedback on the audit process that the briefing heard "
                          "(002), or say that there was none.", field="process_feedback")
    session.outcomes_summary = outcomes_summary.strip()
    session.good_practice = good_practice.strip()
    session.insight = insight.strip()
    session.process_feedback = process_feedback.strip()
    session.recorded_by = actor
    session.recorded_at = timezone.now()
    session.workflow.move(session, to=LearningSession.Status.RECORDED, actor=actor,
                          reason="Record corrected" if session.is_recorded else "",
                          also_save=["outcomes_summary", "good_practice", "insight",
                                     "process_feedback", "recorded_by", "recorded_at"])
    return session


@transaction.atomic
def learning_attendance_record(*, session: LearningSession, actor: Person | None,
                               attended_ids: Iterable[int],
                               today: dt.date | None = None) -> int:
    """Who came: every invitation marked attended or not. Returns how many came."""
    session = _lock(session)
    _held(session, today, "record who came")
    came = set(attended_ids)
    rows = list(session.invitations.select_for_update())
    unknown = came - {r.person_id for r in rows}
    if unknown:
        raise DomainError("Choose people from the list of those invited.", field="attended")
    now = timezone.now()
    for row in rows:
        row.attended = row.person_id in came
        row.attendance_recorded_by = actor
        row.attendance_recorded_at = now
    LearningInvitation.objects.bulk_update(
        rows, ["attended", "attendance_recorded_by", "attendance_recorded_at"])
    return len(came)


@transaction.atomic
def learning_improvement_add(*, session: LearningSession, actor: Person | None, text: str,
                             today: dt.date | None = None) -> LearningImprovement:
    """A practice improvement activity co-produced at the session. The same text twice (a
    form sent again) is kept once."""
    session = _lock(session)
    _held(session, today, "record what was co-produced")
    text = text.strip()
    if not text:
        raise DomainError("Describe the practice improvement activity agreed.", field="text")
    existing = session.improvements.filter(text=text).first()
    if existing is not None:
        return existing
    return LearningImprovement.objects.create(session=session, text=text, created_by=actor)


def _theme(session: LearningSession) -> str:
    themes = sorted({c.theme.strip() for c in session.cycles.all() if c.theme.strip()})
    return themes[0] if len(themes) == 1 else ""


def _label(session: LearningSession) -> str:
    return f"{session.get_kind_display()}, {session.held_on:%-d %B %Y}"[:200]


@transaction.atomic
def learning_improvement_to_finding(*, improvement: LearningImprovement, actor: Person | None,
                                    tags: list[str]) -> Any:
    """Keep the activity as a finding of the actions app, tagged (training, service gap,
    policy, supervision), with the session as its source. Once."""
    from auditloop.actions.services import finding_create

    improvement = LearningImprovement.objects.select_for_update().select_related(
        "session").get(pk=improvement.pk)
    if improvement.finding_id is not None:
        raise WorkflowError("This has already been kept as a finding.")
    session = improvement.session
    finding = finding_create(text=improvement.text, tags=tags, source=SOURCE,
                             source_label=_label(session), source_key=source_key(session),
                             theme=_theme(session), actor=actor)
    improvement.finding_id = finding.pk
    improvement.save(update_fields=["finding_id", "updated_at"])
    return finding


@transaction.atomic
def learning_improvement_to_action_plan(*, improvement: LearningImprovement,
                                        actor: Person | None, title: str,
                                        strategic_lead: Person) -> Any:
    """Turn the activity into an action plan led by a strategic lead (004 6.1), with the
    session as its source. Once."""
    from auditloop.actions.services import action_plan_create

    improvement = LearningImprovement.objects.select_for_update().select_related(
        "session").get(pk=improvement.pk)
    if improvement.action_plan_id is not None:
        raise WorkflowError("This has already become an action plan.")
    session = improvement.session
    plan = action_plan_create(title=title.strip() or improvement.text[:200],
                              recommendation=improvement.text, source=SOURCE,
                              source_label=_label(session), source_key=source_key(session),
                              theme=_theme(session), strategic_lead=strategic_lead,
                              actor=actor)
    improvement.action_plan_id = plan.pk
    improvement.save(update_fields=["action_plan_id", "updated_at"])
    return plan

