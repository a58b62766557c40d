"""The monthly reflective learning session and the post-audit briefing (002): invitations
from the covered cycles' audits (each person once, the inactive left out), told with a link
only; the record, attendance and co-produced improvements kept as findings or action plans;
and each page allowed, forbidden, with the wrong method and in the wrong state."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.common.errors import DomainError, WorkflowError
from auditloop.notifications.models import Notification
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.programme import loop
from auditloop.programme.models import LearningInvitation, LearningSession
from auditloop.programme.services import (
    learning_attendance_record,
    learning_improvement_add,
    learning_improvement_to_action_plan,
    learning_improvement_to_finding,
    learning_invitations_send,
    learning_session_record,
)
from tests.factories import PersonFactory
from tests.programme.loop_factories import (
    audited,
    loop_framework,
    managed_case,
    session,
    themed_cycle,
)

pytestmark = pytest.mark.django_db
K = LearningSession.Kind
Why = LearningInvitation.Reason
MARCH = dt.date(2026, 3, 10)


@pytest.fixture
def february():
    """February's cycle on neglect: two audited cases sharing a team and service manager,
    one with an inactive key worker, and an audit still in progress (not invited)."""
    loop_framework()
    cycle = themed_cycle(theme="Neglect", year=2026, number=2)
    sm = PersonFactory(roles=["service_manager"])
    tm = PersonFactory(roles=["team_manager"], line_manager=sm)
    auditor = PersonFactory(roles=["auditor"])
    first = audited(cycle, case=managed_case(service_manager=sm, team_manager=tm),
                    auditor=auditor)
    second = audited(cycle, case=managed_case(service_manager=sm, team_manager=tm),
                     auditor=auditor)
    gone = managed_case(service_manager=sm, team_manager=tm)
    Person.objects.filter(pk=gone.key_worker_id).update(is_active=False)
    third = audited(cycle, case=gone)
    unfinished = audited(cycle, to="submitted")
    from auditloop.audits.models import Audit

    Audit.objects.filter(pk=unfinished.pk).update(status=Audit.Status.IN_PROGRESS)
    return {"cycle": cycle, "sm": sm, "tm": tm, "auditor": auditor, "audits": [first, second,
                                                                              third],
            "unfinished": unfinished}


def invited(s: LearningSession) -> dict[int, list[str]]:
    return {r.person_id: r.reasons for r in s.invitations.all()}


def test_reflective_session_invites_key_workers_and_managers_once(february):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    rows = invited(s)
    first, second, third = february["audits"]
    assert rows[first.case.key_worker_id] == [Why.KEY_WORKER]
    assert rows[second.case.key_worker_id] == [Why.KEY_WORKER]
    assert third.case.key_worker_id not in rows  # no longer active
    assert rows[february["tm"].pk] == [Why.TEAM_MANAGER]
    assert rows[february["sm"].pk] == [Why.SERVICE_MANAGER]
    assert february["auditor"].pk not in rows  # the reflective session is for those audited
    assert february["unfinished"].case.key_worker_id not in rows
    assert LearningInvitation.objects.filter(session=s).count() == len(rows) == 4


def test_briefing_invites_the_auditors_too(february):
    s = session(kind=K.BRIEFING, held_on=MARCH, cycles=[february["cycle"]])
    assert invited(s)[february["auditor"].pk] == [Why.AUDITOR]


def test_someone_with_two_reasons_is_invited_once_with_both(february):
    first = february["audits"][0]
    tm = february["tm"]
    audited(february["cycle"], case=managed_case(key_worker=tm, team_manager=tm,
                                                 service_manager=february["sm"]))
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    assert invited(s)[tm.pk] == [Why.KEY_WORKER, Why.TEAM_MANAGER]
    assert first.case.key_worker_id in invited(s)


def test_invitations_are_told_with_a_link_and_no_child_details(february):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    notices = Notification.objects.filter(link=reverse("programme:learning_detail",
                                                       args=[s.pk]))
    assert notices.count() == 4
    for n in notices:
        for audit in february["audits"]:
            assert audit.case.reference not in n.subject + n.body
            assert audit.case.child_identifier not in n.subject + n.body
    assert all(r.notification_id for r in s.invitations.all())


def test_sending_again_invites_nobody_twice(february):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    before = Notification.objects.count()
    assert learning_invitations_send(session=s, actor=None) == 0
    assert Notification.objects.count() == before
    audited(february["cycle"])  # a late audit: its people are invited now
    assert learning_invitations_send(session=s, actor=None) == 3


def test_a_session_the_framework_does_not_hold_is_refused(february):
    loop_framework(post_audit_briefing=False)
    with pytest.raises(DomainError, match="does not hold"):
        session(kind=K.BRIEFING, held_on=MARCH, cycles=[february["cycle"]])


def test_the_same_session_twice_is_refused(february):
    session(held_on=MARCH, cycles=[february["cycle"]])
    with pytest.raises(DomainError, match="already"):
        session(held_on=MARCH, cycles=[february["cycle"]])
    assert LearningSession.objects.count() == 1


def test_default_cycles_are_the_previous_months(february):
    march = themed_cycle(theme="", year=2026, number=3)
    choices = [march, february["cycle"]]
    assert loop.default_cycles(on=MARCH, choices=choices) == [february["cycle"]]
    assert loop.default_cycles(on=dt.date(2026, 4, 2), choices=choices) == [march]


def test_record_after_the_day_and_not_before(february):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    with pytest.raises(WorkflowError, match="on or after"):
        learning_session_record(session=s, actor=None, outcomes_summary="x", good_practice="",
                                insight="", today=dt.date(2026, 3, 9))
    learning_session_record(session=s, actor=None, outcomes_summary="Plans are clearer",
                            good_practice="Direct work", insight="Supervision helps",
                            today=MARCH)
    s.refresh_from_db()
    assert s.status == LearningSession.Status.RECORDED


def test_a_briefing_record_needs_the_feedback_on_the_process(february):
    s = session(kind=K.BRIEFING, held_on=MARCH, cycles=[february["cycle"]])
    with pytest.raises(DomainError, match="feedback on the audit process"):
        learning_session_record(session=s, actor=None, outcomes_summary="x", good_practice="",
                                insight="", today=MARCH)


def test_attendance_marks_each_invitation(february):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    came = [february["tm"].pk]
    assert learning_attendance_record(session=s, actor=None, attended_ids=came,
                                      today=MARCH) == 1
    rows = {r.person_id: r.attended for r in s.invitations.all()}
    assert rows[february["tm"].pk] is True
    assert sum(1 for v in rows.values() if v is False) == 3
    with pytest.raises(DomainError):
        learning_attendance_record(session=s, actor=None, attended_ids=[999999], today=MARCH)


def test_improvements_become_a_finding_and_a_plan_once(february):
    from auditloop.actions.models import ActionPlan, Finding

    s = session(held_on=MARCH, cycles=[february["cycle"]])
    item = learning_improvement_add(session=s, actor=None, today=MARCH,
                                    text="Team managers record management oversight monthly")
    assert learning_improvement_add(session=s, actor=None, today=MARCH,
                                    text=item.text) == item  # a form sent twice
    finding = learning_improvement_to_finding(improvement=item, actor=None,
                                              tags=["supervision"])
    assert (finding.source, finding.source_key, finding.theme) == (
        "learning_session", f"learning-session:{s.pk}", "Neglect")
    with pytest.raises(WorkflowError):
        learning_improvement_to_finding(improvement=item, actor=None, tags=["supervision"])
    lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    plan = learning_improvement_to_action_plan(improvement=item, actor=None, title="",
                                               strategic_lead=lead)
    assert (plan.source, plan.source_key) == ("learning_session", f"learning-session:{s.pk}")
    item.refresh_from_db()
    assert (item.finding_id, item.action_plan_id) == (finding.pk, plan.pk)
    assert Finding.objects.count() == ActionPlan.objects.count() == 1


# ------------------------------------------------------------------ pages


@pytest.fixture
def qa(role_client):
    return role_client(Role.QA_MANAGER)


def test_planning_a_session_on_the_page(february, qa):
    client, _ = qa
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
        client.force_login(qa[1].user)
        assert client.get(reverse("programme:learning_new")).status_code == 200
        data = {"kind": K.REFLECTIVE, "held_on": "2026-03-10", "place": "Room 2",
                "cycles": [february["cycle"].pk]}
        response = client.post(reverse("programme:learning_new"), data)
        assert response.status_code == 302
        again = client.post(reverse("programme:learning_new"), data)  # double submit
    assert again.status_code == 400 and "already" in again.content.decode()
    assert LearningSession.objects.count() == 1


def test_planning_needs_a_place_or_a_link(february, qa):
    client, _ = qa
    response = client.post(reverse("programme:learning_new"), {
        "kind": K.REFLECTIVE, "held_on": "2026-03-10", "cycles": [february["cycle"].pk]})
    assert response.status_code == 400
    assert "Enter where the session is held" in response.content.decode()


def test_learning_new_is_for_those_who_run_the_cycle(role_client):
    client, _ = role_client(Role.TEAM_MANAGER)
    assert client.get(reverse("programme:learning_new")).status_code == 403


def test_invitee_sees_their_invitation_and_the_record(february, client_for):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    learning_session_record(session=s, actor=None, outcomes_summary="Plans are clearer",
                            good_practice="", insight="", today=MARCH)
    tm = february["tm"]
    client = client_for(tm)
    response = client.get(reverse("programme:learning_detail", args=[s.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "You are invited as team manager of an audited case" in body
    assert "Plans are clearer" in body
    assert february["sm"].full_name not in body  # not the list of everyone invited
    listed = client.get(reverse("programme:learning_list")).content.decode()
    assert reverse("programme:learning_detail", args=[s.pk]) in listed


def test_strangers_get_404_and_readers_read(february, role_client):
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    url = reverse("programme:learning_detail", args=[s.pk])
    stranger, _ = role_client(Role.PRACTITIONER)
    assert stranger.get(url).status_code == 404
    reader, _ = role_client(Role.SENIOR_LEADER)
    assert reader.get(url).status_code == 200
    assert reader.get(reverse("programme:learning_record", args=[s.pk])).status_code == 403


def test_record_page_wrong_state_and_method(february, qa):
    client, person = qa
    s = session(held_on=dt.date(2027, 1, 5), cycles=[february["cycle"]])
    url = reverse("programme:learning_record", args=[s.pk])
    assert client.get(url).status_code == 400  # not held yet
    assert client.put(url).status_code == 405
    attendance = reverse("programme:learning_attendance", args=[s.pk])
    assert client.get(attendance).status_code == 405
    assert client.post(attendance, {"attended": [person.pk]}).status_code == 400


def test_recording_on_the_page(february, qa):
    client, _ = qa
    s = session(held_on=dt.date(2026, 3, 10), cycles=[february["cycle"]])
    url = reverse("programme:learning_record", args=[s.pk])
    assert client.post(url, {"outcomes_summary": ""}).status_code == 400
    ok = client.post(url, {"outcomes_summary": "Most plans were clearer",
                           "good_practice": "Direct work", "insight": "Time to reflect"})
    assert ok.status_code == 302
    tm = february["tm"]
    came = client.post(reverse("programme:learning_attendance", args=[s.pk]),
                       {"attended": [tm.pk]})
    assert came.status_code == 302
    add = reverse("programme:learning_improvement_add", args=[s.pk])
    assert client.post(add, {"text": ""}).status_code == 400
    assert client.post(add, {"text": "Monthly oversight notes"}).status_code == 302
    item = s.improvements.get()
    finding_url = reverse("programme:learning_improvement_finding", args=[s.pk, item.pk])
    assert client.get(finding_url).status_code == 200
    assert client.post(finding_url, {}).status_code == 400  # no tag chosen
    assert client.post(finding_url, {"tags": ["training_need"]}).status_code == 302
    assert client.get(finding_url).status_code == 400  # already a finding
    lead = PersonFactory(roles=[Role.STRATEGIC_LEAD])
    plan_url = reverse("programme:learning_improvement_plan", args=[s.pk, item.pk])
    assert client.post(plan_url, {"title": "Oversight"}).status_code == 400
    assert client.post(plan_url, {"title": "Oversight", "strategic_lead": lead.pk}
                       ).status_code == 302
    assert client.post(plan_url, {"title": "Oversight", "strategic_lead": lead.pk}
                       ).status_code == 400  # sent twice: one plan


def test_list_and_detail_query_counts_do_not_grow(february, qa, django_assert_max_num_queries):
    client, _ = qa
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    urls = [reverse("programme:learning_list"),
            reverse("programme:learning_detail", args=[s.pk])]
    counts = []
    for url in urls:
        with django_assert_max_num_queries(20) as q:
            assert client.get(url).status_code == 200
        counts.append(len(q.captured_queries))
    for day in range(11, 16):
        session(held_on=dt.date(2026, 3, day), cycles=[february["cycle"]])
    for _ in range(4):
        audited(february["cycle"])
    learning_invitations_send(session=s, actor=None)
    for url, count in zip(urls, counts, strict=True):
        with django_assert_max_num_queries(count):
            assert client.get(url).status_code == 200


def test_home_panel_shows_revisits_due_sessions_to_record_and_invitations(
        february, client_for, person_with_role, django_assert_max_num_queries):
    from auditloop.common.attention import panels_for
    from auditloop.programme.services import revisit_schedule

    revisit_schedule(cycle=february["cycle"], actor=None)  # due 31 August 2026
    session(held_on=MARCH, cycles=[february["cycle"]])
    session(kind=K.BRIEFING, held_on=dt.date(2026, 9, 20), cycles=[february["cycle"]])
    qa = person_with_role(Role.QA_MANAGER)
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC), tick=False):
        from auditloop.programme.attention import closing_the_loop

        assert qa.user.has_capability("run_cycle") and qa.user.person_or_none  # cached now
        with django_assert_max_num_queries(1):
            (panel,) = closing_the_loop(qa.user)
        texts = [i.text for i in panel.items]
        assert texts == ["1 revisit of an audited theme due", "1 learning session to record"]
        (mine,) = [p for p in panels_for(february["tm"].user) if p.title == "Closing the loop"]
        assert [i.text for i in mine.items] == [
            "You are invited to the post-audit briefing on 20 September 2026"]
        assert closing_the_loop(PersonFactory(roles=[Role.AUDITOR]).user) == []


def test_learning_list_is_everyone_s_and_refuses_post(role_client):
    client, _ = role_client(Role.PRACTITIONER)
    response = client.get(reverse("programme:learning_list"))
    assert response.status_code == 200
    assert "You have not been invited" in response.content.decode()
    assert client.post(reverse("programme:learning_list")).status_code == 405


def test_learning_detail_refuses_post_and_missing_sessions(february, qa):
    client, _ = qa
    s = session(held_on=MARCH, cycles=[february["cycle"]])
    assert client.post(reverse("programme:learning_detail", args=[s.pk])).status_code == 405
    assert client.get(reverse("programme:learning_detail", args=[s.pk + 9])).status_code == 404


def test_improvement_pages_for_another_session_are_404(february, qa):
    client, _ = qa
    one = session(held_on=MARCH, cycles=[february["cycle"]])
    two = session(held_on=dt.date(2026, 3, 11), cycles=[february["cycle"]])
    item = learning_improvement_add(session=one, actor=None, text="Oversight", today=MARCH)
    url = reverse("programme:learning_improvement_finding", args=[two.pk, item.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("holds", [True, False])
def test_post_audit_briefing_decides_whether_a_briefing_is_held(february, holds):
    loop_framework(post_audit_briefing=holds)
    if holds:
        assert session(kind=K.BRIEFING, held_on=MARCH, cycles=[february["cycle"]]).pk
    else:
        with pytest.raises(DomainError, match="does not hold"):
            session(kind=K.BRIEFING, held_on=MARCH, cycles=[february["cycle"]])
