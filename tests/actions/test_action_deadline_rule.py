"""One rule for the framework's limit on agreed actions (002: "audit actions are completed
within a maximum of 40 days"): every path that agrees an action (a reply, an immediate
concern, a Tier 1 quality check) refuses a date past it with the same words, naming the
setting, and allows every date up to it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from auditloop.actions.deadline import ActionDeadline, action_deadline
from auditloop.audits import voices
from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.quality import services as quality_services
from auditloop.standards.selectors import framework_settings_row
from tests.audits.tracker_factories import audited_case, council, proposal
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    PersonFactory,
    ServiceFactory,
    make_audit,
    make_immediate_concern,
    shipped_tool_version,
)

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 3)
TOO_LATE = TODAY + dt.timedelta(days=41)
LAST_DAY = TODAY + dt.timedelta(days=40)
REFUSAL = ("Choose a date no later than 13 July 2026: the framework asks for actions to be "
           "completed within 40 days of being agreed (“Audit actions completed within "
           "(days)”).")


def _limit(days: int | None) -> None:
    row = framework_settings_row()
    row.action_deadline_days = days
    row.save()


def test_the_limit_counts_from_the_day_the_action_is_agreed():
    rule = ActionDeadline(40)
    assert rule.latest_due_on(TODAY) == LAST_DAY
    assert not rule.over_limit(LAST_DAY, agreed_on=TODAY)
    assert rule.over_limit(TOO_LATE, agreed_on=TODAY)
    assert rule.refusal(agreed_on=TODAY) == REFUSAL
    assert rule.sentence == "Actions are completed within 40 days of being agreed."


def test_no_limit_refuses_nothing():
    rule = ActionDeadline(None)
    assert rule.latest_due_on(TODAY) is None
    rule.check(TODAY + dt.timedelta(days=400), agreed_on=TODAY)
    assert rule.sentence == "The framework sets no limit on how long an action may take."


def test_the_helper_reads_the_frameworks_setting():
    _limit(25)
    assert action_deadline().days == 25
    _limit(None)
    assert action_deadline().days is None


def _reply(due: dt.date) -> None:
    w = council()
    audit = audited_case(w)
    voices.reply_action_propose(audit=audit, actor=w.kw, proposal=proposal(due))


def _concern(due: dt.date) -> None:
    from auditloop.audits.concerns import SmartAction

    make_immediate_concern(audit=make_audit(), actions=[SmartAction(
        "Bruising not followed up", "Visit the child", "Team manager", due,
        "The child is seen and safe", "Visit recorded")])


def _quality_check(due: dt.date) -> None:
    shipped_tool_version("003-tier-2-caf-toolkit")
    shipped_tool_version("003-tier-1-quality-control")
    row = framework_settings_row()
    row.tools = ["003-tier-2-caf-toolkit", "003-tier-1-quality-control"]
    row.save()
    lead = PersonFactory(roles=[Role.PRACTITIONER])
    event = CaseEventFactory(case=CaseFactory(service=ServiceFactory(), key_worker=lead),
                             kind="assessment_completed", occurred_on=TODAY)
    from auditloop.quality.models import QualityCheck

    check = QualityCheck.objects.create(
        event=event, tool_version=shipped_tool_version("003-tier-1-quality-control"))
    answers = {f"assessment.{k}": {"value": "yes"} for k in (
        "consent", "caf_ids", "sections_complete", "child_voice", "smart_plan", "signatures")}
    quality_services.quality_check_fail(check=check, actor=PersonFactory(roles=[Role.QA_MANAGER]),
                               answers=answers, to_fix="Add the signatures.",
                               action_due_on=due)


PATHS = {"reply": _reply, "immediate concern": _concern, "quality check": _quality_check}


@pytest.mark.parametrize("path", PATHS)
def test_every_path_refuses_a_date_past_the_limit_in_the_same_words(path):
    with time_machine.travel(NOW, tick=False):
        if path != "reply":
            _limit(40)  # the reply's council applies preset 002, which sets 40
        with pytest.raises(DomainError) as refused:
            PATHS[path](TOO_LATE)
    assert refused.value.message == REFUSAL
    assert (refused.value.field or "").endswith("due_on")


@pytest.mark.parametrize("path", PATHS)
def test_every_path_allows_the_last_day(path):
    with time_machine.travel(NOW, tick=False):
        if path != "reply":
            _limit(40)
        PATHS[path](LAST_DAY)


def test_a_quality_check_action_has_no_limit_when_the_framework_sets_none():
    with time_machine.travel(NOW, tick=False):
        _limit(None)
        _quality_check(TODAY + dt.timedelta(days=90))
