"""Audits where the people they are about look for them: the case page lists the case's
audits; a practitioner's "Audits of my cases" and a team manager's "My team's audits" show
what waits for each (the reply, agreeing and confirming the actions, doing and signing them
off) with its due day; the home page says so; blinding holds on every list."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from auditloop.actions.services import action_submit_for_sign_off
from auditloop.audits import blinding, concerns, my_audits, voices
from auditloop.audits.models import Audit, ImmediateConcern
from auditloop.cases.models import Involvement
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, InvolvementFactory, PersonFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
K = my_audits.StepKind
NOW = dt.datetime(2026, 6, 3, 9, 0, tzinfo=dt.UTC)
# 002: actions completed within 40 days of being agreed; the reply within the same window.
RESPOND_BY = dt.date(2026, 7, 13)


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    """002: the practice sees an audit on submit; actions signed off by the case's TM."""
    with time_machine.travel(NOW, tick=False):
        preset_apply(key="002-six-key-areas")
        sm = PersonFactory(roles=[Role.SERVICE_MANAGER])
        tm = PersonFactory(roles=[Role.TEAM_MANAGER], line_manager=sm)
        kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm)
        auditor = PersonFactory(roles=[Role.AUDITOR])
        qa = PersonFactory(roles=[Role.QA_MANAGER])
        case = CaseFactory(key_worker=kw, team_manager=tm, reference="NM123")
        audit = make_audit(case=case, auditors=[auditor])
        yield SimpleNamespace(sm=sm, tm=tm, kw=kw, auditor=auditor, qa=qa, case=case,
                              audit=audit)


def rows_for(person, team: bool = False) -> list[my_audits.AuditRow]:  # type: ignore[no-untyped-def]
    user = person.user
    return my_audits.audits_of_my_team(user) if team else my_audits.audits_of_my_cases(user)


def steps(person, audit: Audit, team: bool = False) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    row = next(r for r in rows_for(person, team) if r.audit.pk == audit.pk)
    return [(s.kind, s.blocked) for s in row.steps]


def proposal() -> voices.ProposedAction:
    return voices.ProposedAction(
        issue="Chronology out of date", action="Update the chronology", by_whom="Key worker",
        due_on=dt.date(2026, 7, 1), desired_outcome="A chronology that tells the story",
        success_measure="Checked in supervision")


# Who sees what -----------------------------------------------------------------------------

def test_a_practitioner_sees_only_audits_of_cases_they_hold_or_worked_on(w):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    worked_on = CaseFactory(key_worker=PersonFactory(), reference="NM200")
    InvolvementFactory(case=worked_on, person=w.kw, role=Involvement.Role.KEY_WORKER,
                       started_on=dt.date(2025, 1, 1), ended_on=dt.date(2025, 6, 1))
    earlier = finish_audit(make_audit(case=worked_on), to=S.CLOSED)
    elsewhere = finish_audit(make_audit(case=CaseFactory(reference="NM300")), to=S.FEEDBACK_SENT)
    # Not yet submitted: nothing the practice may open yet.
    under_way = make_audit(case=CaseFactory(key_worker=w.kw, reference="NM400"))
    listed = {r.audit.pk for r in rows_for(w.kw)}
    assert listed == {w.audit.pk, earlier.pk}
    assert elsewhere.pk not in listed and under_way.pk not in listed


def test_the_framework_decides_when_the_practice_sees_an_audit(w):  # type: ignore[no-untyped-def]
    preset_apply(key="001-early-help-domains")  # 001: after the QA meeting
    finish_audit(w.audit)
    assert rows_for(w.kw) == []
    assert rows_for(w.tm, team=True) == []


def test_a_team_manager_sees_only_their_teams_audits(w):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    deeper = PersonFactory(roles=[Role.PRACTITIONER], line_manager=w.kw)
    below = finish_audit(make_audit(case=CaseFactory(key_worker=deeper)), to=S.CLOSED)
    other_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    other = finish_audit(make_audit(case=CaseFactory(
        key_worker=PersonFactory(line_manager=other_tm), team_manager=other_tm)),
        to=S.FEEDBACK_SENT)
    assert {r.audit.pk for r in rows_for(w.tm, team=True)} == {w.audit.pk, below.pk}
    assert [r.audit.pk for r in rows_for(other_tm, team=True)] == [other.pk]


# What waits for whom, step by step --------------------------------------------------------

def test_each_step_waits_for_the_right_person_until_it_is_done(w):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT, actor=w.qa)
    # Feedback sent: the key worker replies, by 40 days after it was sent (002).
    (row,) = rows_for(w.kw)
    assert [(s.kind, s.due_on) for s in row.steps] == [(K.REPLY, RESPOND_BY)]
    assert row.steps[0].href == reverse("audits:feedback", args=[w.audit.pk]) + "#reply"
    assert row.grade == "Good"
    # The team manager confirms the actions (nothing to confirm yet, but it is theirs).
    assert steps(w.tm, w.audit, team=True) == [(K.CONFIRM_ACTIONS, "")]
    voices.reply_create(audit=w.audit, actor=w.kw, comments="Noted", agrees=True)
    assert steps(w.kw, w.audit) == [(K.AGREE_ACTIONS, "")]
    voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=proposal())
    assert steps(w.kw, w.audit) == []
    assert steps(w.tm, w.audit, team=True) == [(K.CONFIRM_ACTIONS, "")]
    voices.actions_agree(audit=w.audit, actor=w.tm)
    # Agreed: the key worker does the action, then the team manager signs it off.
    (row,) = rows_for(w.kw)
    assert [(s.kind, s.due_on) for s in row.steps] == [(K.DO_ACTION, dt.date(2026, 7, 1))]
    assert steps(w.tm, w.audit, team=True) == []
    action = w.audit.action_links.get().action
    action_submit_for_sign_off(action=action, actor=w.kw, evidence="Chronology updated")
    assert steps(w.kw, w.audit) == []
    (row,) = rows_for(w.tm, team=True)
    assert [s.kind for s in row.steps] == [K.SIGN_OFF]
    assert row.steps[0].href == reverse("actions:action_detail", args=[action.pk])


def test_confirming_waits_for_a_disagreement_to_be_settled(w):  # type: ignore[no-untyped-def]
    preset_apply(key="001-early-help-domains")  # the head of service for QA settles it
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    voices.reply_create(audit=w.audit, actor=w.kw, comments="The grade is wrong",
                        agrees=False)
    assert steps(w.tm, w.audit, team=True) == [
        (K.CONFIRM_ACTIONS, "Confirm the actions once the disagreement is settled")]
    (row,) = rows_for(w.tm, team=True)
    assert row.waiting == []


# Blinding -----------------------------------------------------------------------------------

def test_no_list_shows_an_audit_its_reader_reviews_blind(w, monkeypatch, client_for):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    blind_for = {w.tm.pk, w.qa.pk}
    monkeypatch.setattr(blinding, "_checks", [
        lambda person, ids: {w.audit.pk} if person.pk in blind_for else set()])
    assert rows_for(w.tm, team=True) == []
    page = client_for(w.qa).get(reverse("cases:case_detail", args=[w.case.pk]))
    assert page.status_code == 200
    assert page.context["sections"][0].context["audits"] == []
    assert reverse("audits:audit_detail", args=[w.audit.pk]) not in page.content.decode()
    # A whole word, so that a generated name such as "Goodwin" cannot match.
    assert not re.search(r"\bGood\b", page.content.decode())
    assert [r.audit.pk for r in rows_for(w.kw)] == [w.audit.pk]


# The case page ------------------------------------------------------------------------------

def test_the_case_page_lists_the_audits_the_reader_may_open(w, client_for):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    under_way = make_audit(case=w.case)
    url = reverse("cases:case_detail", args=[w.case.pk])
    qa_page = client_for(w.qa).get(url).content.decode()
    for audit in (w.audit, under_way):
        assert reverse("audits:audit_detail", args=[audit.pk]) in qa_page
    assert re.search(r"\bGood\b", qa_page)
    assert "Feedback sent" in qa_page and "Not graded yet" in qa_page
    assert "3 June 2026" in qa_page
    # The key worker sees the finished audit, not the one still under way.
    kw_page = client_for(w.kw).get(url).content.decode()
    assert reverse("audits:audit_detail", args=[w.audit.pk]) in kw_page
    assert reverse("audits:audit_detail", args=[under_way.pk]) not in kw_page
    listed = set(AccessLog.objects.filter(user=w.kw.user, object_type="audit",
                                          action=AccessLog.Action.LIST)
                 .values_list("object_id", flat=True))
    assert listed == {str(w.audit.pk)}


def test_the_case_page_query_count_does_not_grow_with_audits(
        w, client_for, django_assert_num_queries):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    client = client_for(w.kw)
    url = reverse("cases:case_detail", args=[w.case.pk])
    client.get(url)
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        assert client.get(url).status_code == 200
    for _ in range(3):
        finish_audit(make_audit(case=w.case), to=S.CLOSED)
    with django_assert_num_queries(CASE_PAGE_QUERIES):
        assert client.get(url).status_code == 200


# The pages --------------------------------------------------------------------------------

def test_the_pages_show_what_waits_and_log_each_audit_listed(w, client_for):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    page = client_for(w.kw).get(reverse("audits:my_case_audits"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Read it and reply" in html and "13 July 2026" in html and "NM123" in html
    assert AccessLog.objects.filter(user=w.kw.user, object_id=str(w.audit.pk),
                                    action=AccessLog.Action.LIST).count() == 1
    team = client_for(w.tm).get(reverse("audits:team_audits")).content.decode()
    assert "Confirm the actions" in team and w.kw.full_name in team


def test_who_may_open_the_pages(w, client_for):  # type: ignore[no-untyped-def]
    mine, team = reverse("audits:my_case_audits"), reverse("audits:team_audits")
    assert client_for(w.kw).get(team).status_code == 403
    assert client_for(w.qa).get(mine).status_code == 403
    assert client_for(w.auditor).get(team).status_code == 403
    assert client_for(w.tm).get(team).status_code == 200
    assert client_for(w.kw).post(mine).status_code == 405
    assert client_for(w.tm).post(team).status_code == 405


@pytest.mark.parametrize("url_name,who", [("audits:my_case_audits", "kw"),
                                          ("audits:team_audits", "tm")])
def test_the_pages_query_counts_are_pinned(w, client_for, django_assert_num_queries,
                                           url_name, who):  # type: ignore[no-untyped-def]
    person = getattr(w, who)
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    voices.reply_action_propose(audit=w.audit, actor=w.kw, proposal=proposal())
    client = client_for(person)
    url = reverse(url_name)
    client.get(url)
    with django_assert_num_queries(PAGE_QUERIES[url_name]):
        assert client.get(url).status_code == 200
    for _ in range(4):
        audit = finish_audit(make_audit(case=CaseFactory(key_worker=w.kw, team_manager=w.tm)),
                             to=S.FEEDBACK_SENT)
        voices.reply_action_propose(audit=audit, actor=w.kw, proposal=proposal())
    with django_assert_num_queries(PAGE_QUERIES[url_name]):
        assert client.get(url).status_code == 200
    assert len(client.get(url).context["rows"]) == 5


# The session, user and roles (5); whose cases and which of their audits (2, the team's
# people once more for the team); what the reader may open (4); the audits with their
# replies, disagreements, feedback sent, actions and owners (6); the access log (1). The
# session is no longer saved on every request (three fewer).
PAGE_QUERIES = {"audits:my_case_audits": 19, "audits:team_audits": 20}
# The case page as a key worker reads it: its own queries, then the audits of the case and
# which the reader may open, and the access log of those listed (the session not saved).
CASE_PAGE_QUERIES = 17


# The home page ----------------------------------------------------------------------------

def test_the_home_page_says_which_audit_waits_and_by_when(w, client_for):  # type: ignore[no-untyped-def]
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    home = client_for(w.kw).get("/").content.decode()
    assert "An audit of NM123 is ready: read it and reply by 13 July 2026" in home
    assert reverse("audits:feedback", args=[w.audit.pk]) + "#reply" in home
    tm_home = client_for(w.tm).get("/").content.decode()
    assert "Your team&#39;s audit of NM123: confirm the actions by 13 July 2026" in tm_home
    assert "govuk-notification-banner" not in tm_home


def test_a_team_managers_home_warns_of_urgent_safeguarding_concerns(w, client_for):  # type: ignore[no-untyped-def]
    concern = concerns.immediate_concern_raise(
        audit=w.audit, actor=w.auditor, summary="Bruising not followed up",
        unsafe_practice=ImmediateConcern.Practice.CURRENT, mash_contacted=False,
        actions=[concerns.SmartAction(
            issue="Bruising", action="Visit the child", by_whom="Team manager",
            due_on=dt.date(2026, 6, 10), desired_outcome="The child is seen",
            success_measure="Visit recorded")])
    home = client_for(w.tm).get("/").content.decode()
    banner = home.split('class="govuk-notification-banner"', 1)[1].split("</ul>", 1)[0]
    assert "Urgent safeguarding concerns" in banner
    assert "Immediate safeguarding concern on case NM123, raised 3 June 2026" in banner
    assert reverse("audits:concern_detail", args=[concern.pk]) in banner
    # Another team's manager hears nothing of it.
    other = PersonFactory(roles=[Role.TEAM_MANAGER])
    assert "govuk-notification-banner" not in client_for(other).get("/").content.decode()
