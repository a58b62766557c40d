"""auditloop's own indicators, each checked against numbers worked out by hand from the
definition (not from the code under test)."""

import datetime as dt

import pytest

from auditloop.actions.models import Action
from auditloop.audits.models import Audit, AuditAction
from auditloop.indicators import registry
from auditloop.indicators.models import IndicatorValue
from auditloop.indicators.registry import Scope
from auditloop.quality.models import QualityCheck
from auditloop.standards.selectors import framework_settings_row
from tests.factories import (
    CaseFactory,
    LocalityFactory,
    TeamFactory,
    finish_audit,
    make_action,
    make_audit,
    make_quality_check,
)

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def at(day: int, month: int = 10, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def audit(case, grade: str, submitted: dt.datetime, impact: int | None = None,  # type: ignore[no-untyped-def]
          to: str = "submitted") -> Audit:
    a = finish_audit(make_audit(case=case), grade=grade, to=to)
    Audit.objects.filter(pk=a.pk).update(submitted_at=submitted, impact_score=impact)
    return a


def value(key: str, scope: Scope | None = None) -> IndicatorValue:
    (row,) = registry.compute("2026-10", scope, keys=[key])
    return row


@pytest.fixture
def two_places():  # type: ignore[no-untyped-def]
    north, south = LocalityFactory(name="North"), LocalityFactory(name="South")
    return (CaseFactory(team=TeamFactory(locality=north)),
            CaseFactory(team=TeamFactory(locality=south)))


def test_audits_good_or_better(two_places) -> None:  # type: ignore[no-untyped-def]
    n, s = two_places
    # October 2026: North outstanding, good, requires improvement; South good, inadequate.
    audit(n, "outstanding", at(1))
    audit(n, "good", at(15), to="closed")  # closed since: still counted
    audit(n, "requires_improvement", at(31, hour=20))
    audit(s, "good", at(2))
    audit(s, "inadequate", at(30))
    # Not counted: submitted in September or November, or withdrawn before submitting.
    audit(n, "good", at(30, month=9))
    audit(s, "inadequate", at(1, month=11))
    withdrawn = make_audit(case=n)
    Audit.objects.filter(pk=withdrawn.pk).update(status=Audit.Status.WITHDRAWN,
                                                 submitted_at=at(5), final_grade="good")
    council = value("audits_good_or_better")
    assert (council.numerator, council.denominator) == (3, 5)
    assert council.value == pytest.approx(0.6)
    assert council.case_ids == sorted([n.pk, s.pk])  # the cases audited below good
    north = value("audits_good_or_better", Scope(locality_id=n.locality_id))
    assert (north.numerator, north.denominator) == (2, 3)
    assert north.case_ids == [n.pk]


def test_mean_impact_score(two_places) -> None:  # type: ignore[no-untyped-def]
    n, s = two_places
    # Scores 4, 7 and 10 in October (mean 7); one with no score; one in November.
    audit(n, "good", at(3), impact=4)
    audit(n, "good", at(4), impact=7)
    audit(s, "good", at(5), impact=10)
    audit(s, "good", at(6), impact=None)
    audit(s, "good", at(2, month=11), impact=1)
    council = value("mean_impact_score")
    assert council.value == pytest.approx(7.0)
    assert council.denominator == 3 and council.numerator is None
    assert council.case_ids == [n.pk]  # the case that scored below the mean
    south = value("mean_impact_score", Scope(locality_id=s.locality_id))
    assert south.value == pytest.approx(10.0)


def test_mean_impact_score_nothing_scored(two_places) -> None:  # type: ignore[no-untyped-def]
    audit(two_places[0], "good", at(3))
    assert registry.compute("2026-10", keys=["mean_impact_score"]) == []


def _agreed_and_signed_off(case, agreed: dt.datetime, done: dt.datetime | None) -> Action:  # type: ignore[no-untyped-def]
    a = audit(case, "requires_improvement", at(1, month=8))
    action = make_action()
    AuditAction.objects.create(audit=a, action=action)
    Action.objects.filter(pk=action.pk).update(created_at=agreed, signed_off_at=done)
    return action


def test_actions_within_the_limit(two_places) -> None:  # type: ignore[no-untyped-def]
    n, s = two_places
    row = framework_settings_row()
    row.action_deadline_days = 40
    row.save()
    # Agreed 1 September: the 40th day is 11 October. Signed off 11 October: within.
    _agreed_and_signed_off(n, at(1, month=9), at(11, hour=21))  # 10pm in London
    # Agreed 1 September, signed off 12 October: one day late.
    _agreed_and_signed_off(n, at(1, month=9), at(12))
    # Agreed 20 September, signed off 31 October (41 days): late.
    _agreed_and_signed_off(s, at(20, month=9), at(31))
    # Agreed 1 October, signed off 5 October: within.
    _agreed_and_signed_off(s, at(1), at(5))
    # Not counted: signed off in November, or not signed off.
    _agreed_and_signed_off(s, at(1), at(3, month=11))
    _agreed_and_signed_off(s, at(1), None)
    council = value("actions_within_limit")
    assert (council.numerator, council.denominator) == (2, 4)
    assert council.case_ids == sorted([n.pk, s.pk])
    south = value("actions_within_limit", Scope(locality_id=s.locality_id))
    assert (south.numerator, south.denominator) == (1, 2)


def test_actions_within_the_limit_needs_a_limit(two_places) -> None:  # type: ignore[no-untyped-def]
    row = framework_settings_row()
    row.action_deadline_days = None
    row.save()
    _agreed_and_signed_off(two_places[0], at(1), at(5))
    assert registry.compute("2026-10", keys=["actions_within_limit"]) == []


def test_tier1_pass_rate(two_places) -> None:  # type: ignore[no-untyped-def]
    n, s = two_places
    S = QualityCheck.Status
    # Checked in October: passed, passed, sent back (failed), sent back and since fixed.
    rows = [(n, S.PASSED, at(1, hour=0)), (n, S.PASSED, at(31, hour=23)),
            (s, S.FAILED, at(10)), (s, S.FIXED, at(20)),
            # Not counted: waiting, checked in September or November.
            (n, S.WAITING, None), (n, S.PASSED, at(30, month=9, hour=22)),
            (s, S.FAILED, at(1, month=11))]
    for i, (case, status, checked) in enumerate(rows):
        make_quality_check(case=case, status=status, checked_at=checked,
                           occurred_on=dt.date(2026, 9, 1) + dt.timedelta(days=i))
    council = value("tier1_pass_rate")
    assert (council.numerator, council.denominator) == (2, 4)
    assert council.case_ids == [s.pk]
    north = value("tier1_pass_rate", Scope(locality_id=n.locality_id))
    assert (north.numerator, north.denominator) == (2, 2)
