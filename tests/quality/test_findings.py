"""What the register shows beside a Tier 1 check, by the framework's thresholds (003): the
TAF interval ("every 4-6 weeks, 8 weeks being acceptable"), the date a current TAF plan is
dated by ("within 8 weeks of the last recorded TAF meeting") and whether the assessment is
current ("updated within 12 months")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from auditloop.cases.models import CaseEvent
from auditloop.people.roles import Role
from auditloop.quality.findings import register_findings
from auditloop.standards.services import framework_settings_set
from tests.factories import CaseEventFactory, CaseFactory, ServiceFactory, make_quality_check

pytestmark = pytest.mark.django_db
D = dt.date
E = CaseEvent.Kind


def _set(**values) -> None:  # type: ignore[no-untyped-def]
    framework_settings_set(values=values, actor=None)


def _taf_check(*, weeks_after_last: int, assessment_on: dt.date | None = None):  # type: ignore[no-untyped-def]
    case = CaseFactory(service=ServiceFactory())
    on = D(2026, 6, 1)
    CaseEventFactory(case=case, kind=E.TAF_MEETING,
                     occurred_on=on - dt.timedelta(weeks=weeks_after_last))
    if assessment_on:
        CaseEventFactory(case=case, kind=E.ASSESSMENT_COMPLETED, occurred_on=assessment_on)
    return make_quality_check(case=case, kind=E.TAF_MEETING, occurred_on=on)


def _texts(check) -> list[str]:  # type: ignore[no-untyped-def]
    return [f.text for f in register_findings(check)]


def test_the_taf_interval_reads_the_frameworks_from_weeks() -> None:
    _set(taf_interval_weeks_min=4, taf_interval_weeks_max=6, taf_interval_weeks_acceptable=8)
    check = _taf_check(weeks_after_last=3)
    [interval] = _texts(check)
    assert interval == ("This meeting came 3 weeks after the last one (expected every 4 to 6 "
                        "weeks, 8 weeks being acceptable): sooner than expected.")
    _set(taf_interval_weeks_min=2)
    assert _texts(check)[0].endswith(": regular.")


def test_the_taf_interval_reads_the_to_and_acceptable_weeks() -> None:
    _set(taf_interval_weeks_min=4, taf_interval_weeks_max=6, taf_interval_weeks_acceptable=8)
    assert _texts(_taf_check(weeks_after_last=7))[0].endswith("later than expected, but "
                                                              "acceptable.")
    late = _taf_check(weeks_after_last=9)
    [finding] = register_findings(late)
    assert finding.concern and "later than the framework accepts" in finding.text
    _set(taf_interval_weeks_acceptable=10)
    assert not register_findings(late)[0].concern


def test_a_current_taf_plan_is_dated_within_the_frameworks_weeks_of_the_last_meeting() -> None:
    _set(taf_plan_current_weeks=8)
    check = _taf_check(weeks_after_last=7)
    [plan] = register_findings(check)
    assert plan.text.startswith("The last TAF meeting recorded before this one was on "
                                "13 April 2026: a current TAF plan is dated by 8 June 2026")
    assert not plan.concern
    _set(taf_plan_current_weeks=6)
    [plan] = register_findings(check)
    assert "dated by 25 May 2026" in plan.text and plan.concern


def test_the_assessment_is_current_for_the_frameworks_months() -> None:
    _set(assessment_current_months=12)
    check = _taf_check(weeks_after_last=5, assessment_on=D(2025, 9, 1))
    [assessment] = register_findings(check)
    assert "current until 1 September 2026" in assessment.text and not assessment.concern
    _set(assessment_current_months=6)
    [assessment] = register_findings(check)
    assert "current until 1 March 2026" in assessment.text and assessment.concern
    assert "It is not current" in assessment.text


def test_with_no_thresholds_set_the_register_shows_nothing() -> None:
    check = _taf_check(weeks_after_last=5, assessment_on=D(2025, 9, 1))
    assert register_findings(check) == []


def test_the_check_page_shows_what_the_register_shows(role_client) -> None:  # type: ignore[no-untyped-def]
    _set(taf_plan_current_weeks=6)
    check = _taf_check(weeks_after_last=7)
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("quality:check", args=[check.pk])).content.decode()
    assert "What the register shows" in page and "dated by 25 May 2026" in page
