"""The framework's minimum length of a conversation (002: "it will be important to set aside
at least an hour" with the key worker): a shorter booking is refused; a conversation held
for less is recorded with a reason, flagged on the audit page and countable by reports,
never silently accepted; every message names the setting."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import voices
from auditloop.audits.models import Conversation
from auditloop.common.errors import DomainError
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db
K = Conversation.Kind
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
RULE = ("The framework asks for at least 60 minutes (Learning conversation with the key "
        "worker).")


@pytest.fixture
def six_areas():  # type: ignore[no-untyped-def]
    """Seed 002's framework: a learning conversation of at least 60 minutes."""
    with time_machine.travel(NOW, tick=False):
        preset_apply(key="002-six-key-areas")
        kw = PersonFactory(roles=[Role.PRACTITIONER])
        auditor = PersonFactory(roles=[Role.AUDITOR])
        audit = make_audit(case=CaseFactory(key_worker=kw), auditors=[auditor])
        yield SimpleNamespace(kw=kw, auditor=auditor, audit=audit)


def held(minutes: int | None, short_reason: str = "") -> voices.ConversationDetails:
    return voices.ConversationDetails(outcome=Conversation.Outcome.HELD, minutes=minutes,
                                      with_whom="Key worker", short_reason=short_reason)


def record(w: SimpleNamespace, details: voices.ConversationDetails,
           kind: str = K.LEARNING) -> Conversation:
    return voices.conversation_record(audit=w.audit, actor=w.auditor, kind=kind,
                                      details=details)


def test_a_six_minute_learning_conversation_needs_a_reason_that_names_the_setting(six_areas):
    with pytest.raises(DomainError) as refused:
        record(six_areas, held(6))
    assert refused.value.field == "short_reason"
    assert refused.value.message == f"{RULE} Say why this conversation lasted 6 minutes."
    assert not Conversation.objects.exists()


def test_with_a_reason_it_is_recorded_against_the_minimum_asked_at_the_time(six_areas):
    row = record(six_areas, held(6, "The family arrived in crisis"))
    assert (row.minutes, row.minutes_asked, row.short_reason) == (
        6, 60, "The family arrived in crisis")
    assert row.held_short
    # A later change of the setting does not rewrite what was asked.
    settings = framework_settings_row()
    settings.learning_conversation_minutes = None
    settings.save()
    row.refresh_from_db()
    assert row.held_short and list(voices.conversations_held_short()) == [row]


def test_a_held_learning_conversation_needs_its_length(six_areas):
    with pytest.raises(DomainError) as refused:
        record(six_areas, held(None))
    assert refused.value.field == "minutes"
    assert RULE in refused.value.message


def test_an_hour_or_more_needs_no_reason_and_is_not_counted(six_areas):
    row = record(six_areas, held(60, "ignored: it was not short"))
    assert not row.held_short and row.short_reason == ""
    assert not voices.conversations_held_short().exists()


def test_a_short_booking_is_refused_naming_the_setting(six_areas):
    booking = voices.ConversationDetails(outcome=Conversation.Outcome.BOOKED, minutes=45,
                                         booked_for=NOW)
    with pytest.raises(DomainError) as refused:
        record(six_areas, booking)
    assert refused.value.message == f"{RULE} Book at least 60 minutes."


def test_other_conversations_and_frameworks_without_a_minimum_are_not_measured(six_areas):
    assert not record(six_areas, held(6), kind=K.TEAM_MANAGER).held_short
    settings = framework_settings_row()
    settings.learning_conversation_minutes = None
    settings.save()
    row = record(six_areas, held(6))
    assert row.minutes_asked is None and not row.held_short
    assert not voices.conversations_held_short().exists()


def test_reports_count_conversations_held_short(six_areas):
    record(six_areas, held(6, "Cut short by a duty call"))
    record(six_areas, held(90))
    other = make_audit(auditors=[six_areas.auditor])
    voices.conversation_record(audit=other, actor=six_areas.auditor, kind=K.LEARNING,
                               details=held(30, "The worker was ill"))
    assert voices.conversations_held_short().count() == 2
    assert voices.conversations_held_short(
        Conversation.objects.filter(audit=six_areas.audit)).count() == 1


def test_a_booked_conversation_later_held_short_keeps_its_reason(six_areas):
    booking = voices.ConversationDetails(outcome=Conversation.Outcome.BOOKED, minutes=60,
                                         booked_for=NOW)
    row = record(six_areas, booking)
    assert row.minutes_asked is None
    with pytest.raises(DomainError):
        voices.conversation_update(conversation=row, actor=six_areas.auditor, details=held(20))
    row = voices.conversation_update(conversation=row, actor=six_areas.auditor,
                                     details=held(20, "The key worker was called away"))
    assert row.held_short and row.short_reason == "The key worker was called away"


def test_the_audit_page_flags_it_with_the_setting_and_the_reason(six_areas, client_for):
    record(six_areas, held(6, "The family arrived in crisis"))
    page = client_for(six_areas.auditor).get(
        reverse("audits:audit_detail", args=[six_areas.audit.pk])).content.decode()
    assert ("Learning conversation with the key worker lasted 6 minutes. " + RULE
            + " Reason given: The family arrived in crisis") in page


def test_the_form_asks_for_the_reason_and_says_the_rule(six_areas, client_for):
    client = client_for(six_areas.auditor)
    url = reverse("audits:conversation_new", args=[six_areas.audit.pk, K.LEARNING])
    page = client.get(url).content.decode()
    assert RULE in page and "Why it was shorter than the framework asks" in page
    response = client.post(url, {"outcome": "held", "booked_on": "2026-06-02",
                                 "minutes": "6", "with_whom": "Key worker"})
    assert response.status_code == 400
    assert f"{RULE} Say why this conversation lasted 6 minutes." in response.content.decode()
    response = client.post(url, {"outcome": "held", "booked_on": "2026-06-02", "minutes": "6",
                                 "with_whom": "Key worker",
                                 "short_reason": "The family arrived in crisis"})
    assert response.status_code == 302
    assert Conversation.objects.get().held_short
