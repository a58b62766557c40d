"""The framework's deadline for audit actions (002: "audit actions are completed within a
maximum of 40 days", signed off by the team manager): counted from the day the action was
agreed, shown by the tracker for every action not yet signed off, and gone when the
framework sets no limit."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import tracker, voices
from auditloop.audits.models import AuditAction
from auditloop.common.errors import DomainError
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_settings_set
from tests.audits.tracker_factories import (
    audited_case,
    council,
    done,
    proposal,
    quick_action,
    reply_actions,
)
from tests.factories import make_immediate_concern

pytestmark = pytest.mark.django_db
AGREED = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
DAY_0 = dt.date(2026, 6, 3)


def facts(action, today):  # type: ignore[no-untyped-def]
    link = AuditAction.objects.select_related("action", "audit").get(action=action)
    return tracker.action_facts(link, today=today,
                                deadline_days=framework_settings_row().action_deadline_days)


def on(day: int):  # type: ignore[no-untyped-def]
    return time_machine.travel(AGREED + dt.timedelta(days=day), tick=False)


def test_an_action_due_after_the_limit_is_refused_with_the_last_day_allowed():
    with on(0):
        w = council()
        audit = audited_case(w)
        with pytest.raises(DomainError) as refused:
            voices.reply_action_propose(audit=audit, actor=w.kw,
                                        proposal=proposal(DAY_0 + dt.timedelta(days=41)))
        assert refused.value.field == "due_on"
        assert refused.value.message == (
            "Choose a date no later than 13 July 2026: the framework asks for actions to be "
            "completed within 40 days of being agreed (“Audit actions completed within "
            "(days)”).")
        # Day 40 itself is allowed.
        voices.reply_action_propose(audit=audit, actor=w.kw,
                                    proposal=proposal(DAY_0 + dt.timedelta(days=40)))


def test_sign_off_stays_with_the_cases_team_manager():
    with on(0):
        w = council()
        audit = audited_case(w)
        (action,) = reply_actions(audit, w, [DAY_0 + dt.timedelta(days=10)])
    assert action.sign_off_person == w.tm
    with on(5):
        from auditloop.actions import services

        services.action_submit_for_sign_off(action=action, actor=w.kw, evidence="Done")
        with pytest.raises(DomainError):
            services.action_sign_off(action=action, actor=w.sm)
        services.action_sign_off(action=action, actor=w.tm)


def test_a_reply_action_is_agreed_when_the_team_manager_confirms_the_actions():
    with on(0):
        w = council()
        audit = audited_case(w)
        (action,) = reply_actions(audit, w, [DAY_0 + dt.timedelta(days=20)], agree=False)
    # Proposed but not yet confirmed: no days are counted yet.
    f = facts(action, DAY_0 + dt.timedelta(days=3))
    assert f.agreed_on is None and f.days_since_agreement is None and f.deadline_on is None
    with on(3):
        voices.actions_agree(audit=audit, actor=w.tm)
    f = facts(action, DAY_0 + dt.timedelta(days=10))
    assert f.agreed_on == DAY_0 + dt.timedelta(days=3)
    assert f.days_since_agreement == 7
    assert f.deadline_on == DAY_0 + dt.timedelta(days=43)


def test_an_immediate_concerns_action_is_agreed_when_the_concern_is_raised():
    with on(0):
        council()
        concern = make_immediate_concern()
    link = AuditAction.objects.get(concern=concern)
    f = facts(link.action, DAY_0 + dt.timedelta(days=12))
    assert f.agreed_on == DAY_0 and f.days_since_agreement == 12


@pytest.mark.parametrize(("signed_on_day", "late"), [(39, False), (40, False), (41, True)])
def test_signed_off_on_day_40_is_within_the_limit_and_day_41_is_over(signed_on_day, late):
    with on(0):
        w = council()
        audit = audited_case(w)
        action = quick_action(audit, owner=w.kw, due_on=DAY_0 + dt.timedelta(days=30))
    with on(signed_on_day):
        done(action, w)
    f = facts(action, DAY_0 + dt.timedelta(days=60))
    assert f.days_since_agreement == signed_on_day
    assert f.signed_off_late is late and f.over_limit is late
    assert f.over_limit_by == 0  # done: only "signed off late" counts


@pytest.mark.parametrize(("today_day", "over_by"), [(40, 0), (41, 1), (52, 12)])
def test_an_open_action_goes_over_the_limit_the_day_after_day_40(today_day, over_by):
    with on(0):
        w = council()
        action = quick_action(audited_case(w), owner=w.kw,
                              due_on=DAY_0 + dt.timedelta(days=30))
    f = facts(action, DAY_0 + dt.timedelta(days=today_day))
    assert f.over_limit_by == over_by and f.over_limit is bool(over_by)
    assert f.overdue_by == today_day - 30


def test_the_tracker_shows_the_limit_and_who_is_over_it(client_for):
    with on(0):
        w = council()
        action = quick_action(audited_case(w), owner=w.kw, due_on=DAY_0 + dt.timedelta(days=30))
    with on(45):
        page = client_for(w.qa).get(reverse("audits:tracker_actions")).content.decode()
    assert action.action in page  # the action's own words, not its number
    assert "within 40 days of being agreed" in page
    assert "5 days past the 40-day limit" in page
    assert "Overdue by 15 days" in page


def test_no_limit_is_shown_when_the_framework_sets_none(client_for):
    with on(0):
        w = council()
        framework_settings_set(values={"action_deadline_days": None}, actor=None,
                               reason="No limit")
        action = quick_action(audited_case(w), owner=w.kw, due_on=DAY_0 + dt.timedelta(days=30))
    f = facts(action, DAY_0 + dt.timedelta(days=90))
    assert f.deadline_on is None and f.over_limit_by == 0 and not f.over_limit
    assert f.days_since_agreement == 90
    with on(90):
        page = client_for(w.qa).get(reverse("audits:tracker_actions")).content.decode()
    assert "The framework sets no limit" in page
    assert "-day limit" not in page and "Limit:" not in page


@pytest.mark.parametrize(("days", "allowed"), [(40, False), (60, True), (None, True)])
def test_action_deadline_days_sets_the_last_day_an_action_may_be_due(days, allowed):
    with on(0):
        w = council()
        framework_settings_set(values={"action_deadline_days": days}, actor=None,
                               reason="Testing the limit")
        audit = audited_case(w)
        due = proposal(DAY_0 + dt.timedelta(days=50))
        if allowed:
            voices.reply_action_propose(audit=audit, actor=w.kw, proposal=due)
        else:
            with pytest.raises(DomainError, match="within 40 days"):
                voices.reply_action_propose(audit=audit, actor=w.kw, proposal=due)
