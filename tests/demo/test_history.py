"""The demo council's audit history: past monthly cycles of graded audits, dated back."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from auditloop.audits.models import Audit
from auditloop.cases.models import Involvement
from auditloop.demo.generator import generate_council, reset_council
from auditloop.demo.history import build_audit_history
from auditloop.programme.models import Cycle
from auditloop.standards.services import preset_apply

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


@pytest.fixture
def history():  # type: ignore[no-untyped-def]
    generate_council(scale="small", seed=3, reference_date=TODAY)
    preset_apply(key="002-six-key-areas")
    return build_audit_history(rng=random.Random(3), today=TODAY, months=3, per_cycle=4,
                               themed_per_month=0, early_help_per_month=0)


def test_history_makes_a_cycle_for_each_past_month_with_submitted_graded_audits(history):  # type: ignore[no-untyped-def]
    assert [(c.year, c.number) for c in history.cycles] == [(2026, 8), (2026, 9), (2026, 10)]
    assert len(history.audits) == 12
    for audit in Audit.objects.filter(pk__in=[a.pk for a in history.audits]):
        assert audit.final_grade and audit.overall_grade == audit.final_grade
        assert audit.submitted_at is not None
    last = Cycle.objects.get(year=2026, number=10)
    assert last.status == Cycle.Status.REVIEWED
    assert Cycle.objects.get(year=2026, number=8).status == Cycle.Status.CLOSED


def test_each_audit_is_dated_in_its_own_month(history):  # type: ignore[no-untyped-def]
    for cycle in history.cycles:
        for row in cycle.cases.select_related("audit"):
            assert row.audit is not None
            submitted = row.audit.submitted_at.date()
            assert cycle.period_start <= submitted <= cycle.period_end


def test_no_auditor_audits_a_case_they_were_involved_with(history):  # type: ignore[no-untyped-def]
    for audit in Audit.objects.filter(pk__in=[a.pk for a in history.audits]):
        auditors = {a.person_id for a in audit.assignments.all()}
        involved = set(Involvement.objects.filter(case=audit.case)
                       .values_list("person_id", flat=True))
        involved |= {audit.case.key_worker_id, audit.case.team_manager_id}
        assert not auditors & involved


def test_reset_removes_the_history_with_the_council(history):  # type: ignore[no-untyped-def]
    reset_council()
    assert not Audit.objects.exists()
    assert not Cycle.objects.exists()
