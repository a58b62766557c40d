"""Reads of audits, scoped to the person asking. get_audit_for_user is the one door."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from auditloop.audits.blinding import blind_audit_ids, is_blind, reviewing_audit_ids
from auditloop.audits.models import Answer, Audit, AuditAssignment
from auditloop.cases.models import Involvement
from auditloop.cases.selectors import reach_q, reaches_case
from auditloop.people.roles import Capability
from auditloop.people.selectors import management_subtree_ids
from auditloop.standards.models import FrameworkSettings
from auditloop.standards.selectors import framework_settings_row

S = Audit.Status
# Once the practitioner may see a finished audit, by the framework's setting: the
# audit's workflow group.
_VISIBLE_TO_PRACTICE: dict[str, str] = {
    FrameworkSettings.PractitionerSees.ON_SUBMIT: "submitted_or_later",
    FrameworkSettings.PractitionerSees.AFTER_QA_REVIEW: "discussed_or_later",
    FrameworkSettings.PractitionerSees.AFTER_QA_MEETING: "discussed_or_later",
}


def with_people(qs: QuerySet[Audit]) -> QuerySet[Audit]:
    return qs.select_related(
        "case", "case__service", "case__team", "case__key_worker", "case__team_manager",
        "tool_version", "tool_version__tool",
    ).prefetch_related(
        Prefetch("assignments",
                 queryset=AuditAssignment.objects.select_related("person").order_by("id"))
    )


def audits_for_auditor(*, person: Any) -> QuerySet[Audit]:
    return with_people(
        Audit.objects.filter(assignments__person=person, assignments__ended_at__isnull=True)
        .exclude(status__in=Audit.workflow.groups["ended"])
    ).order_by("due_on", "id")


def answers_by_key(audit: Audit) -> dict[tuple[str, int, str], Answer]:
    return {(a.section_key, a.item, a.question_key): a for a in audit.answers.all()}


def may_see_as_practice(user: Any, audit: Audit) -> bool:
    """The practitioner, the case's team manager and their managers may read a finished
    audit once the framework says so (on submit, or after the QA meeting)."""
    person = user.person_or_none
    if person is None:
        return False
    group = _VISIBLE_TO_PRACTICE.get(framework_settings_row().practitioner_sees_audit)
    if group is None or not audit.status_in(group):
        return False
    involved = Involvement.objects.filter(case=audit.case, person=person).exists()
    holders = {audit.case.key_worker_id, audit.case.team_manager_id} - {None}
    if involved or person.pk in holders:
        return True
    return bool(holders & management_subtree_ids(person))


def get_audit_for_user(user: Any, audit_id: int, *, edit: bool = False) -> Audit:
    """The audit, or 404 for missing and forbidden alike. Only current auditors may edit;
    the QA team sees every audit; practice sees it when the framework allows. Callers log
    the view (an audit is part of a child's record)."""
    try:
        audit = with_people(Audit.objects.all()).get(pk=audit_id)
    except Audit.DoesNotExist as exc:
        raise Http404 from exc
    person = user.person_or_none
    is_auditor = person is not None and any(
        a.person_id == person.pk and a.ended_at is None for a in audit.assignments.all())
    if edit:
        if is_auditor:
            return audit
        raise Http404
    if is_auditor:
        return audit
    if is_blind(person, audit):
        # A moderator grades the audit blind: not even the QA team's reach shows it first
        # (its auditors never moderate it, so they are let in above without the check).
        raise Http404
    if reaches_case(user, audit.case):
        return audit
    if may_see_as_practice(user, audit):
        return audit
    # Whoever reviews it now: a moderator, or a moderation panel member of any role (a
    # principal social worker, the unit's service manager). Asked last, so that only those
    # who would otherwise be refused pay its query.
    if person is not None and audit.pk in reviewing_audit_ids(person, [audit.pk]):
        return audit
    raise Http404


def audits_of_case(case_id: int) -> QuerySet[Audit]:
    return with_people(Audit.objects.filter(case_id=case_id)).order_by("-created_at")


def open_audits() -> QuerySet[Audit]:
    return with_people(Audit.objects.exclude(status__in=Audit.workflow.groups["ended"]))


def audits_matching(*, status: str | None = None, q: Q | None = None) -> QuerySet[Audit]:
    qs = with_people(Audit.objects.all())
    if status:
        qs = qs.filter(status=status)
    if q is not None:
        qs = qs.filter(q)
    return qs.order_by("due_on", "id")


# The audit page and the QA manager's new audit ------------------------------------------


def audits_to_do(*, person: Any) -> QuerySet[Audit]:
    """A person's audits still to finish (allocated or in progress)."""
    return Audit.objects.filter(
        assignments__person=person, assignments__ended_at__isnull=True,
        status__in=Audit.workflow.groups["open_for_editing"],
    )


def audits_for_qa_team(*, status: str | None = None) -> QuerySet[Audit]:
    """Every open audit (or those in one state) for the QA team's list, soonest due first."""
    qs = with_people(Audit.objects.all())
    qs = (qs.filter(status=status) if status
          else qs.exclude(status__in=Audit.workflow.groups["ended"]))
    return qs.order_by("due_on", "id")


def auditor_pool() -> QuerySet[Any]:
    """Who may be chosen to audit: people in the framework's auditor roles, and everyone whose
    role audits (the auditors' capability)."""
    from auditloop.people.models import Person
    from auditloop.people.roles import ROLE_CAPABILITIES

    roles = set(framework_settings_row().auditor_roles or []) | {
        role.value for role, caps in ROLE_CAPABILITIES.items() if Capability.AUDIT in caps}
    return (Person.objects.filter(is_active=True)
            .filter(Q(role_rows__role__in=roles) | Q(job_title__role_rows__role__in=roles))
            .select_related("team").distinct().order_by("full_name"))


def case_audit_tool_versions() -> list[Any]:
    """The latest version of every case audit tool, the framework's own tools first."""
    from auditloop.standards.models import ToolVersion

    in_use = list(framework_settings_row().tools or [])
    latest: dict[str, Any] = {}
    for version in (ToolVersion.objects.filter(tool__purpose="case_audit")
                    .select_related("tool").defer("source", "definition")
                    .order_by("tool__key", "-number")):
        latest.setdefault(version.tool.key, version)
    return sorted(latest.values(), key=lambda v: (
        in_use.index(v.tool.key) if v.tool.key in in_use else len(in_use), v.tool.name))


def family_cases(case: Any) -> QuerySet[Any]:
    """The cases of the child's family (the same family reference), the case included."""
    from auditloop.cases.models import Case

    if not case.family_identifier:
        return Case.objects.filter(pk=case.pk)
    return Case.objects.filter(family_identifier=case.family_identifier).order_by("id")


# Capabilities that open a child's case records in some way. A reader with none of them (a
# senior leader, a strategic lead) sees figures only: reports never show them a child.
CASE_OPENERS = (Capability.VIEW_ALL_CASES, Capability.VIEW_EARLY_HELP_CASES,
                Capability.VIEW_TEAM_CASES, Capability.HOLD_CASES,
                Capability.OVERSEE_CASES, Capability.AUDIT, Capability.MODERATE)


def opens_case_records(user: Any) -> bool:
    return any(user.has_capability(c) for c in CASE_OPENERS)


def openable_audit_ids(user: Any, audit_ids: Iterable[int]) -> set[int]:
    """Of these audits, those get_audit_for_user would open for this user, answered for a
    whole list in a few queries (the same rule, in the same order): the audit's current
    auditors; then nobody who reviews it blind; then whoever sees every case; a moderator
    while assigned to review it; and practice (involved in the case, holding it, or managing
    whoever holds it) once the framework lets practice see it. tests/insight/test_drill.py
    holds the two to the same answer."""
    ids = set(audit_ids)
    if not ids or not opens_case_records(user):
        return set()
    person = user.person_or_none
    mine: set[int] = set()
    if person is not None:
        mine = set(AuditAssignment.objects.filter(
            person=person, ended_at__isnull=True, audit_id__in=ids)
            .values_list("audit_id", flat=True))
    rest = ids - mine
    rest -= blind_audit_ids(person, rest)
    if not rest or user.has_capability(Capability.VIEW_ALL_CASES):
        return mine | rest
    allowed = reach_q(user, "case__") or Q(pk__in=[])
    if user.has_capability(Capability.MODERATE):
        allowed |= Q(pk__in=reviewing_audit_ids(person, rest))
    group = _VISIBLE_TO_PRACTICE.get(framework_settings_row().practitioner_sees_audit)
    if person is not None and group is not None:
        holders = {person.pk} | management_subtree_ids(person)
        allowed |= Q(status__in=Audit.workflow.groups[group]) & (
            Q(case__in=Involvement.objects.filter(person=person).values("case_id"))
            | Q(case__key_worker_id__in=holders) | Q(case__team_manager_id__in=holders))
    return mine | set(Audit.objects.filter(allowed, pk__in=rest)
                      .values_list("pk", flat=True))
