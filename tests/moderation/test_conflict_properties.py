"""Who may not moderate an audit (moderation.services.conflicts), on small random councils,
against a slow oracle that asks each rule of each person and audit on its own."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditloop.audits.models import Audit, AuditAssignment
from auditloop.cases.models import Involvement
from auditloop.moderation import services
from auditloop.people.models import Person
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db

PEOPLE = 4


def oracle(person: Person, audit: Audit) -> bool:
    """True when the person may not moderate the audit, rule by rule."""
    case = audit.case
    if Involvement.objects.filter(case=case, person=person).exists():
        return True  # involved with the case, ever
    holders = {case.key_worker_id, case.team_manager_id} - {None}
    holders |= set(Involvement.objects.filter(
        case=case, role__in=["key_worker", "team_manager"], started_on__lte=audit.period_end)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=audit.period_start))
        .values_list("person_id", flat=True))
    if person.pk in holders:
        return True  # holds it, or held it during the audit's period
    if Person.objects.filter(pk__in=holders, line_manager=person).exists():
        return True  # line-manages who holds or held it (direct reports: always)
    return AuditAssignment.objects.filter(audit=audit, person=person).exists()  # audited it


@st.composite
def councils(draw):  # type: ignore[no-untyped-def]
    people = range(PEOPLE)
    return {
        "key_workers": [draw(st.sampled_from(people)) for _ in range(2)],
        "managers": [draw(st.one_of(st.none(), st.sampled_from(people))) for _ in range(2)],
        "involved": draw(st.sets(st.tuples(st.sampled_from(people), st.integers(0, 1)))),
        "auditors": [draw(st.sampled_from(people)) for _ in range(2)],
        "ended_auditors": draw(st.sets(st.tuples(st.sampled_from(people), st.integers(0, 1)))),
        "line": [draw(st.one_of(st.none(), st.sampled_from(people))) for _ in people],
    }


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(councils())
def test_conflicts_match_the_oracle(data):  # type: ignore[no-untyped-def]
    with transaction.atomic():
        people = [PersonFactory() for _ in range(PEOPLE)]
        for person, manager in zip(people, data["line"], strict=True):
            if manager is not None and people[manager] != person:
                person.line_manager = people[manager]
                person.save(update_fields=["line_manager"])
        audits = []
        for i in range(2):
            case = CaseFactory(key_worker=people[data["key_workers"][i]],
                               team_manager=None if data["managers"][i] is None
                               else people[data["managers"][i]])
            audit = make_audit(case=case, auditors=[people[data["auditors"][i]]])
            audits.append(Audit.objects.select_related("case").get(pk=audit.pk))
        for p, i in data["involved"]:
            Involvement.objects.create(case=audits[i].case, person=people[p],
                                       role=Involvement.Role.KEY_WORKER,
                                       started_on=dt.date(2025, 1, 1),
                                       ended_on=dt.date(2025, 6, 1))
        for p, i in data["ended_auditors"]:
            if not AuditAssignment.objects.filter(audit=audits[i], person=people[p]).exists():
                AuditAssignment.objects.create(audit=audits[i], person=people[p],
                                               ended_at="2026-03-01T10:00Z")
        found = services.conflicts(audits, [p.pk for p in people])
        for person in people:
            for audit in audits:
                assert ((person.pk, audit.pk) in found) == oracle(person, audit), (
                    person.pk, audit.pk, found.get((person.pk, audit.pk)))
        transaction.set_rollback(True)
