"""What follows a submitted audit, by grade and the framework's rules.

Called by the submit service inside its transaction, after it sets the final grade; notices
reach trays at once and go by e-mail after commit. Recipients always come from the
framework's notification rules; the defaults below apply only where it names nobody.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from auditloop.audits import concerns, notice_checks, recipients, supervision
from auditloop.audits.models import Audit, SupervisionItem
from auditloop.cases.models import Involvement
from auditloop.common.dates import add_months
from auditloop.notifications.services import notify
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row

# 001: "Where there is a judgement of inadequate/inadequate-critical, the service manager
# will be alerted".
DEFAULT_INADEQUATE = ["case_service_manager"]
# 001: "the Team Manager and Practitioner will discuss the audit findings and agree on smart
# actions".
DEFAULT_REQUIRES_IMPROVEMENT = ["case_team_manager", "case_key_worker"]
# 001: "a re-audit will need to be completed 2-3 months following. This will be completed by
# a Senior Manager".
DEFAULT_RE_AUDIT_MONTHS = (2, 3)
DEFAULT_RE_AUDIT_ROLES = [Role.SENIOR_MANAGER.value]
# 000: "unresolved safeguarding issues ... inform the EHA co-ordinators line manager"; where
# the framework names nobody, those told of an immediate concern (002) are told again.
DEFAULT_UNRESOLVED = concerns.DEFAULT_RECIPIENTS


def audit_page_url(audit: Audit) -> str:
    return reverse("audits:audit_detail", args=[audit.pk])


def overall_levels(audit: Audit) -> list[dict[str, Any]]:
    """The overall grade's levels, best first (standards/schema.py)."""
    definition = audit.tool_version.definition
    scale_key = (definition.get("overall") or {}).get("scale")
    scale = definition.get("scales", {}).get(scale_key) or {}
    return list(scale.get("levels") or [])


def _lowest(audit: Audit) -> set[str]:
    levels = overall_levels(audit)
    return {levels[-1]["key"]} if levels else set()


def escalation_grades(audit: Audit, settings: FrameworkSettings) -> set[str]:
    """The grades whose alert the framework asks for. Empty means none: only 000 and 001
    alert on a grade, and a framework that names no grade has no alert."""
    del audit
    return set(settings.escalation_grades or [])


def re_audit_grades(audit: Audit, settings: FrameworkSettings) -> set[str]:
    """The grades that plan a re-audit (001). Empty means none."""
    del audit
    return set(settings.re_audit_grades or [])


def grade_counts_as_good(audit: Audit, grade: str) -> bool:
    return any(level["key"] == grade and level.get("counts_as_good")
               for level in overall_levels(audit))


def requires_improvement_asked(settings: FrameworkSettings) -> bool:
    """001's SMART actions after a requires-improvement grade, where the framework asks for
    them: it says where the discussion is recorded, or whom to tell. Empty means none."""
    return bool(settings.ri_discussion_recorded_in
                or (settings.notification_rules or {}).get("requires_improvement"))


def grade_requires_improvement(audit: Audit, grade: str, settings: FrameworkSettings) -> bool:
    """Not yet good but not inadequate: on the Ofsted scales, requires improvement. The
    scale's lowest grade is never this, whether or not the framework alerts on it."""
    keys = {level["key"] for level in overall_levels(audit)}
    return (grade in keys and not grade_counts_as_good(audit, grade)
            and grade not in _lowest(audit)
            and grade not in escalation_grades(audit, settings)
            and grade not in re_audit_grades(audit, settings))


def grade_label(audit: Audit, grade: str) -> str:
    for level in overall_levels(audit):
        if level["key"] == grade:
            return str(level.get("label") or grade)
    return grade.replace("_", " ")


def _submitted_on(audit: Audit) -> dt.date:
    return timezone.localdate(audit.submitted_at) if audit.submitted_at else timezone.localdate()


def on_submit(*, audit: Audit, actor: Person) -> None:
    """Each path the framework sets for the submitted audit's grade, then the reflective
    discussion and any safeguarding still unresolved."""
    settings = framework_settings_row()
    grade = audit.final_grade or audit.overall_grade
    if grade:
        _grade_consequences(audit, actor, grade, settings, on=_submitted_on(audit))
    if settings.reflective_discussion in (FrameworkSettings.ReflectiveDiscussion.NEXT_SUPERVISION,
                                          FrameworkSettings.ReflectiveDiscussion.WITH_TEAM_MANAGER):
        _reflective_discussions(audit)
    _unresolved_safeguarding(audit)


def _grade_consequences(audit: Audit, actor: Person | None, grade: str,
                        settings: FrameworkSettings, *, on: dt.date) -> None:
    """What the framework asks for on this grade, judged on `on`: the alert and re-audit
    (001), the SMART actions on requires improvement (001), good practice."""
    if grade in escalation_grades(audit, settings):
        re_audit = None
        if grade in re_audit_grades(audit, settings):
            re_audit = _plan_re_audit(audit, actor, grade, settings, on)
        _alert_inadequate(audit, grade, re_audit)
    elif grade in re_audit_grades(audit, settings):
        _plan_re_audit(audit, actor, grade, settings, on)
    if requires_improvement_asked(settings) and grade_requires_improvement(audit, grade,
                                                                            settings):
        _requires_improvement(audit, settings)
    if grade_counts_as_good(audit, grade) and not audit.good_practice:
        audit.good_practice = True
        audit.save(update_fields=["good_practice", "updated_at"])


def on_grade_change(*, audit: Audit, actor: Person | None, old: str, new: str,
                    by: str) -> list[str]:
    """The final grade of a submitted audit changed (moderation, a settled disagreement):
    what the old grade brought and the new one does not is withdrawn, with the reason, and
    what the new grade asks for follows. Returns what was withdrawn, in words."""
    settings = framework_settings_row()
    why = (f"Grade changed by {by} from {grade_label(audit, old) if old else 'no grade'} "
           f"to {grade_label(audit, new) if new else 'no grade'}")
    withdrawn: list[str] = []
    if old in re_audit_grades(audit, settings) and new not in re_audit_grades(audit, settings):
        # Imported here: the submit service in services.py calls this module.
        from auditloop.audits.services import transition

        # Only a re-audit not yet allocated: one under way is the cycle's to settle.
        for re_audit in audit.re_audits.select_for_update().filter(
                kind=Audit.Kind.RE_AUDIT, status=Audit.Status.PLANNED):
            transition(audit=re_audit, actor=actor, to=Audit.Status.WITHDRAWN,
                       reason=f"{why}.")
            withdrawn.append(f"the re-audit planned for {date_format(re_audit.due_on, 'j F Y')}"
                             if re_audit.due_on else "the planned re-audit")
    if (old in escalation_grades(audit, settings)
            and new not in escalation_grades(audit, settings)):
        _alert_withdrawn(audit, why)
        withdrawn.append("the alert to oversee the audit's findings")
    if (old and grade_requires_improvement(audit, old, settings)
            and not (new and grade_requires_improvement(audit, new, settings))):
        # The discussion not yet held is no longer asked for; one already recorded stays.
        waiting = SupervisionItem.objects.filter(
            audit=audit, reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT,
            discussed_at__isnull=True)
        if waiting.exists():
            waiting.delete()
            withdrawn.append("the SMART-action discussion waiting in supervision")
    if old and grade_counts_as_good(audit, old) and not (new and grade_counts_as_good(audit,
                                                                                       new)):
        audit.good_practice = False
        audit.save(update_fields=["good_practice", "updated_at"])
        withdrawn.append("the good practice mark")
    if new:
        _grade_consequences(audit, actor, new, settings, on=timezone.localdate())
    return withdrawn


def _alert_withdrawn(audit: Audit, why: str) -> None:
    found = recipients.recipients_for(audit, "inadequate", default=DEFAULT_INADEQUATE)
    notify(recipients=found.people, link=audit_page_url(audit),
           subject="An audit's grade has changed: the alert you were sent no longer applies",
           body=f"{why}. The oversight asked for when it was graded no longer applies; the "
                "audit's history keeps the earlier grade.")


def re_audit_window(settings: FrameworkSettings, on: dt.date) -> tuple[dt.date, dt.date]:
    low = settings.re_audit_after_months_min
    high = settings.re_audit_after_months_max
    low = low if low is not None else (high if high is not None else DEFAULT_RE_AUDIT_MONTHS[0])
    high = high if high is not None else max(low, DEFAULT_RE_AUDIT_MONTHS[1])
    return add_months(on, low), add_months(on, high)


def _plan_re_audit(audit: Audit, actor: Person | None, grade: str,
                   settings: FrameworkSettings, on: dt.date) -> Audit:
    existing = audit.re_audits.filter(kind=Audit.Kind.RE_AUDIT).exclude(
        status=Audit.Status.WITHDRAWN).first()
    if existing is not None:
        return existing
    earliest, latest = re_audit_window(settings, on)
    roles = settings.re_audit_by_roles or DEFAULT_RE_AUDIT_ROLES
    by = " or ".join(str(Role(r).label).lower() for r in roles)
    reason = (f"Graded {grade_label(audit, grade).lower()} on {date_format(on, 'j F Y')}: "
              f"re-audit by a {by} between {date_format(earliest, 'j F Y')} and "
              f"{date_format(latest, 'j F Y')}, to check the actions and improvements.")
    # Imported here: the submit service in services.py calls this module.
    from auditloop.audits.services import audit_plan_re_audit

    return audit_plan_re_audit(of=audit, actor=actor, earliest=earliest, latest=latest,
                               reason=reason[:300])


def _alert_inadequate(audit: Audit, grade: str, re_audit: Audit | None) -> None:
    found = recipients.recipients_for(audit, "inadequate", default=DEFAULT_INADEQUATE)
    label = grade_label(audit, grade).lower()
    body = "Oversee the audit's findings and make sure the actions it needs are followed up."
    if re_audit is not None and re_audit.earliest_start_on and re_audit.due_on:
        earliest = date_format(re_audit.earliest_start_on, "j F Y")
        body += (f" A re-audit is planned between {earliest} and "
                 f"{date_format(re_audit.due_on, 'j F Y')}.")
    notify(recipients=found.people, urgent=True, link=audit_page_url(audit),
           subject=f"An audit has been graded {label}: your oversight is needed", body=body)


def _requires_improvement(audit: Audit, settings: FrameworkSettings) -> None:
    found = recipients.recipients_for(audit, "requires_improvement",
                                      default=DEFAULT_REQUIRES_IMPROVEMENT)
    where = settings.ri_discussion_recorded_in or "a supervision or management oversight note"
    tm = concerns.team_manager_of(audit)
    item = None
    if tm is not None:
        item = supervision.supervision_item_add(
            supervisor=tm, supervisee=audit.case.key_worker, audit=audit,
            reason=SupervisionItem.Reason.REQUIRES_IMPROVEMENT)
    subject = "Agree SMART actions after an audit graded requires improvement"
    body = ("The team manager and the practitioner should discuss the audit's findings and "
            "agree SMART actions to improve practice on the case. The team manager records "
            f"the discussion in {where}.")
    managers = [p for p in found.people if item is not None and p.pk == item.supervisor_id]
    others = [p for p in found.people if p not in managers]
    if managers and item is not None:
        notify(recipients=managers, subject=subject, body=body,
               link=reverse("audits:supervision_item", args=[item.pk]) + "#discussion",
               kind=notice_checks.AGREE_ACTIONS, about=notice_checks.about_audit(audit))
    notify(recipients=others, subject=subject, body=body, link=audit_page_url(audit),
           kind=notice_checks.AGREE_ACTIONS, about=notice_checks.about_audit(audit))


def audited_practitioners(audit: Audit) -> list[tuple[Person, Person | None]]:
    """Each practitioner whose work the audit looked at, with their team manager: the key
    worker now, and earlier key workers who held the case in the period under review."""
    out: list[tuple[Person, Person | None]] = []
    key_worker = audit.case.key_worker
    if key_worker is not None:
        out.append((key_worker, concerns.team_manager_of(audit)))
    earlier = Involvement.objects.filter(
        case=audit.case, role=Involvement.Role.KEY_WORKER, started_on__lte=audit.period_end,
    ).exclude(ended_on__lt=audit.period_start).select_related("person__line_manager")
    for row in earlier:
        person = row.person
        if person.is_active and all(person.pk != p.pk for p, _ in out):
            out.append((person, person.line_manager))
    return out


def _reflective_discussions(audit: Audit) -> None:
    # 001 2.22: "Team Managers meet with their relevant Practitioner ... reflective
    # discussion"; 002: "a reflective discussion ... in their next supervision".
    for practitioner, manager in audited_practitioners(audit):
        if manager is not None and manager.is_active:
            supervision.supervision_item_add(
                supervisor=manager, supervisee=practitioner, audit=audit,
                reason=SupervisionItem.Reason.REFLECTIVE_DISCUSSION)


def _unresolved_safeguarding(audit: Audit) -> None:
    for concern in concerns.unresolved_concerns(audit):
        concerns.concern_tell_later(
            concern=concern, audit=audit, event="unresolved_safeguarding",
            default=DEFAULT_UNRESOLVED,
            subject="An audit was submitted with safeguarding still unresolved",
            body=("An immediate safeguarding concern raised in this audit still has actions "
                  "that are not signed off as done. Check that the child is safe and that "
                  "the actions are on track."),
        )
