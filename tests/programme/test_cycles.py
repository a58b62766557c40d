"""Creating cycles: dates and theme from the framework; one-off programmes; themes."""

import datetime as dt

import pytest

from auditloop.common.errors import DomainError, WorkflowError
from auditloop.programme import services
from auditloop.programme.models import Cycle
from auditloop.standards.models import FrameworkSettingChange
from auditloop.standards.selectors import framework_settings_row
from tests.factories import PersonFactory
from tests.programme.conftest import set_framework

pytestmark = pytest.mark.django_db
D = dt.date


def test_a_monthly_cycle_takes_its_dates_from_the_framework(framework):
    qa = PersonFactory()
    cycle = services.cycle_create(year=2026, number=6, actor=qa)
    assert cycle.title == "June 2026 cycle"
    assert (cycle.period_start, cycle.period_end) == (D(2026, 6, 1), D(2026, 6, 30))
    assert cycle.meeting_on == D(2026, 6, 30)
    assert cycle.audits_due_on == D(2026, 6, 29)
    assert cycle.allocations_due_on == D(2026, 6, 1)
    assert cycle.notices_due_on == D(2026, 5, 25)
    assert cycle.tool_version.tool.key == "002-six-key-areas"
    assert cycle.events.get().what == "Cycle created" and cycle.events.get().actor == qa


def test_without_a_qa_meeting_the_cycle_has_none(framework):
    set_framework(cycle_ends_in_qa_meeting=False)
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    assert cycle.meeting_on is None and cycle.audits_due_on == D(2026, 6, 30)


def test_the_theme_comes_from_the_years_plan(framework):
    set_framework(theme_plan=[{"cycle": 6, "theme": "Neglect", "note": "Safeguarding "
                                                                      "partnership priority"}])
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    assert cycle.theme == "Neglect"
    assert cycle.theme_source == Cycle.ThemeSource.PLAN
    assert cycle.theme_reason == "Safeguarding partnership priority"


def test_the_last_meetings_prevalent_issue_sets_the_theme_when_the_meeting_said_so(framework):
    set_framework(next_theme_from_qa_meeting=True,
                  theme_plan=[{"cycle": 7, "theme": "Neglect", "note": ""}])
    june = services.cycle_create(year=2026, number=6, actor=None)
    Cycle.objects.filter(pk=june.pk).update(prevalent_issue="Young carers",
                                            prevalent_issue_sets_next_theme=True)
    july = services.cycle_create(year=2026, number=7, actor=None)
    assert july.theme == "Young carers"
    assert july.theme_source == Cycle.ThemeSource.QA_MEETING


def test_a_chosen_theme_wins(framework):
    set_framework(theme_plan=[{"cycle": 6, "theme": "Neglect", "note": ""}])
    cycle = services.cycle_create(year=2026, number=6, theme="Domestic abuse",
                                  theme_reason="A rise in referrals", actor=None)
    assert (cycle.theme, cycle.theme_source) == ("Domestic abuse", Cycle.ThemeSource.CHOSEN)


def test_a_month_is_created_once_and_only_within_the_year(framework):
    services.cycle_create(year=2026, number=6, actor=None)
    with pytest.raises(DomainError, match="already a cycle 6 for 2026"):
        services.cycle_create(year=2026, number=6, actor=None)
    with pytest.raises(DomainError, match="from 1 to 12"):
        services.cycle_create(year=2026, number=13, actor=None)


def test_a_one_off_programme_has_its_own_dates_and_pool(framework):
    lead = PersonFactory()
    cycle = services.cycle_create(
        year=2026, kind=Cycle.Kind.MULTI_AGENCY, name="Neglect, multi-agency",
        period_start=D(2026, 9, 1), period_end=D(2026, 10, 15), lead_auditor=lead,
        auditor_roles=["auditor", "partner_agency_lead", "not-a-role"], actor=None)
    assert cycle.title == "Neglect, multi-agency" and cycle.number is None
    assert cycle.meeting_on is None and cycle.audits_due_on == D(2026, 10, 15)
    assert cycle.auditor_roles == ["auditor", "partner_agency_lead"]
    with pytest.raises(DomainError, match="name"):
        services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL, actor=None,
                              period_start=D(2026, 9, 1), period_end=D(2026, 10, 1))
    with pytest.raises(DomainError, match="on or after"):
        services.cycle_create(year=2026, kind=Cycle.Kind.EXTERNAL, name="External",
                              period_start=D(2026, 9, 1), period_end=D(2026, 8, 1),
                              actor=None)


def test_the_theme_changes_with_a_reason_while_cases_are_chosen(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    with pytest.raises(DomainError, match="why"):
        services.cycle_set_theme(cycle=cycle, theme="Neglect", reason=" ", actor=None)
    services.cycle_set_theme(cycle=cycle, theme="Neglect", reason="Rising", actor=None)
    cycle.refresh_from_db()
    assert cycle.theme_source == Cycle.ThemeSource.CHOSEN
    Cycle.objects.filter(pk=cycle.pk).update(status=Cycle.Status.ALLOCATED)
    cycle.refresh_from_db()
    with pytest.raises(WorkflowError):
        services.cycle_set_theme(cycle=cycle, theme="Other", reason="x", actor=None)


def test_a_theme_raised_by_an_indicator_is_kept_with_its_reason(framework):
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    row = services.indicator_theme_add(cycle=cycle, theme="Placement stability",
                                       indicator="3 or more placements, rising",
                                       reason="Test whether plans drift", actor=None)
    assert row.reason == "Test whether plans drift"
    with pytest.raises(DomainError, match="indicator"):
        services.indicator_theme_add(cycle=cycle, theme="x", indicator="", reason="y",
                                     actor=None)


def test_the_prevalent_issue_becomes_the_next_cycles_theme_in_the_plan(framework):
    from auditloop.programme.services.cycles import set_next_theme

    qa = PersonFactory()
    june = services.cycle_create(year=2026, number=6, actor=None)
    july = services.cycle_create(year=2026, number=7, actor=None)
    set_next_theme(cycle=june, theme="Young carers", actor=qa)
    july.refresh_from_db()
    assert july.theme == "Young carers" and july.theme_source == Cycle.ThemeSource.QA_MEETING
    assert {"cycle": 7, "theme": "Young carers", "note": ""} in \
        framework_settings_row().theme_plan
    change = FrameworkSettingChange.objects.filter(setting="theme_plan").first()
    assert change.source == FrameworkSettingChange.Source.QA_MEETING
    assert change.changed_by == qa.user
