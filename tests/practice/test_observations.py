"""Observations of practice (002): planned by a manager, the QA team, a senior leader in
Practice Week or the practitioner for a peer observation; recorded by the observer with the
tool for its kind; read and answered by the person observed; seen only by those involved,
the managers above and the QA team; counted against 002's schedule by team and role."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.common.models import AccessLog
from auditloop.notifications.done import done_sentences
from auditloop.notifications.models import Notification
from auditloop.people.roles import Role
from auditloop.practice import observation_tool_files as tool_files
from auditloop.practice import observations as obs
from auditloop.practice.models import AsyeYear, Observation, ObservationToolVersion
from tests.factories import PersonFactory, TeamFactory, make_action
from tests.practice.observation_world import answers_for, done, plan, tree

pytestmark = pytest.mark.django_db
K = Observation.Kind
S = Observation.Status
P = Observation.Purpose


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, 10, tzinfo=dt.UTC)


# --- Tools ------------------------------------------------------------------------------


def test_the_tools_are_loaded_after_migrate_as_drafts_for_every_kind():
    tools = obs.current_tools()
    assert {t.key for t in tools} == {"direct-work", "supervision", "teamwork",
                                      "peer-reflection"}
    assert all(not t.from_seed and t.version == 1 for t in tools)
    for kind in K.values:
        assert obs.tool_for(kind) is not None, kind
    assert obs.tools_load() == []  # unchanged files make nothing


def test_a_changed_tool_file_becomes_the_next_version(tmp_path, monkeypatch):
    source = tool_files.DIRECTORY / "supervision.yaml"
    (tmp_path / "supervision.yaml").write_text(
        source.read_text().replace("Was the worker's wellbeing", "Was the wellbeing"))
    monkeypatch.setattr(tool_files, "DIRECTORY", tmp_path)
    made = obs.tools_load()
    assert [(t.key, t.version) for t in made] == [("supervision", 2)]
    assert "Was the wellbeing" in str(obs.tool_for(K.SUPERVISION).definition)


@pytest.mark.parametrize("text, message", [
    ("format: 2", "format: 1"),
    ("format: 1\nkey: x\nname: X\nsource: made-up\nkinds: [peer]\nquestions: []",
     "seed or draft"),
    ("format: 1\nkey: x\nname: X\nsource: draft\nkinds: [cooking]\n"
     "questions: [{key: a, text: A, answer: text}]", "unknown kinds"),
    ("format: 1\nkey: x\nname: X\nsource: draft\nkinds: [peer]\n"
     "questions: [{key: a, text: A, answer: scale}]", "labels of the scale"),
])
def test_a_tool_file_is_checked_when_read(text, message):
    with pytest.raises(DomainError, match=message):
        tool_files.parse(text, kinds=set(K.values))


def test_only_those_who_manage_the_framework_see_the_draft_note(client_for, role_client):
    qa_client, qa = role_client(Role.QA_MANAGER)
    page = qa_client.get(reverse("practice:observation_tools")).content.decode()
    assert tool_files.DRAFT_NOTE in page and "Observation of supervision" in page
    # The observer who is not on the QA team records without the note; the QA manager
    # observing sees it.
    t = tree()
    o = plan(observed=t["worker"], observer=t["tm"], planned_for=timezone.localdate())
    page = client_for(t["tm"]).get(reverse("practice:observation_record", args=[o.pk]))
    assert page.status_code == 200 and tool_files.DRAFT_NOTE not in page.content.decode()
    assert "Was the child or young person seen" in page.content.decode()
    mine = plan(observed=t["worker"], observer=qa, actor=qa, qa_team=True,
                planned_for=timezone.localdate())
    page = qa_client.get(reverse("practice:observation_record", args=[mine.pk]))
    assert tool_files.DRAFT_NOTE in page.content.decode()


# --- Planning ---------------------------------------------------------------------------


def test_a_team_manager_plans_an_observation_and_both_people_are_told(client_for):
    t = tree()
    client = client_for(t["sm"])
    response = client.post(reverse("practice:observation_plan"), {
        "observed": t["worker"].pk, "observer": t["tm"].pk, "kind": K.DIRECT_WORK,
        "purpose": P.SCHEDULE, "planned_for": "2026-12-14"})
    assert response.status_code == 302, response.content.decode()[:2000]
    o = Observation.objects.get()
    assert (o.status, o.observed, o.observer, o.team, o.planned_by) == (
        S.PLANNED, t["worker"], t["tm"], t["team"], t["sm"])
    assert set(Notification.objects.values_list("recipient", flat=True)) == {
        t["worker"].pk, t["tm"].pk}
    assert t["worker"].full_name not in "".join(
        Notification.objects.values_list("subject", flat=True))


def test_a_practitioner_cannot_plan_an_observation_of_a_stranger(client_for):
    t = tree()
    stranger = PersonFactory(roles=[Role.PRACTITIONER])
    page = client_for(t["worker"]).get(reverse("practice:observation_plan"))
    # Whose practice: themselves (shown with their team) and nobody else; any observer.
    assert f"{t['worker'].full_name}, {t['team'].name}" in page.content.decode()
    assert f"{stranger.full_name}, " not in page.content.decode()
    with pytest.raises(DomainError, match="people you manage"):
        plan(observed=stranger, observer=t["worker"])
    # ... but plans a peer observation of their own practice, by a peer.
    peer = plan(observed=t["worker"], observer=stranger, actor=t["worker"], kind=K.PEER)
    assert peer.purpose == P.REGISTRATION


def test_practice_week_is_in_october_and_observed_by_a_senior_leader():
    t = tree()
    director = PersonFactory(roles=[Role.DIRECTOR])
    with pytest.raises(DomainError, match="October"):
        plan(observed=t["worker"], observer=director, purpose=P.PRACTICE_WEEK,
             planned_for=dt.date(2026, 9, 30))
    with pytest.raises(DomainError, match="senior leader"):
        plan(observed=t["worker"], observer=t["tm"], actor=director,
             purpose=P.PRACTICE_WEEK, planned_for=dt.date(2026, 10, 12))
    o = plan(observed=t["worker"], observer=director, purpose=P.PRACTICE_WEEK,
             planned_for=dt.date(2026, 10, 12))
    assert o.purpose == P.PRACTICE_WEEK


def test_a_senior_leader_plans_a_strangers_observation_only_in_practice_week():
    t = tree()
    director = PersonFactory(roles=[Role.DIRECTOR])
    with pytest.raises(DomainError, match="people you manage"):
        plan(observed=t["worker"], observer=director, planned_for=dt.date(2026, 10, 12))
    o = plan(observed=t["worker"], observer=director, purpose=P.PRACTICE_WEEK,
             planned_for=dt.date(2026, 10, 12))
    assert (o.purpose, o.planned_by) == (P.PRACTICE_WEEK, director)


def test_an_asye_observation_is_planned_within_the_asye_year():
    t = tree()
    with pytest.raises(DomainError, match="not in an ASYE year on that date"):
        plan(observed=t["worker"], observer=t["tm"], purpose=P.ASYE,
             planned_for=dt.date(2026, 3, 10))
    obs.asye_year_add(person=t["worker"], starts_on=dt.date(2026, 1, 5))
    o = plan(observed=t["worker"], observer=t["tm"], purpose=P.ASYE,
             planned_for=dt.date(2026, 3, 10))
    assert o.purpose == P.ASYE


def test_an_observation_agreed_as_an_action_points_at_it():
    t = tree()
    action = make_action(owner=t["tm"], created_by=t["tm"])
    with pytest.raises(DomainError, match="action"):
        plan(observed=t["worker"], observer=t["tm"], purpose=P.ACTION)
    o = plan(observed=t["worker"], observer=t["tm"], purpose=P.ACTION, action=action)
    assert o.action == action


def test_the_plan_page_offers_the_planners_own_open_actions(client_for):
    t = tree()
    mine = make_action(owner=t["tm"], created_by=t["tm"], action="Observe a home visit")
    theirs = make_action(owner=t["sm"], created_by=t["sm"], action="Someone else's action")
    client = client_for(t["tm"])
    page = client.get(reverse("practice:observation_plan")).content.decode()
    assert f"Action {mine.pk}: Observe a home visit" in page
    assert f"Action {theirs.pk}:" not in page
    data = {"observed": t["worker"].pk, "observer": t["tm"].pk, "kind": K.DIRECT_WORK,
            "purpose": P.ACTION, "planned_for": "2026-12-14"}
    missing = client.post(reverse("practice:observation_plan"), data)
    assert missing.status_code == 400
    assert "Choose the action this observation was agreed as." in missing.content.decode()
    assert client.post(reverse("practice:observation_plan"),
                       {**data, "action": theirs.pk}).status_code == 400
    assert client.post(reverse("practice:observation_plan"),
                       {**data, "action": mine.pk}).status_code == 302
    o = Observation.objects.get()
    assert (o.purpose, o.action) == (P.ACTION, mine)
    page = client.get(reverse("practice:observation_detail", args=[o.pk])).content.decode()
    assert reverse("actions:action_detail", args=[mine.pk]) in page


# --- Recording, reading and replying -----------------------------------------------------


def test_the_observer_records_with_the_tool_and_the_person_observed_replies(client_for):
    t = tree()
    today = timezone.localdate()
    o = plan(observed=t["worker"], observer=t["tm"], planned_for=today)
    tm = client_for(t["tm"])
    url = reverse("practice:observation_record", args=[o.pk])
    missing = tm.post(url, {"observed_on": today.isoformat(), "strengths": "Good",
                            "feedback_given": "Told them"})
    assert missing.status_code == 400
    assert "Answer &#39;Was the purpose" in missing.content.decode()
    data = {"observed_on": today.isoformat(), "strengths": "Calm and clear.",
            "areas_to_develop": "Write up the same day.",
            "feedback_given": "Spoke after the visit.", "themes": ["voice_of_child"],
            **{f"q_{k}": v for k, v in answers_for(K.DIRECT_WORK).items()}}
    assert client_for(t["worker"]).post(url, data).status_code == 403
    assert tm.post(url, data).status_code == 302
    o.refresh_from_db()
    assert o.status == S.DONE and o.tool.key == "direct-work" and o.answers["child_voice"] == 3
    assert o.themes == ["voice_of_child"]
    notice = Notification.objects.get(recipient=t["worker"], kind=obs.REPLY)
    assert notice.about == f"practice_observation:{o.pk}"
    assert notice.pk not in done_sentences([notice])
    worker = client_for(t["worker"])
    page = worker.get(reverse("practice:observation_detail", args=[o.pk])).content.decode()
    assert "Calm and clear." in page and "Your reply" in page
    assert tm.post(reverse("practice:observation_reply", args=[o.pk]),
                   {"reply": "x"}).status_code == 403
    assert worker.post(reverse("practice:observation_reply", args=[o.pk]),
                       {"reply": "Thank you, useful."}).status_code == 302
    o.refresh_from_db()
    assert o.reply == "Thank you, useful." and o.replied_at
    assert done_sentences([notice])[notice.pk].startswith("Done: replied on")
    assert Notification.objects.filter(recipient=t["tm"], subject__contains="reply").exists()


def test_an_observation_cannot_be_recorded_for_the_future_or_twice():
    t = tree()
    o = plan(observed=t["worker"], observer=t["tm"])
    with pytest.raises(DomainError, match="future"):
        obs.observation_record(observation=o, actor=t["tm"],
                               observed_on=timezone.localdate() + dt.timedelta(days=1),
                               answers=answers_for(K.DIRECT_WORK), strengths="x",
                               areas_to_develop="", feedback_given="y")
    done_one = done(observed=t["worker"], observer=t["sm"])
    with pytest.raises(DomainError):
        obs.observation_record(observation=done_one, actor=t["sm"],
                               observed_on=dt.date(2026, 3, 10),
                               answers=answers_for(K.DIRECT_WORK), strengths="x",
                               areas_to_develop="", feedback_given="y")


def test_who_sees_an_observation_and_every_view_is_logged(client_for, role_client):
    t = tree()
    o = plan(observed=t["worker"], observer=t["tm"])
    url = reverse("practice:observation_detail", args=[o.pk])
    for person in (t["worker"], t["tm"], t["sm"], t["head"]):
        assert client_for(person).get(url).status_code == 200, person
    assert AccessLog.objects.filter(object_type="practice_observation",
                                    object_id=str(o.pk)).count() == 4
    stranger_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    assert client_for(stranger_tm).get(url).status_code == 404
    assert role_client(Role.QA_MANAGER)[0].get(url).status_code == 200
    # A line manager above sees it; not the worker's peers.
    peer = PersonFactory(roles=[Role.PRACTITIONER], line_manager=t["tm"])
    assert client_for(peer).get(url).status_code == 404


def test_the_observer_or_the_qa_team_cancels_with_a_reason(client_for):
    t = tree()
    o = plan(observed=t["worker"], observer=t["tm"])
    url = reverse("practice:observation_cancel", args=[o.pk])
    assert client_for(t["worker"]).post(url, {"reason": "x"}).status_code == 403
    assert client_for(t["tm"]).post(url, {}).status_code == 400
    Notification.objects.all().delete()
    assert client_for(t["tm"]).post(url, {"reason": "Visit moved"}).status_code == 302
    o.refresh_from_db()
    assert o.status == S.CANCELLED and o.cancelled_reason == "Visit moved"
    # The person observed is told; the observer who cancelled it is not.
    assert list(Notification.objects.values_list("recipient", "subject")) == [
        (t["worker"].pk, "An observation of practice is cancelled")]
    page = client_for(t["worker"]).get(
        reverse("practice:observation_detail", args=[o.pk])).content.decode()
    assert "Visit moved" in page and "Cancel the observation" not in page
    with pytest.raises(DomainError):
        obs.observation_cancel(observation=o, user=t["tm"].user, reason="Again")


def test_the_list_shows_mine_and_my_teams_and_its_query_count_is_pinned(
        client_for, django_assert_num_queries):
    t = tree()
    stranger = PersonFactory(roles=[Role.PRACTITIONER])
    other_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    plan(observed=stranger, observer=other_tm, planned_for=dt.date(2026, 5, 1),
         qa_team=True)
    for day in (1, 2, 3):
        plan(observed=t["worker"], observer=t["tm"], planned_for=dt.date(2026, 6, day))
    client = client_for(t["sm"])
    url = reverse("practice:observation_list") + "?year=2026"
    client.get(url)
    # 8: the session is no longer saved on every request (three fewer).
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert page.count(t["worker"].full_name) == 6 and stranger.full_name not in page
    for day in (4, 5, 6, 7):
        plan(observed=t["worker"], observer=t["tm"], planned_for=dt.date(2026, 6, day))
    with django_assert_num_queries(8):
        client.get(url)
    assert AccessLog.objects.filter(object_type="practice_observation",
                                    user=t["sm"].user).count() == 3 + 3 + 7


# --- Compliance, summaries and Practice Week ----------------------------------------------


def test_compliance_follows_002s_schedule_by_role_and_team():
    t = tree()
    other_team = TeamFactory(name="Children in care north")
    met = t["worker"]
    twice_no_direct = PersonFactory(roles=[Role.PRACTITIONER], team=other_team,
                                    line_manager=t["tm"])
    once = PersonFactory(roles=[Role.SENIOR_PRACTITIONER], team=t["team"],
                         line_manager=t["tm"])
    nqsw = PersonFactory(roles=[Role.PRACTITIONER], team=t["team"], line_manager=t["tm"])
    AsyeYear.objects.create(person=nqsw, starts_on=dt.date(2025, 9, 1),
                            ends_on=dt.date(2026, 9, 1))
    done(observed=met, observer=t["tm"], kind=K.DIRECT_WORK, on=dt.date(2026, 2, 3))
    done(observed=met, observer=t["tm"], kind=K.TEAM_MEETING, on=dt.date(2026, 8, 3))
    done(observed=met, observer=once, actor=met, kind=K.PEER, on=dt.date(2026, 4, 3))
    done(observed=twice_no_direct, observer=t["tm"], kind=K.MEETING, on=dt.date(2026, 3, 1))
    done(observed=twice_no_direct, observer=t["tm"], kind=K.PEER, on=dt.date(2026, 3, 2),
         purpose=P.REGISTRATION)
    done(observed=twice_no_direct, observer=t["tm"], kind=K.TEAM_MEETING,
         on=dt.date(2026, 3, 3))
    done(observed=once, observer=t["tm"], on=dt.date(2026, 5, 1))
    # The team manager: twice, once in supervision.
    done(observed=t["tm"], observer=t["sm"], kind=K.SUPERVISION, on=dt.date(2026, 1, 20))
    done(observed=t["tm"], observer=t["sm"], kind=K.TEAM_MEETING, on=dt.date(2026, 7, 20))
    # The ASYE year counts from September 2025: three, one of direct work.
    done(observed=nqsw, observer=t["tm"], on=dt.date(2025, 10, 1))
    done(observed=nqsw, observer=t["tm"], kind=K.MEETING, on=dt.date(2026, 1, 10))
    done(observed=nqsw, observer=t["tm"], kind=K.MEETING, on=dt.date(2026, 4, 10))
    # Cancelled and planned ones do not count.
    o = plan(observed=once, observer=t["tm"], planned_for=dt.date(2026, 6, 1))
    obs.observation_cancel(observation=o, user=t["tm"].user, reason="Ill")
    plan(observed=once, observer=t["tm"], planned_for=dt.date(2026, 11, 1))
    # Planned for the next year (read because an ASYE year, of someone who has since left,
    # runs into it): not this year's.
    AsyeYear.objects.create(person=PersonFactory(roles=[Role.PRACTITIONER], is_active=False),
                            starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2027, 6, 1))
    plan(observed=once, observer=t["tm"], planned_for=dt.date(2027, 2, 1))

    c = obs.compliance(year=2026)
    state = {d.person.pk: d for d in c.people}
    assert state[met.pk].met and state[met.pk].peer and state[met.pk].done == 2
    assert not state[twice_no_direct.pk].met and state[twice_no_direct.pk].done == 2
    assert state[twice_no_direct.pk].state.startswith("Observed 2 times, none of direct")
    assert state[once.pk].state == "Observed 1 of 2" and state[once.pk].planned == 1
    assert state[t["tm"].pk].met and state[t["tm"].pk].group == obs.Group.TEAM_MANAGER
    assert state[nqsw.pk].group == obs.Group.ASYE and state[nqsw.pk].met
    assert state[nqsw.pk].required == obs.ASYE_OBSERVATIONS
    assert t["sm"].pk not in state and t["head"].pk not in state  # on no schedule
    groups = {r.label: (r.due, r.once, r.met) for r in c.by_group}
    assert groups == {"Practitioners": (3, 3, 1), "Team managers": (1, 1, 1),
                      "Newly qualified social workers (ASYE)": (1, 1, 1)}
    teams = {r.label: (r.due, r.met) for r in c.by_team}
    assert teams == {"Assessment team east": (4, 3), "Children in care north": (1, 0)}
    assert (c.total.due, c.total.met) == (5, 3)
    assert str(c.total.met_share).startswith("60% (3 of 5; 95% interval")
    assert (c.peer.due, c.peer.met) == (4, 2)
    # To the end of June only the first half counts: the worker was seen once.
    half = obs.compliance(year=2026, as_of=dt.date(2026, 6, 30))
    assert {d.person.pk: d.done for d in half.people}[met.pk] == 1


def test_the_compliance_page_names_only_the_people_a_manager_manages(client_for,
                                                                     role_client):
    t = tree()
    stranger = PersonFactory(roles=[Role.PRACTITIONER])
    done(observed=t["worker"], observer=t["tm"], on=dt.date(2026, 2, 3))
    page = client_for(t["tm"]).get(reverse("practice:observation_compliance")
                                   + "?year=2026").content.decode()
    assert t["worker"].full_name in page and stranger.full_name not in page
    assert "Figures for the people you manage." in page
    assert "The people you manage: who is due" in page
    qa_page = role_client(Role.QA_MANAGER)[0].get(
        reverse("practice:observation_compliance") + "?year=2026").content.decode()
    assert stranger.full_name in qa_page and "95% interval" in qa_page
    assert "Everyone: who is due" in qa_page
    # A head of service reads the figures for everyone and the names of those they manage.
    head_page = client_for(t["head"]).get(
        reverse("practice:observation_compliance") + "?year=2026").content.decode()
    assert "Figures for everyone on a schedule." in head_page
    assert t["worker"].full_name in head_page and stranger.full_name not in head_page
    assert client_for(t["worker"]).get(
        reverse("practice:observation_compliance")).status_code == 403


@pytest.mark.parametrize("today, start, end", [
    (dt.date(2027, 1, 8), dt.date(2026, 7, 1), dt.date(2026, 12, 31)),
    (dt.date(2026, 7, 6), dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
    (dt.date(2026, 6, 30), dt.date(2025, 7, 1), dt.date(2025, 12, 31)),
    (dt.date(2026, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 6, 30)),
])
def test_the_half_year_due_in_january_and_july(today, start, end):
    assert obs.half_year(today) == (start, end)


def test_the_january_and_july_summaries_under_frozen_time(client_for):
    t = tree()
    done(observed=t["worker"], observer=t["tm"], on=dt.date(2026, 3, 10),
         themes=("voice_of_child",))
    done(observed=t["tm"], observer=t["sm"], kind=K.SUPERVISION, on=dt.date(2026, 9, 10),
         themes=("reflection", "oversight"))
    done(observed=t["worker"], observer=t["tm"], kind=K.MEETING, on=dt.date(2026, 11, 10))
    plan(observed=t["worker"], observer=t["tm"], planned_for=dt.date(2026, 12, 20))
    reader = PersonFactory(roles=[Role.SENIOR_LEADER])
    with time_machine.travel(_at(dt.date(2026, 7, 6)), tick=False):
        july = obs.half_year_summary()
        page = client_for(reader).get(reverse("practice:observation_summary")).content.decode()
    assert (july.period_start, july.period_end, july.done) == (
        dt.date(2026, 1, 1), dt.date(2026, 6, 30), 1)
    assert "1 January 2026 to 30 June 2026" in page and "summary due now" in page
    assert july.compliance is not None
    assert (july.compliance.total.due, july.compliance.total.once,
            july.compliance.total.met) == (2, 1, 0)
    with time_machine.travel(_at(dt.date(2027, 1, 8)), tick=False):
        january = obs.half_year_summary()
        page = client_for(reader).get(reverse("practice:observation_summary")).content.decode()
    assert (january.period_start, january.period_end) == (dt.date(2026, 7, 1),
                                                          dt.date(2026, 12, 31))
    assert (january.done, january.planned) == (2, 1)
    assert dict(january.by_kind)[K.SUPERVISION.label] == 1
    assert dict(january.by_group) == {"Practitioners": 1, "Team managers": 1}
    assert dict(january.by_team) == {"Assessment team east": 2}
    assert dict(january.by_theme) == {"Reflective supervision": 1,
                                      "Management oversight": 1}
    assert january.compliance is not None and january.compliance.total.met == 1
    assert "1 July 2026 to 31 December 2026" in page
    assert t["worker"].full_name not in page  # figures only


def test_the_summary_selector_for_any_period_and_its_queries(django_assert_num_queries):
    t = tree()
    done(observed=t["worker"], observer=t["tm"], on=dt.date(2026, 3, 10))
    with django_assert_num_queries(5):
        s = obs.summary(dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert s.done == 1 and s.replied.n == 1 and s.replied.k == 0
    with pytest.raises(ValueError):
        obs.summary(dt.date(2026, 3, 31), dt.date(2026, 1, 1))


def test_practice_week_lists_octobers_observations_by_senior_leader(client_for,
                                                                   role_client):
    t = tree()
    director = PersonFactory(roles=[Role.DIRECTOR], full_name="Dana Director")
    done(observed=t["worker"], observer=director, purpose=P.PRACTICE_WEEK,
         on=dt.date(2025, 10, 14), themes=("voice_of_child", "teamwork"))
    plan(observed=t["tm"], observer=t["sm"], purpose=P.PRACTICE_WEEK,
         planned_for=dt.date(2025, 10, 15), kind=K.TEAM_MEETING)
    done(observed=t["worker"], observer=t["tm"], on=dt.date(2025, 10, 16))  # not PW
    week = obs.practice_week(2025)
    assert sorted((leader.pk, len(rows)) for leader, rows in week.by_leader) == sorted([
        (director.pk, 1), (t["sm"].pk, 1)])
    assert (week.done, week.planned) == (1, 1)
    assert dict(week.by_theme) == {"Voice of the child": 1, "Teamwork": 1}
    page = client_for(director).get(reverse("practice:practice_week") + "?year=2025")
    text = page.content.decode()
    assert page.status_code == 200 and "Dana Director" in text and "Teamwork" in text
    assert t["worker"].full_name not in text  # the team observed, not the person
    assert client_for(t["worker"]).get(reverse("practice:practice_week")).status_code == 403


def test_asye_years_are_added_by_the_qa_team_and_show_progress(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    t = tree()
    response = client.post(reverse("practice:asye_years"), {
        "person": t["worker"].pk, "starts_on": "2026-09-01"})
    assert response.status_code == 302
    a = AsyeYear.objects.get()
    assert (a.starts_on, a.ends_on) == (dt.date(2026, 9, 1), dt.date(2027, 9, 1))
    again = client.post(reverse("practice:asye_years"), {
        "person": t["worker"].pk, "starts_on": "2027-01-01"})
    assert again.status_code == 400
    page = client.get(reverse("practice:asye_years")).content.decode()
    assert t["worker"].full_name in page and "our number, not the seed" in page
    assert ObservationToolVersion.objects.exists()
