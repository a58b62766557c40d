"""Feedback and disagreement: the QA team sends the finished audit to the practice; the
practitioner and team manager reply with comments and SMART actions (003) and the team
manager confirms them; either may disagree, and the framework's route settles it (001 2.18:
the head of service for QA; 002: the moderation panel; or both). Feedback also goes to
earlier practitioners whose work stands out (001 2.15)."""

from __future__ import annotations

import datetime as dt
import re
import threading
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from auditloop.actions.models import Action
from auditloop.audits import services, voices
from auditloop.audits.models import (
    Audit,
    AuditAction,
    AuditTransition,
    Disagreement,
    EarlierPracticeFeedback,
    FeedbackReply,
)
from auditloop.cases.models import Involvement
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.standards.services import framework_settings_set, preset_apply
from tests.factories import CaseFactory, InvolvementFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
D = Disagreement.Outcome
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
# Two threads with their own connections on PostgreSQL; SQLite (no row locks, and a flush
# the tool-version triggers refuse) runs the same writes one after the other.
ON_POSTGRES = connection.vendor == "postgresql"
TODAY = dt.date(2026, 6, 3)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def world(preset: str) -> SimpleNamespace:
    preset_apply(key=preset)
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
    auditor = PersonFactory(roles=[Role.AUDITOR])
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    head = PersonFactory(roles=[Role.HEAD_OF_QA])
    moderator = PersonFactory(roles=[Role.MODERATOR])
    psw = PersonFactory(roles=[Role.PRINCIPAL_SOCIAL_WORKER])
    case = CaseFactory(key_worker=kw, team_manager=tm, reference="C555001",
                       child_identifier="CH-SECRET-5")
    audit = make_audit(case=case, auditors=[auditor])
    Notification.objects.all().delete()
    return SimpleNamespace(sm=sm, tm=tm, kw=kw, auditor=auditor, qa=qa, head=head,
                           moderator=moderator, psw=psw, case=case, audit=audit)


@pytest.fixture
def early_help(frozen):  # type: ignore[no-untyped-def]
    """001: feedback after the QA meeting; the head of service for QA settles disputes."""
    return world("001-early-help-domains")


@pytest.fixture
def six_areas(frozen):  # type: ignore[no-untyped-def]
    """002: the practice sees the audit on submit; disputes go to the moderation panel;
    actions within 40 days, signed off by the case's team manager."""
    return world("002-six-key-areas")


def told(person) -> list[Notification]:  # type: ignore[no-untyped-def]
    return list(Notification.objects.filter(recipient=person))


# Sending feedback -------------------------------------------------------------------------

def test_the_qa_team_sends_feedback_and_the_practice_is_told(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    response = client_for(w.qa).post(reverse("audits:feedback_send", args=[w.audit.pk]))
    assert response.status_code == 302
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT
    moved = AuditTransition.objects.filter(audit=w.audit).last()
    assert (moved.actor, moved.from_status, moved.to_status) == (w.qa, S.SUBMITTED,
                                                                 S.FEEDBACK_SENT)
    for person in (w.kw, w.tm):
        (notice,) = told(person)
        # It leads to the findings, the part of the page the notice is about.
        assert notice.link == reverse("audits:feedback", args=[w.audit.pk]) + "#findings"
        assert w.case.reference not in notice.subject + notice.body


def test_after_the_qa_meeting_frameworks_send_feedback_only_once_discussed(early_help,
                                                                         client_for):
    w = early_help
    finish_audit(w.audit)
    url = reverse("audits:feedback_send", args=[w.audit.pk])
    refused = client_for(w.qa).post(url)
    assert refused.status_code == 400
    assert "discussed at the QA meeting" in refused.content.decode()
    assert "<title>Error:" in refused.content.decode()
    w.audit.refresh_from_db()
    assert w.audit.status == S.SUBMITTED
    services.transition(audit=w.audit, actor=w.qa, to=S.DISCUSSED)
    assert client_for(w.qa).post(url).status_code == 302


def test_only_the_qa_team_sends_feedback(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    url = reverse("audits:feedback_send", args=[w.audit.pk])
    # The auditor and the team manager see the audit but do not send its feedback.
    assert client_for(w.auditor).post(url).status_code == 403
    assert client_for(w.tm).post(url).status_code == 403
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).post(url).status_code == 404
    assert client_for(w.qa).get(url).status_code == 405
    w.audit.refresh_from_db()
    assert w.audit.status == S.SUBMITTED


def test_feedback_is_sent_once(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    again = client_for(w.qa).post(reverse("audits:feedback_send", args=[w.audit.pk]))
    assert again.status_code == 400
    assert "only once" in again.content.decode()


def test_the_practice_sees_the_audit_when_the_framework_says(early_help, client_for):
    w = early_help
    url = reverse("audits:feedback", args=[w.audit.pk])
    finish_audit(w.audit)
    # 001: after the QA meeting.
    assert client_for(w.kw).get(url).status_code == 404
    services.transition(audit=w.audit, actor=w.qa, to=S.DISCUSSED)
    page = client_for(w.kw).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Good" in html and "The plan is clear and reviewed with the family" in html
    assert "Your reply" in html
    assert client_for(PersonFactory(roles=[Role.TEAM_MANAGER])).get(url).status_code == 404
    assert client_for(w.kw).post(url).status_code == 405
    assert AccessLog.objects.filter(object_id=str(w.audit.pk), user=w.kw.user,
                                    action=AccessLog.Action.VIEW).count() == 1


def test_the_feedback_page_query_count_does_not_grow_with_replies_and_actions(
        six_areas, client_for, django_assert_max_num_queries):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    client = client_for(w.tm)
    url = reverse("audits:feedback", args=[w.audit.pk])
    proposal = voices.ProposedAction(**{**action_data(), "due_on": dt.date(2026, 7, 1)})

    def add_some() -> None:
        voices.reply_create(audit=w.audit, actor=w.kw, comments="Noted", agrees=True)
        voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=proposal)

    add_some()
    # 24: one of them asks moderation whether the reader is grading this audit blind, one
    # reads the areas' grades changed by a settled disagreement. 25 with the session's own
    # row (people.UserSession). 26 with the register's answer to whether the reader may open
    # the case, so the page links to it only where that link works.
    with django_assert_max_num_queries(26):
        assert client.get(url).status_code == 200
    for _ in range(5):
        add_some()
    with django_assert_max_num_queries(26):
        assert client.get(url).content.decode().count("Update the chronology") == 6


def test_the_feedback_page_waits_for_the_audit_to_be_submitted(six_areas, client_for):
    w = six_areas
    page = client_for(w.auditor).get(reverse("audits:feedback", args=[w.audit.pk]))
    assert page.status_code == 200
    assert "Feedback opens once the audit is submitted." in page.content.decode()


# Replies and actions ----------------------------------------------------------------------

def test_the_key_worker_and_team_manager_reply_with_comments(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    url = reverse("audits:reply_new", args=[w.audit.pk])
    for person, words in ((w.kw, "I will update the chronology"),
                          (w.tm, "Agreed, we will review in supervision")):
        assert client_for(person).post(url, {"agrees": "yes", "comments": words}
                                       ).status_code == 302
    replies = list(FeedbackReply.objects.order_by("id").values_list("person", "agrees"))
    assert replies == [(w.kw.pk, True), (w.tm.pk, True)]
    assert not Disagreement.objects.exists()
    page = client_for(w.qa).get(reverse("audits:feedback", args=[w.audit.pk]))
    assert "I will update the chronology" in page.content.decode()


def test_a_reply_needs_comments_shown_the_govuk_way(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    response = client_for(w.kw).post(reverse("audits:reply_new", args=[w.audit.pk]),
                                     {"agrees": "yes"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<title>Error:" in html and 'href="#id_comments"' in html
    assert not FeedbackReply.objects.exists()


def test_only_the_case_holders_reply(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    url = reverse("audits:reply_new", args=[w.audit.pk])
    data = {"agrees": "yes", "comments": "Fine"}
    # The service manager may read the audit of their team's case, but does not reply.
    assert client_for(w.sm).post(url, data).status_code == 403
    assert client_for(w.qa).post(url, data).status_code == 403
    assert client_for(w.kw).get(url).status_code == 405
    with pytest.raises(DomainError, match="key worker and team manager"):
        voices.reply_create(audit=w.audit, actor=w.sm, comments="Fine", agrees=True)


def test_a_closed_audit_takes_no_replies(six_areas):
    w = six_areas
    finish_audit(w.audit, to=S.CLOSED)
    with pytest.raises(WorkflowError, match="closed"):
        voices.reply_create(audit=w.audit, actor=w.kw, comments="Late thoughts", agrees=True)


def action_data(**overrides: str) -> dict[str, str]:
    return {"issue": "Chronology out of date", "action": "Update the chronology",
            "by_whom": "Key worker", "due_on": "2026-07-01",
            "desired_outcome": "A chronology that tells the child's story",
            "success_measure": "Chronology checked in supervision", **overrides}


def test_the_practice_proposes_smart_actions_linked_to_the_audit(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    url = reverse("audits:reply_action_new", args=[w.audit.pk])
    assert client_for(w.kw).get(url).status_code == 200
    assert client_for(w.kw).post(url, action_data()).status_code == 302
    link = AuditAction.objects.get(audit=w.audit)
    assert link.source == AuditAction.Source.REPLY
    action = link.action
    # Owned by the key worker; 002: "signing off by the allocated Team Manager".
    assert action.owner == w.kw and action.sign_off_person == w.tm
    assert action.sign_off_role == Role.TEAM_MANAGER and action.created_by == w.kw
    assert action.status == Action.Status.RED


def test_actions_are_due_within_the_frameworks_deadline(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    url = reverse("audits:reply_action_new", args=[w.audit.pk])
    # 002: 40 days at most from 3 June 2026 is 13 July 2026.
    late = client_for(w.tm).post(url, action_data(due_on="2026-07-14"))
    assert late.status_code == 400
    assert "within 40 days" in late.content.decode() and "13 July 2026" in late.content.decode()
    past = client_for(w.tm).post(url, action_data(due_on="2026-06-02"))
    assert past.status_code == 400
    assert client_for(w.tm).post(url, action_data(due_on="2026-07-13")).status_code == 302


def test_every_smart_part_is_needed(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    response = client_for(w.kw).post(reverse("audits:reply_action_new", args=[w.audit.pk]),
                                     action_data(success_measure=""))
    assert response.status_code == 400
    assert "Say how you will know the plan has worked." in response.content.decode()
    assert not Action.objects.exists()


def test_only_the_case_holders_propose_actions(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    url = reverse("audits:reply_action_new", args=[w.audit.pk])
    assert client_for(w.auditor).get(url).status_code == 403
    assert client_for(PersonFactory(roles=[Role.PRACTITIONER])).get(url).status_code == 404
    assert client_for(w.kw).put(url).status_code == 405


def test_the_team_manager_confirms_the_actions_agreed(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    client_for(w.kw).post(reverse("audits:reply_action_new", args=[w.audit.pk]), action_data())
    url = reverse("audits:actions_agree", args=[w.audit.pk])
    assert client_for(w.kw).post(url).status_code == 403
    assert client_for(w.tm).get(url).status_code == 405
    assert client_for(w.tm).post(url).status_code == 302
    w.audit.refresh_from_db()
    assert w.audit.status == S.ACTIONS_AGREED
    last = AuditTransition.objects.filter(audit=w.audit).last()
    assert last.actor == w.tm and last.reason == "The team manager confirmed 1 action"
    with pytest.raises(WorkflowError, match="already agreed"):
        voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=voices.ProposedAction(
            **{**action_data(), "due_on": dt.date(2026, 7, 1)}))


def test_actions_are_confirmed_only_after_feedback_is_sent(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    response = client_for(w.tm).post(reverse("audits:actions_agree", args=[w.audit.pk]))
    assert response.status_code == 400
    assert "Confirm the actions once the QA team has sent the audit&#39;s feedback" in \
        response.content.decode()
    w.audit.refresh_from_db()
    assert w.audit.status == S.SUBMITTED


# Disagreement -----------------------------------------------------------------------------

def test_disagreeing_goes_to_the_head_of_service_for_qa(early_help, client_for):
    w = early_help
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    response = client_for(w.tm).post(reverse("audits:reply_new", args=[w.audit.pk]), {
        "agrees": "no", "comments": "The plan was reviewed at the TAF in May"})
    assert response.status_code == 302
    d = Disagreement.objects.get()
    assert (d.raised_by, d.settled_by_route, d.outcome) == (w.tm, "head_of_qa", D.OPEN)
    assert d.reason == "The plan was reviewed at the TAF in May"
    (notice,) = told(w.head)
    assert notice.link == reverse("audits:disagreement_settle", args=[d.pk])
    assert not told(w.moderator)
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT
    # A second, while the first is open, is refused; so is confirming the actions.
    with pytest.raises(WorkflowError, match="already waiting"):
        voices.disagreement_raise(audit=w.audit, actor=w.kw, reason="Me too")
    with pytest.raises(WorkflowError, match="once the disagreement is settled"):
        voices.actions_agree(audit=w.audit, actor=w.tm)


def test_the_head_of_service_for_qa_changes_the_grade_and_everyone_is_told(early_help,
                                                                          client_for):
    w = early_help
    finish_audit(w.audit, to=S.FEEDBACK_SENT, grade="requires_improvement")
    d = voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="It was good practice")
    Notification.objects.all().delete()
    url = reverse("audits:disagreement_settle", args=[d.pk])
    page = client_for(w.head).get(url)
    assert page.status_code == 200 and "It was good practice" in page.content.decode()
    no_note = client_for(w.head).post(url, {"outcome": "changed", "final_grade": "good"})
    assert no_note.status_code == 400
    assert "Say what changes" in no_note.content.decode()
    done = client_for(w.head).post(url, {"outcome": "changed", "final_grade": "good",
                                         "note": "The TAF minutes show the review"})
    assert done.status_code == 302
    d.refresh_from_db()
    w.audit.refresh_from_db()
    assert (d.outcome, d.settled_by, d.settled_at) == (D.CHANGED, w.head, NOW)
    assert d.outcome_note == ("Final grade changed from Requires improvement to be good to "
                              "Good. The TAF minutes show the review")
    assert w.audit.final_grade == "good" and w.audit.overall_grade == "requires_improvement"
    for person in (w.tm, w.kw, w.auditor):
        assert [n.subject for n in told(person)] == [
            "A disagreement about an audit has been settled"]
    # Settled once: a second decision is refused.
    again = client_for(w.head).post(url, {"outcome": "upheld"})
    assert again.status_code == 400
    assert "already been settled" in again.content.decode()


def test_findings_that_stand_keep_their_grade(early_help):
    w = early_help
    finish_audit(w.audit, to=S.FEEDBACK_SENT, grade="requires_improvement")
    d = voices.disagreement_raise(audit=w.audit, actor=w.kw, reason="Unfair")
    with pytest.raises(DomainError, match="Leave the grade"):
        voices.disagreement_settle(disagreement=d, actor=w.head, outcome=D.UPHELD, note="",
                                   final_grade="good")
    with pytest.raises(DomainError, match="scale"):
        voices.disagreement_settle(disagreement=d, actor=w.head, outcome=D.CHANGED,
                                   note="Better", final_grade="brilliant")
    voices.disagreement_settle(disagreement=d, actor=w.head, outcome=D.UPHELD, note="")
    w.audit.refresh_from_db()
    assert w.audit.final_grade == "requires_improvement"


def test_who_may_settle_on_the_head_of_qa_route(early_help, client_for):
    w = early_help
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    d = voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="Unfair")
    url = reverse("audits:disagreement_settle", args=[d.pk])
    # The assistant director settles disagreements too; a moderator does not on this route.
    assert client_for(PersonFactory(roles=[Role.ASSISTANT_DIRECTOR])).get(url).status_code == 200
    assert client_for(w.qa).get(url).status_code == 403
    assert client_for(w.moderator).get(url).status_code == 404
    assert client_for(w.tm).get(url).status_code == 403
    assert client_for(w.head).put(url).status_code == 405
    # Nobody settles a disagreement about their own audit.
    head_auditor = PersonFactory(roles=[Role.HEAD_OF_QA])
    audit = make_audit(case=w.case, auditors=[head_auditor])
    finish_audit(audit, to=S.FEEDBACK_SENT)
    own = voices.disagreement_raise(audit=audit, actor=w.kw, reason="Unfair")
    with pytest.raises(DomainError, match="cannot settle"):
        voices.disagreement_settle(disagreement=own, actor=head_auditor, outcome=D.UPHELD,
                                   note="")


def test_disagreeing_sends_the_audit_to_the_moderation_panel(six_areas, client_for):
    w = six_areas
    finish_audit(w.audit)
    client_for(w.kw).post(reverse("audits:reply_new", args=[w.audit.pk]), {
        "agrees": "no", "comments": "The direct work is on the file"})
    d = Disagreement.objects.get()
    assert d.settled_by_route == "moderation_panel"
    w.audit.refresh_from_db()
    assert w.audit.status == S.IN_MODERATION
    moved = AuditTransition.objects.filter(audit=w.audit).last()
    assert (moved.actor, moved.reason) == (w.kw, "Disagreement with the findings")
    # 002's panel: the assistant director, the principal social worker, the QA manager and
    # the service manager of the Safeguarding and Review Unit (not the case's), and whoever
    # holds the moderator role, as in the moderation app.
    assert told(w.psw) and told(w.qa) and told(w.moderator)
    assert not told(w.head) and not told(w.sm)
    # A panel member settles; the audit leaves moderation and its feedback goes out again.
    url = reverse("audits:disagreement_settle", args=[d.pk])
    # The auditor sees their audit, but does not settle a dispute about it.
    assert client_for(w.auditor).get(url).status_code == 403
    assert client_for(w.psw).post(url, {"outcome": "upheld", "note": "Grade stands"}
                                  ).status_code == 302
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT


def test_both_routes_go_to_the_head_of_qa_then_the_panel(six_areas):
    w = six_areas
    framework_settings_set(values={"disagreement_settled_by": "both"}, actor=None)
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    first = voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="Unfair")
    assert first.settled_by_route == "head_of_qa"
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT
    with pytest.raises(DomainError, match="cannot settle"):
        voices.disagreement_settle(disagreement=first, actor=w.moderator, outcome=D.UPHELD,
                                   note="")
    voices.disagreement_settle(disagreement=first, actor=w.head, outcome=D.UPHELD,
                               note="The grade fits the evidence")
    second = Disagreement.objects.exclude(pk=first.pk).get()
    assert (second.settled_by_route, second.outcome, second.raised_by) == (
        "moderation_panel", D.OPEN, w.tm)
    assert "The grade fits the evidence" in second.reason
    w.audit.refresh_from_db()
    assert w.audit.status == S.IN_MODERATION
    assert any(n.link == reverse("audits:disagreement_settle", args=[second.pk])
               for n in told(w.psw))
    # Anyone who moderates may sit on the panel's decision.
    voices.disagreement_settle(disagreement=second, actor=w.moderator, outcome=D.UPHELD,
                               note="")
    w.audit.refresh_from_db()
    assert w.audit.status == S.FEEDBACK_SENT
    assert list(Disagreement.objects.values_list("outcome", flat=True)) == [D.UPHELD, D.UPHELD]


@pytest.mark.django_db(transaction=ON_POSTGRES)
def test_two_people_disagreeing_at_once_make_one_disagreement(frozen):
    w = world("001-early-help-domains")
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    outcomes: list[str] = []

    def attempt(person) -> None:  # type: ignore[no-untyped-def]
        try:
            voices.disagreement_raise(audit=w.audit, actor=person, reason="Unfair")
            outcomes.append("raised")
        except WorkflowError:
            outcomes.append("refused")
        finally:
            if threading.current_thread() is not threading.main_thread():
                connection.close()

    if ON_POSTGRES:
        threads = [threading.Thread(target=attempt, args=(p,)) for p in (w.kw, w.tm)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    else:
        for person in (w.kw, w.tm):
            attempt(person)
    assert sorted(outcomes) == ["raised", "refused"]
    assert Disagreement.objects.filter(audit=w.audit).count() == 1


def test_there_is_nothing_to_disagree_with_before_the_audit_is_shared(six_areas):
    w = six_areas
    with pytest.raises(WorkflowError):
        voices.disagreement_raise(audit=w.audit, actor=w.kw, reason="Pre-emptive")


def test_the_disagreement_list_shows_those_on_your_route(six_areas, client_for,
                                                         django_assert_max_num_queries):
    w = six_areas
    url = reverse("audits:disagreement_list")

    def dispute() -> Disagreement:
        audit = make_audit(case=w.case)
        finish_audit(audit)
        return voices.disagreement_raise(audit=audit, actor=w.kw, reason="Unfair")

    def listed(client) -> int:  # type: ignore[no-untyped-def]
        return len(re.findall(r'href="/audits/disagreements/\d+/"',
                              client.get(url).content.decode()))

    panel = [dispute() for _ in range(2)]
    client = client_for(w.moderator)
    # 10: 8, with the access log's insert for the audits listed and the session's own row
    # (people.UserSession).
    with django_assert_max_num_queries(10):
        assert client.get(url).status_code == 200
    panel += [dispute() for _ in range(5)]
    with django_assert_max_num_queries(10):
        assert listed(client) == 7
    framework_settings_set(values={"disagreement_settled_by": "head_of_qa"}, actor=None)
    dispute()
    # The moderator settles the panel's route only; the head of service for QA settles both.
    assert listed(client) == 7
    assert listed(client_for(w.head)) == 8
    voices.disagreement_settle(disagreement=panel[0], actor=w.head, outcome=D.UPHELD, note="")
    assert listed(client) == 6
    assert client_for(w.tm).get(url).status_code == 403
    assert client.post(url).status_code == 405


# Earlier practitioners (001 2.15) ---------------------------------------------------------

@pytest.fixture
def handed_over(early_help):  # type: ignore[no-untyped-def]
    w = early_help
    w.earlier = PersonFactory(roles=[Role.PRACTITIONER])
    w.earlier_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    InvolvementFactory(case=w.case, person=w.earlier, role=Involvement.Role.KEY_WORKER,
                       started_on=dt.date(2025, 9, 1), ended_on=dt.date(2026, 1, 31))
    InvolvementFactory(case=w.case, person=w.earlier_tm, role=Involvement.Role.TEAM_MANAGER,
                       started_on=dt.date(2025, 6, 1), ended_on=dt.date(2026, 2, 28))
    return w


def test_the_auditor_feeds_back_to_an_earlier_key_worker_and_their_manager(handed_over,
                                                                           client_for):
    w = handed_over
    url = reverse("audits:earlier_feedback_new", args=[w.audit.pk])
    form = client_for(w.auditor).get(url).content.decode()
    assert w.earlier.full_name in form and w.earlier_tm.full_name in form
    response = client_for(w.auditor).post(url, {
        "practitioner": str(w.earlier.pk), "stands_out": "strengths",
        "message": "Your genogram and chronology bring the child alive"})
    assert response.status_code == 302
    row = EarlierPracticeFeedback.objects.get()
    assert (row.practitioner, row.manager, row.sent_by) == (w.earlier, w.earlier_tm, w.auditor)
    detail = reverse("audits:earlier_feedback_detail", args=[row.pk])
    for person in (w.earlier, w.earlier_tm):
        (notice,) = told(person)
        assert notice.link == detail
        assert "genogram" not in notice.body and w.case.reference not in notice.body
        page = client_for(person).get(detail)
        assert page.status_code == 200
        assert "Your genogram and chronology bring the child alive" in page.content.decode()
    assert client_for(w.kw).get(detail).status_code == 404
    assert client_for(w.qa).get(detail).status_code == 200
    assert client_for(w.earlier).post(detail).status_code == 405
    assert AccessLog.objects.filter(user=w.earlier.user, object_id=str(w.audit.pk)).exists()


def test_earlier_feedback_goes_only_to_someone_who_held_the_case(handed_over):
    w = handed_over
    with pytest.raises(DomainError, match="held the case before"):
        voices.earlier_practice_feedback_send(audit=w.audit, actor=w.auditor,
                                              practitioner=w.kw, stands_out="concern",
                                              message="Hmm")
    with pytest.raises(DomainError, match="auditors"):
        voices.earlier_practice_feedback_send(audit=w.audit, actor=w.qa,
                                              practitioner=w.earlier, stands_out="concern",
                                              message="Hmm")


def test_earlier_feedback_is_sent_only_where_the_framework_says(handed_over, client_for):
    w = handed_over
    framework_settings_set(values={"feedback_to_previous_practitioner": False}, actor=None)
    url = reverse("audits:earlier_feedback_new", args=[w.audit.pk])
    response = client_for(w.auditor).post(url, {"practitioner": str(w.earlier.pk),
                                                "stands_out": "concern", "message": "Hmm"})
    assert response.status_code == 302
    assert not EarlierPracticeFeedback.objects.exists()
    with pytest.raises(WorkflowError, match="does not send"):
        voices.earlier_practice_feedback_send(audit=w.audit, actor=w.auditor,
                                              practitioner=w.earlier, stands_out="concern",
                                              message="Hmm")


def test_only_the_audits_auditors_open_the_earlier_feedback_form(handed_over, client_for):
    w = handed_over
    url = reverse("audits:earlier_feedback_new", args=[w.audit.pk])
    assert client_for(w.qa).get(url).status_code == 404
    assert client_for(w.earlier).get(url).status_code == 404
    assert client_for(w.auditor).put(url).status_code == 405
    missing = client_for(w.auditor).post(url, {"practitioner": str(w.earlier.pk)})
    assert missing.status_code == 400 and "Write your feedback." in missing.content.decode()


def test_the_earlier_key_workers_manager_falls_back_to_their_line_manager(early_help):
    w = early_help
    manager = PersonFactory(roles=[Role.TEAM_MANAGER])
    earlier = PersonFactory(roles=[Role.PRACTITIONER], line_manager=manager)
    InvolvementFactory(case=w.case, person=earlier, role=Involvement.Role.KEY_WORKER,
                       started_on=dt.date(2025, 1, 1), ended_on=dt.date(2025, 5, 1))
    (found,) = voices.earlier_key_workers(w.audit)
    assert (found.person, found.manager) == (earlier, manager)


# Each setting read two or three ways (one value a run): the same audit, a different outcome.


@pytest.mark.parametrize(("route", "first", "status"), [
    ("head_of_qa", "head_of_qa", S.FEEDBACK_SENT),
    ("moderation_panel", "moderation_panel", S.IN_MODERATION),
    ("both", "head_of_qa", S.FEEDBACK_SENT),
])
def test_disagreement_settled_by_sets_the_route_a_disagreement_takes(six_areas, route, first,
                                                                     status):
    w = six_areas
    framework_settings_set(values={"disagreement_settled_by": route}, actor=None)
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    raised = voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="Unfair")
    w.audit.refresh_from_db()
    assert (raised.settled_by_route, w.audit.status) == (first, status)


@pytest.mark.parametrize(("rule", "whom"), [(["qa_manager"], "qa"),
                                            (["case_service_manager"], "sm")])
def test_the_disagreement_rule_names_who_is_told_of_a_disagreement(six_areas, rule, whom):
    w = six_areas
    framework_settings_set(values={"disagreement_settled_by": "head_of_qa",
                                   "notification_rules": {"disagreement": rule}}, actor=None)
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    Notification.objects.all().delete()
    voices.disagreement_raise(audit=w.audit, actor=w.tm, reason="Unfair")
    named = {w.qa.pk: "qa", w.sm.pk: "sm"}
    assert {named.get(n.recipient_id) for n in Notification.objects.all()} - {None} == {whom}


@pytest.mark.parametrize(("asked", "words"), [
    (True, "You are asked to reply with your comments and actions."),
    (False, "You can reply with your comments and any actions."),
])
def test_practitioner_replies_to_feedback_decides_whether_a_reply_is_asked_for(
        six_areas, client_for, asked, words):
    w = six_areas
    framework_settings_set(values={"practitioner_replies_to_feedback": asked}, actor=None)
    finish_audit(w.audit)
    Notification.objects.all().delete()
    voices.feedback_send(audit=w.audit, actor=w.qa)
    assert all(words in n.body for n in told(w.kw)) and told(w.kw)
    page = client_for(w.kw).get(reverse("audits:feedback", args=[w.audit.pk])).content.decode()
    assert ("You are asked to reply with your comments and actions." in page) is asked


@pytest.mark.parametrize("sends", [True, False])
def test_feedback_to_previous_practitioner_decides_whether_earlier_feedback_is_sent(
        handed_over, sends):
    w = handed_over
    framework_settings_set(values={"feedback_to_previous_practitioner": sends}, actor=None)
    if sends:
        voices.earlier_practice_feedback_send(audit=w.audit, actor=w.auditor,
                                              practitioner=w.earlier, stands_out="concern",
                                              message="Hmm")
        assert EarlierPracticeFeedback.objects.count() == 1
    else:
        with pytest.raises(WorkflowError, match="does not send"):
            voices.earlier_practice_feedback_send(audit=w.audit, actor=w.auditor,
                                                  practitioner=w.earlier,
                                                  stands_out="concern", message="Hmm")
        assert not EarlierPracticeFeedback.objects.exists()
