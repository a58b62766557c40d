"""Voices: the Perspective of Worker form goes to the key worker when the audit is created and
its answers to the auditors (001 2.13); the learning conversation (booked, at least an hour),
the IRO/CP Chair and team manager conversations and contact with the family (002)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from auditloop.audits import services, voices
from auditloop.audits.models import Audit, Conversation, WorkerPerspective
from auditloop.cases.models import Involvement
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set, preset_apply, tool_version_create
from tests.factories import CaseFactory, InvolvementFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
K = Conversation.Kind
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
PERSPECTIVE_ANSWERS = {
    "perspective__situation": "Mum was isolated after the move",
    "perspective__work_done": "Weekly visits and a parenting course",
    "perspective__child_voice": "Direct work with the child's three houses",
    "perspective__difference": "School attendance is up",
    "perspective__challenges": "Three changes of social worker before me",
}


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def people(**case_kwargs: object) -> SimpleNamespace:
    tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
    auditor = PersonFactory(roles=[Role.AUDITOR])
    case = CaseFactory(key_worker=kw, team_manager=tm, reference="C777001",
                       child_identifier="CH-SECRET-9", **case_kwargs)
    return SimpleNamespace(tm=tm, kw=kw, auditor=auditor, case=case)


@pytest.fixture
def with_perspective(frozen):  # type: ignore[no-untyped-def]
    """Seed 001's framework: the Perspective of Worker form is in use."""
    preset_apply(key="001-early-help-domains")
    w = people()
    w.audit = make_audit(case=w.case, auditors=[w.auditor])
    return w


@pytest.fixture
def six_areas(frozen):  # type: ignore[no-untyped-def]
    """Seed 002's framework: a learning conversation of at least 60 minutes, family contact."""
    preset_apply(key="002-six-key-areas")
    w = people()
    w.audit = make_audit(case=w.case, auditors=[w.auditor])
    return w


# The Perspective of Worker form -----------------------------------------------------------

def test_creating_an_audit_asks_the_key_worker_for_their_perspective(with_perspective):
    w = with_perspective
    perspective = WorkerPerspective.objects.get(audit=w.audit)
    assert perspective.practitioner == w.kw
    assert perspective.tool_version.tool.key == "001-perspective-of-worker"
    assert perspective.tool_version.in_use
    assert perspective.submitted_at is None
    notice = Notification.objects.get(recipient=w.kw)
    assert notice.link == reverse("audits:perspective_edit", args=[w.audit.pk])
    assert "Perspective of Worker" in notice.body
    # Notices carry no child's details: they go by e-mail.
    for secret in (w.case.reference, w.case.child_identifier):
        assert secret not in notice.subject + notice.body


def test_the_framework_can_name_more_people_to_tell_of_the_request(frozen):
    preset_apply(key="001-early-help-domains")
    framework_settings_set(values={"notification_rules": {
        "worker_perspective_requested": ["case_key_worker", "case_team_manager"]}}, actor=None)
    w = people()
    make_audit(case=w.case, auditors=[w.auditor])
    assert set(Notification.objects.values_list("recipient", flat=True)) == {w.kw.pk, w.tm.pk}
    # The form is still the key worker's alone.
    assert WorkerPerspective.objects.get().practitioner == w.kw


def test_no_perspective_is_asked_for_when_the_framework_does_not_use_the_form(frozen):
    preset_apply(key="002-six-key-areas")
    w = people()
    make_audit(case=w.case, auditors=[w.auditor])
    assert not WorkerPerspective.objects.exists()
    assert not Notification.objects.filter(recipient=w.kw).exists()


def test_no_perspective_is_asked_for_a_case_with_no_key_worker(frozen):
    preset_apply(key="001-early-help-domains")
    make_audit(case=CaseFactory(key_worker=None))
    assert not WorkerPerspective.objects.exists()


def test_the_practitioner_saves_then_sends_the_form_and_the_auditors_are_told(
        with_perspective, client_for):
    w = with_perspective
    client: Client = client_for(w.kw)
    url = reverse("audits:perspective_edit", args=[w.audit.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "What challenges have you faced in this case?" in page.content.decode()

    saved = client.post(url, {"perspective__challenges": "Too many changes", "send": "no"})
    assert saved.status_code == 302
    perspective = WorkerPerspective.objects.get()
    assert perspective.submitted_at is None
    assert perspective.answers["perspective.challenges"]["value"] == "Too many changes"
    assert not Notification.objects.filter(recipient=w.auditor).exists()

    sent = client.post(url, {**PERSPECTIVE_ANSWERS, "send": "yes"})
    assert sent.status_code == 302
    perspective.refresh_from_db()
    assert perspective.submitted_at == NOW
    assert perspective.answers["perspective.difference"]["value"] == "School attendance is up"
    # The optional questions may stay empty.
    assert perspective.answers["perspective.support"]["value"] is None
    notice = Notification.objects.get(recipient=w.auditor)
    assert notice.link == reverse("audits:voices", args=[w.audit.pk])
    assert w.case.reference not in notice.subject + notice.body
    # The practitioner now reads what they sent.
    after = client.get(url).content.decode()
    assert "You sent this to the auditors" in after and "School attendance is up" in after


def test_sending_with_questions_left_empty_shows_each_the_govuk_way(with_perspective,
                                                                     client_for):
    w = with_perspective
    url = reverse("audits:perspective_edit", args=[w.audit.pk])
    response = client_for(w.kw).post(url, {"perspective__situation": "Isolated", "send": "yes"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error:" in html
    assert 'href="#id_perspective__challenges"' in html
    assert 'href="#id_perspective__situation"' not in html
    # Each error names its question, in the summary and beside the field.
    assert html.count("before you send the form") == 2 * 4
    assert html.count("Answer “What challenges have you faced in this case” before") == 2
    perspective = WorkerPerspective.objects.get()
    assert perspective.submitted_at is None and perspective.answers == {}


def test_a_sent_form_cannot_be_changed(with_perspective, client_for):
    w = with_perspective
    client = client_for(w.kw)
    url = reverse("audits:perspective_edit", args=[w.audit.pk])
    client.post(url, {**PERSPECTIVE_ANSWERS, "send": "yes"})
    again = client.post(url, {**PERSPECTIVE_ANSWERS, "perspective__challenges": "Changed",
                              "send": "yes"})
    assert again.status_code == 400
    assert "already sent this form" in again.content.decode()
    answers = WorkerPerspective.objects.get().answers
    assert answers["perspective.challenges"]["value"] == "Three changes of social worker before me"


def test_only_the_practitioner_opens_the_form(with_perspective, client_for, role_client):
    w = with_perspective
    url = reverse("audits:perspective_edit", args=[w.audit.pk])
    for person in (w.auditor, w.tm, PersonFactory(roles=[Role.QA_MANAGER])):
        assert client_for(person).get(url).status_code == 404
    with pytest.raises(DomainError, match="practitioner"):
        voices.perspective_save(perspective=WorkerPerspective.objects.get(), actor=w.auditor,
                                answers={}, send=False)


def test_the_form_refuses_other_methods(with_perspective, client_for):
    w = with_perspective
    url = reverse("audits:perspective_edit", args=[w.audit.pk])
    assert client_for(w.kw).put(url).status_code == 405


def test_a_withdrawn_audit_takes_no_perspective(with_perspective):
    w = with_perspective
    services.audit_withdraw(audit=w.audit, actor=w.auditor, reason="Case transferred")
    with pytest.raises(WorkflowError, match="withdrawn"):
        voices.perspective_save(perspective=WorkerPerspective.objects.get(), actor=w.kw,
                                answers={}, send=False)


def test_opening_the_form_is_logged(with_perspective, client_for):
    w = with_perspective
    client_for(w.kw).get(reverse("audits:perspective_edit", args=[w.audit.pk]))
    row = AccessLog.objects.get()
    assert (row.object_type, row.object_id, row.user_id) == ("audit", str(w.audit.pk),
                                                               w.kw.user_id)


CUSTOM_PERSPECTIVE = """
format: 1
key: our-perspective
name: Our practitioner's view
purpose: worker_perspective
completed_by: practitioner
sections:
  - key: view
    title: Your view
    kind: conversation
    questions:
      - key: visits
        text: Were statutory visits on time?
        answer: yes_no
        options: [yes, no, partly]
      - key: why_late
        text: Why were they late?
        answer: text
        applies_when:
          answer: visits
          in: [no, partly]
      - key: support
        text: What support did you have?
        answer: multiple_choice
        choices: [Supervision, Peer support, Training]
      - key: caseload
        text: How many cases did you hold?
        answer: number
        min: 0
        max: 60
      - key: started
        text: When did you start on the case?
        answer: date
      - key: workload
        text: How was your workload?
        answer: rag
"""


def test_the_form_is_built_from_the_tools_questions_of_every_kind(frozen, client_for):
    tool_version_create(text=CUSTOM_PERSPECTIVE, filename="our-perspective.yaml")
    framework_settings_set(values={"tools": ["our-perspective"],
                                   "worker_perspective_form": True}, actor=None)
    w = people()
    audit = make_audit(case=w.case, auditors=[w.auditor])
    url = reverse("audits:perspective_edit", args=[audit.pk])
    client = client_for(w.kw)
    html = client.get(url).content.decode()
    for expected in ('type="radio" value="partly"', 'type="checkbox" value="peer_support"',
                     'name="view__caseload" type="number"', 'name="view__started" type="date"',
                     'type="radio" value="amber"'):
        assert expected in html
    # "Why were they late?" is asked only when the visits were not on time.
    on_time = {"view__visits": "yes", "view__support": ["supervision", "training"],
               "view__caseload": "18", "view__started": "2026-02-01",
               "view__workload": "amber", "send": "yes"}
    assert client.post(url, on_time).status_code == 302
    answers = WorkerPerspective.objects.get().answers
    assert answers["view.support"]["value"] == ["supervision", "training"]
    assert answers["view.caseload"]["value"] == 18
    assert answers["view.started"]["value"] == "2026-02-01"
    # The auditors read the labels, not the stored keys.
    auditor_page = client_for(w.auditor).get(reverse("audits:voices", args=[audit.pk]))
    text = auditor_page.content.decode()
    assert "Supervision, Training" in text and "1 February 2026" in text and "Amber" in text


def test_a_conditional_question_is_required_only_when_it_applies(frozen):
    tool_version_create(text=CUSTOM_PERSPECTIVE, filename="our-perspective.yaml")
    framework_settings_set(values={"tools": ["our-perspective"],
                                   "worker_perspective_form": True}, actor=None)
    w = people()
    make_audit(case=w.case, auditors=[w.auditor])
    perspective = WorkerPerspective.objects.get()
    base = {"view.support": {"value": ["training"]}, "view.caseload": {"value": 3},
            "view.started": {"value": "2026-01-01"}, "view.workload": {"value": "green"}}
    with pytest.raises(voices.PerspectiveIncomplete) as missing:
        voices.perspective_save(perspective=perspective, actor=w.kw, send=True,
                                answers={**base, "view.visits": {"value": "partly"}})
    assert missing.value.fields == ["view.why_late"]
    voices.perspective_save(perspective=perspective, actor=w.kw, send=True,
                            answers={**base, "view.visits": {"value": "yes"}})


# The voices page --------------------------------------------------------------------------

def test_auditors_and_the_qa_team_read_the_perspective_on_the_voices_page(
        with_perspective, client_for, role_client):
    w = with_perspective
    voices.perspective_save(perspective=WorkerPerspective.objects.get(), actor=w.kw, send=True,
                            answers={k.replace("__", "."): {"value": v}
                                     for k, v in PERSPECTIVE_ANSWERS.items()})
    url = reverse("audits:voices", args=[w.audit.pk])
    for client in (client_for(w.auditor), role_client(Role.QA_MANAGER)[0]):
        page = client.get(url)
        assert page.status_code == 200
        assert "Three changes of social worker before me" in page.content.decode()
    assert AccessLog.objects.filter(object_type="audit", object_id=str(w.audit.pk)).count() == 2


def test_the_practice_does_not_read_the_voices_page(with_perspective, client_for):
    w = with_perspective
    url = reverse("audits:voices", args=[w.audit.pk])
    # Before the audit is shared with them, the audit is not theirs to see at all.
    assert client_for(w.kw).get(url).status_code == 404
    finish_audit(w.audit, to=S.DISCUSSED)
    # Once shared, they read the feedback, not the auditors' working notes.
    assert client_for(w.tm).get(reverse("audits:feedback", args=[w.audit.pk])).status_code == 200
    assert client_for(w.tm).get(url).status_code == 403
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).get(url).status_code == 404
    assert client_for(w.auditor).post(url).status_code == 405


def test_the_voices_page_says_what_the_framework_expects(six_areas, client_for):
    w = six_areas
    html = client_for(w.auditor).get(reverse("audits:voices", args=[w.audit.pk])).content.decode()
    assert "booked for at least 60 minutes" in html
    assert "Contact with the family" in html
    assert "Your framework does not use the Perspective of Worker form" in html
    # The IRO conversation is offered only where the case has an IRO.
    assert reverse("audits:conversation_new", args=[w.audit.pk, K.IRO]) not in html
    assert reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING]) in html


def test_the_voices_page_query_count_does_not_grow_with_conversations(
        six_areas, client_for, django_assert_max_num_queries):
    w = six_areas
    client = client_for(w.auditor)
    url = reverse("audits:voices", args=[w.audit.pk])
    details = voices.ConversationDetails(outcome=Conversation.Outcome.HELD, minutes=70)
    voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.LEARNING,
                               details=details)
    with django_assert_max_num_queries(19):
        client.get(url)
    for _ in range(6):
        voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.TEAM_MANAGER,
                                   details=details)
    with django_assert_max_num_queries(19):
        assert client.get(url).status_code == 200


# Conversations (002) ----------------------------------------------------------------------

def booking(**overrides: str) -> dict[str, str]:
    return {"outcome": "booked", "booked_on": "2026-06-10", "booked_at": "14:00",
            "minutes": "60", "with_whom": "Key worker", **overrides}


def test_the_learning_conversation_is_booked_for_at_least_an_hour(six_areas, client_for):
    w = six_areas
    client = client_for(w.auditor)
    url = reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING])
    form = client.get(url).content.decode()
    assert "Set aside at least 60 minutes" in form
    short = client.post(url, booking(minutes="45"))
    assert short.status_code == 400
    assert "Book at least 60 minutes" in short.content.decode()
    assert "<title>Error:" in short.content.decode()
    assert not Conversation.objects.exists()
    assert client.post(url, booking()).status_code == 302
    row = Conversation.objects.get()
    assert (row.kind, row.outcome, row.minutes, row.recorded_by) == (
        K.LEARNING, "booked", 60, w.auditor)
    assert row.booked_for == dt.datetime(2026, 6, 10, 13, 0, tzinfo=dt.UTC)  # 2pm BST


def test_a_booking_needs_a_date(six_areas, client_for):
    w = six_areas
    url = reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING])
    response = client_for(w.auditor).post(url, booking(booked_on=""))
    assert response.status_code == 400
    assert "Enter the date and time the conversation is booked for." in response.content.decode()


def test_without_a_framework_minimum_any_length_is_booked(frozen):
    w = people()
    audit = make_audit(case=w.case, auditors=[w.auditor])
    row = voices.conversation_record(
        audit=audit, actor=w.auditor, kind=K.LEARNING,
        details=voices.ConversationDetails(outcome="booked", booked_for=NOW, minutes=30))
    assert row.minutes == 30


def test_a_booked_conversation_is_later_recorded_as_held(six_areas, client_for):
    w = six_areas
    client = client_for(w.auditor)
    client.post(reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING]), booking())
    row = Conversation.objects.get()
    url = reverse("audits:conversation_edit", args=[w.audit.pk, row.pk])
    assert 'value="2026-06-10"' in client.get(url).content.decode()
    held = booking(outcome="held", minutes="50", notes="Good use of scaling questions")
    # A conversation that happened is recorded as it was, shorter or not, with why it was
    # shorter, and shown as such.
    assert client.post(url, held).status_code == 400
    held["short_reason"] = "The key worker was called to a child protection visit"
    assert client.post(url, held).status_code == 302
    row.refresh_from_db()
    assert (row.outcome, row.minutes, row.notes) == ("held", 50, "Good use of scaling questions")
    page = client.get(reverse("audits:voices", args=[w.audit.pk])).content.decode()
    assert "Shorter than the framework asks" in page


def test_the_iro_conversation_is_recorded_only_where_the_case_has_an_iro(six_areas, client_for):
    w = six_areas
    details = voices.ConversationDetails(outcome="held", with_whom="CP Chair")
    with pytest.raises(DomainError, match="no IRO"):
        voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.IRO, details=details)
    InvolvementFactory(case=w.case, role=Involvement.Role.IRO)
    voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.IRO, details=details)
    page = client_for(w.auditor).get(reverse("audits:voices", args=[w.audit.pk]))
    assert reverse("audits:conversation_new", args=[w.audit.pk, K.IRO]) in page.content.decode()


def test_family_contact_records_a_refusal_with_its_reason_and_language_line(six_areas,
                                                                            client_for):
    w = six_areas
    client = client_for(w.auditor)
    url = reverse("audits:conversation_new", args=[w.audit.pk, K.FAMILY])
    form = client.get(url).content.decode()
    assert "Language Line" in form and 'value="booked"' not in form
    no_reason = client.post(url, {"outcome": "declined", "interpreter_used": "yes"})
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.content.decode()
    done = client.post(url, {"outcome": "declined", "interpreter_used": "yes",
                             "with_whom": "Mother",
                             "reason": "Called twice with Language Line; she declined"})
    assert done.status_code == 302
    row = Conversation.objects.get()
    assert (row.outcome, row.interpreter_used, row.with_whom) == ("declined", True, "Mother")
    with pytest.raises(DomainError, match="what happened"):
        voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.FAMILY,
                                   details=voices.ConversationDetails(outcome="booked"))


def test_could_not_be_reached_needs_a_reason_too(six_areas):
    w = six_areas
    with pytest.raises(DomainError, match="Say why"):
        voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.FAMILY,
                                   details=voices.ConversationDetails(outcome="not_reached"))


def test_only_the_audits_current_auditors_record_conversations(six_areas, client_for,
                                                               role_client):
    w = six_areas
    url = reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING])
    assert role_client(Role.QA_MANAGER)[0].get(url).status_code == 404
    assert client_for(w.kw).get(url).status_code == 404
    services.assignment_end(assignment=w.audit.assignments.get(), actor=None,
                            reason="On long-term leave")
    assert client_for(w.auditor).get(url).status_code == 404
    with pytest.raises(DomainError, match="auditors"):
        voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.TEAM_MANAGER,
                                   details=voices.ConversationDetails(outcome="held"))


def test_conversations_close_when_the_audit_is_submitted(six_areas, client_for):
    w = six_areas
    client = client_for(w.auditor)
    voices.conversation_record(audit=w.audit, actor=w.auditor, kind=K.TEAM_MANAGER,
                               details=voices.ConversationDetails(outcome="held"))
    finish_audit(w.audit)
    url = reverse("audits:conversation_new", args=[w.audit.pk, K.LEARNING])
    response = client.post(url, booking())
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:voices", args=[w.audit.pk])
    assert Conversation.objects.count() == 1
    with pytest.raises(WorkflowError, match="submitted"):
        voices.conversation_update(conversation=Conversation.objects.get(), actor=w.auditor,
                                   details=voices.ConversationDetails(outcome="held"))


def test_conversation_pages_refuse_other_methods_and_unknown_kinds(six_areas, client_for):
    w = six_areas
    client = client_for(w.auditor)
    assert client.put(reverse("audits:conversation_new",
                              args=[w.audit.pk, K.LEARNING])).status_code == 405
    assert client.get(reverse("audits:conversation_new",
                              args=[w.audit.pk, "gossip"])).status_code == 404
    other = make_audit(auditors=[w.auditor])
    row = voices.conversation_record(audit=other, actor=w.auditor, kind=K.TEAM_MANAGER,
                                     details=voices.ConversationDetails(outcome="held"))
    # A conversation is reached only through its own audit.
    assert client.get(reverse("audits:conversation_edit",
                              args=[w.audit.pk, row.pk])).status_code == 404


# Each setting read two ways: the same audit, a different outcome.


@pytest.mark.parametrize("uses_form", [True, False])
def test_worker_perspective_form_decides_whether_the_key_worker_is_asked(frozen, uses_form):
    preset_apply(key="001-early-help-domains")  # the form's tool is among the tools
    framework_settings_set(values={"worker_perspective_form": uses_form}, actor=None)
    w = people()
    make_audit(case=w.case, auditors=[w.auditor])
    assert WorkerPerspective.objects.filter(practitioner=w.kw).exists() is uses_form


@pytest.mark.parametrize(("rule", "whom"), [(["case_key_worker"], {"kw"}),
                                            (["case_key_worker", "case_team_manager"],
                                             {"kw", "tm"})])
def test_the_worker_perspective_requested_rule_names_who_is_told_of_the_request(frozen, rule,
                                                                                whom):
    preset_apply(key="001-early-help-domains")
    framework_settings_set(values={"worker_perspective_form": True, "notification_rules": {
        "worker_perspective_requested": rule}}, actor=None)
    w = people()
    make_audit(case=w.case, auditors=[w.auditor])
    named = {w.kw.pk: "kw", w.tm.pk: "tm"}
    assert {named.get(p) for p in Notification.objects.values_list("recipient", flat=True)} \
        == whom


@pytest.mark.parametrize(("minimum", "booked"), [(None, True), (20, True), (60, False)])
def test_learning_conversation_minutes_sets_the_shortest_booking(frozen, minimum, booked):
    framework_settings_set(values={"learning_conversation_minutes": minimum}, actor=None)
    w = people()
    audit = make_audit(case=w.case, auditors=[w.auditor])
    details = voices.ConversationDetails(outcome="booked", booked_for=NOW, minutes=30)
    if booked:
        assert voices.conversation_record(audit=audit, actor=w.auditor, kind=K.LEARNING,
                                          details=details).minutes == 30
    else:
        with pytest.raises((DomainError, WorkflowError), match="60"):
            voices.conversation_record(audit=audit, actor=w.auditor, kind=K.LEARNING,
                                       details=details)
