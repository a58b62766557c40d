"""Moderation's test data: cycles of submitted audits, panel members, samples and reviews,
made through the services as the app makes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from auditloop.audits.models import Audit
from auditloop.moderation import services
from auditloop.moderation.models import OVERALL, ModerationReview
from auditloop.people.roles import Role
from auditloop.programme.models import Cycle, CycleCase
from auditloop.standards.selectors import framework_settings_row
from tests.factories import CaseFactory, PersonFactory, complete_audit, finish_audit, make_audit

SECTIONS_002 = ["help_protection_stability", "recording_communication", "assessment",
                "relationship_direct_work", "multi_agency", "supervision_oversight"]


def set_framework(**values: Any) -> None:
    row = framework_settings_row()
    defaults = {"moderation_share_percent": Decimal("33.33"), "moderate_disputed_audits": True,
                "moderation_panel_roles": [], "agreement_min_audits": 10,
                "agreement_window_months": 12, "mentoring_threshold_percent": Decimal("25"),
                "audit_quality_review": True}
    defaults.update(values)
    for key, value in defaults.items():
        setattr(row, key, value)
    row.save()


def make_cycle(year: int = 2026, number: int = 6) -> Cycle:
    start = dt.date(year, number, 1)
    return Cycle.objects.create(year=year, number=number, period_start=start,
                                period_end=start + dt.timedelta(days=27),
                                audit_starts_on=start, audits_due_on=start + dt.timedelta(days=26))


def submitted_audit(cycle: Cycle, *, grade: str = "good", auditor: Any = None, case: Any = None,
                    section_grade: str | None = None) -> Audit:
    """An audit of the cycle, every question answered and submitted with this grade."""
    auditor = auditor or PersonFactory(roles=[Role.AUDITOR])
    case = case or CaseFactory(key_worker=PersonFactory(), team_manager=PersonFactory())
    audit = make_audit(case=case, auditors=[auditor])
    complete_audit(audit, auditor, grade=section_grade or grade, overall=grade)
    finish_audit(audit, grade=grade)
    CycleCase.objects.create(cycle=cycle, case=case, source=CycleCase.Source.RANDOM,
                             reason="Chosen at random", status=CycleCase.Status.CONFIRMED,
                             audit=audit)
    return audit


def cycle_of(n: int, **kwargs: Any) -> tuple[Cycle, list[Audit]]:
    cycle = make_cycle(**kwargs)
    return cycle, [submitted_audit(cycle) for _ in range(n)]


def moderator(**kwargs: Any) -> Any:
    return PersonFactory(roles=[Role.MODERATOR], **kwargs)


def review_of(audit: Audit, person: Any = None) -> ModerationReview:
    """A blind review of the audit by a moderator (a sample of one, drawn by the service)."""
    person = person or moderator()
    cycle = Cycle.objects.get(pk=CycleCase.objects.get(audit=audit).cycle_id)
    from auditloop.moderation.models import ModerationSample

    sample = ModerationSample.objects.filter(cycle=cycle).first() or services.sample_draw(
        cycle=cycle, actor=None, seed=1)
    row = sample.audits.filter(audit=audit, status="current").first() or services.sample_add(
        sample=sample, audit=audit, actor=None, reason="For the test")
    current = row.assignments.filter(ended_at__isnull=True).first()
    if current is None or current.person_id != person.pk:
        services.moderator_reassign(sampled=row, person=person, actor=None,
                                    reason="For the test")
    return ModerationReview.objects.get(assignment__sampled=row, assignment__ended_at=None)


def blind_grades(review: ModerationReview, grade: str = "good",
                 overall: str | None = None) -> dict[str, str]:
    sections = services.graded_sections(review.audit.tool_version, audit=review.audit)
    return {s.key: (overall or grade) if s.key == OVERALL else grade for s in sections}


def dispute(audit: Audit) -> Any:
    """An open disagreement for the moderation panel, the audit sent to moderation (as
    voices.disagreement_raise does on 002's route)."""
    from auditloop.audits import services as audit_services
    from auditloop.audits.models import Disagreement

    row = Disagreement.objects.create(audit=audit, raised_by=audit.case.key_worker,
                                      reason="The grade is unfair",
                                      settled_by_route="moderation_panel")
    audit_services.transition(audit=audit, actor=None, to=Audit.Status.IN_MODERATION,
                              reason="Disagreement with the findings")
    audit.refresh_from_db()
    return row
