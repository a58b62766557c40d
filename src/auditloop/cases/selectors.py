"""Reads of the case register, each already scoped to what the user may see."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from auditloop.cases.models import Case, CaseEvent, Involvement
from auditloop.people.models import Person, Service
from auditloop.people.roles import Capability
from auditloop.people.selectors import management_subtree_ids


def reaches_case(user: Any, case: Case) -> bool:
    """Whether the user's role reaches this case without a relationship to it: every case
    (the QA team, the principal social worker, directors) or every Early Help case (the
    Early Help Officers of 000). The reach of each role is in docs/user-guide.md."""
    if user.has_capability(Capability.VIEW_ALL_CASES):
        return True
    return bool(user.has_capability(Capability.VIEW_EARLY_HELP_CASES)
                and case.service_id is not None
                and case.service.kind == Service.Kind.EARLY_HELP)


def reach_q(user: Any, prefix: str = "") -> Q | None:
    """reaches_case as a filter (None: every case; Q(pk__in=[]) where the role reaches none
    without a relationship). `prefix` leads to the case, e.g. "case__"."""
    if user.has_capability(Capability.VIEW_ALL_CASES):
        return None
    if user.has_capability(Capability.VIEW_EARLY_HELP_CASES):
        return Q(**{f"{prefix}service__kind": Service.Kind.EARLY_HELP})
    return Q(pk__in=[])


def _visibility_filter(user: Any) -> Q | None:
    """None means every case; otherwise the cases this user's role reaches (reach_q) and
    those they have a relationship with: ever involved, holding or managing it now, or (for
    managers) held or managed by someone below them. Built as one UNION of index lookups
    (benchmarks/RESULTS.md)."""
    reach = reach_q(user)
    if reach is None:
        return None
    person: Person | None = user.person_or_none
    if person is None:
        return reach
    holders = {person.pk}
    if user.has_capability(Capability.VIEW_TEAM_CASES):
        holders |= management_subtree_ids(person)
    ids = Involvement.objects.filter(person=person).values("case_id").union(
        Case.objects.filter(key_worker_id__in=holders).values("id"),
        Case.objects.filter(team_manager_id__in=holders).values("id"),
    )
    return Q(pk__in=ids) | reach


def cases_for_user(
    *,
    user: Any,
    status: str | None = None,
    service_id: int | None = None,
    team_id: int | None = None,
    locality_id: int | None = None,
    reference: str | None = None,
    allocation: str | None = None,
) -> QuerySet[Case]:
    qs = Case.objects.select_related(
        "service", "team", "locality", "key_worker", "team_manager"
    )
    rule = _visibility_filter(user)
    if rule is not None:
        qs = qs.filter(rule)
    if status:
        qs = qs.filter(status=status)
    if service_id:
        qs = qs.filter(service_id=service_id)
    if team_id:
        qs = qs.filter(team_id=team_id)
    if locality_id:
        qs = qs.filter(locality_id=locality_id)
    if allocation == "unallocated":
        qs = qs.filter(key_worker__isnull=True)
    elif allocation == "mine":
        qs = qs.filter(key_worker=user.person_or_none)
    if reference:
        # Exact matches (as typed, and in capitals, as case systems write their
        # identifiers) use the indexes; a case-insensitive match reads the whole table.
        forms = {reference, reference.upper()}
        qs = qs.filter(
            Q(reference__in=forms) | Q(child_identifier__in=forms)
            | Q(family_identifier__in=forms)
        )
    return qs.order_by("reference")


def get_case_for_user(user: Any, case_id: int) -> Case:
    """The case, or 404 for missing and forbidden alike. Callers log the view."""
    try:
        return cases_for_user(user=user).prefetch_related("themes").get(pk=case_id)
    except Case.DoesNotExist as exc:
        raise Http404 from exc


def involvement_history(case: Case) -> QuerySet[Involvement]:
    return case.involvements.select_related("person", "person__team").order_by(
        "-started_on", "role"
    )


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return case.events.order_by("-occurred_on", "-id")


def was_ever_involved(*, person: Person, case: Case) -> bool:
    return Involvement.objects.filter(person=person, case=case).exists()


def holders_on(*, case: Case, on: dt.date, role: str | None = None) -> QuerySet[Involvement]:
    """Who held or oversaw the case on a given day ("who held it last month?")."""
    qs = Involvement.objects.filter(case=case, started_on__lte=on).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on)
    )
    if role:
        qs = qs.filter(role=role)
    return qs.select_related("person")


def cases_involving(person: Person) -> QuerySet[Case]:
    return Case.objects.filter(involvements__person=person).distinct()


def case_id_for_reference(reference: str) -> int | None:
    """The id of the case with this reference (any case: for the information governance
    lead's access log, which shows no case itself), or None."""
    reference = reference.strip()
    if not reference:
        return None
    return Case.objects.filter(reference__iexact=reference).values_list("pk", flat=True).first()


def references_of(case_ids: Any) -> dict[int, str]:
    """Case id -> reference, in one query."""
    return dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "reference"))
