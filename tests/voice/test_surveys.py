"""Staff surveys (002: the annual survey from our teams and managers): the QA team opens one,
those invited answer once, an anonymous survey's answers keep nobody's name, and results
hide small groups."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.urls import reverse

from auditloop.common.errors import DomainError
from auditloop.notifications.models import Notification
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.voice import surveys
from auditloop.voice.models import QuestionSetVersion
from auditloop.voice.survey_models import Survey, SurveyParticipation, SurveyResponse
from tests.factories import PersonFactory, ServiceFactory, TeamFactory, UserFactory

TODAY = dt.date(2026, 12, 7)
ANSWERS = {"understand_audits": "4", "audits_help_practice": "5",
           "learning_reaches_team": "2", "able_to_give_feedback": "4",
           "supervision_regular": "yes", "manager_supports_actions": "3",
           "improve_framework": ""}


def staff_set(key: str = "staff-annual-survey") -> QuestionSetVersion:
    found = QuestionSetVersion.objects.filter(key=key).order_by("-version").first()
    assert found is not None
    return found


def open_survey(*, anonymous: bool = True, invites: str = Survey.Invites.ALL_STAFF,
                **kwargs: object) -> Survey:
    return surveys.survey_open(
        actor=None, name="Staff survey 2026", kind=Survey.Kind.ANNUAL,
        question_set=staff_set(), opens_on=dt.date.today(),
        closes_on=dt.date.today() + dt.timedelta(days=14), anonymous=anonymous,
        invites=invites, **kwargs)  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_qa_team_opens_a_survey_and_those_invited_have_it_in_their_tray(role_client):
    client, qa = role_client(Role.QA_MANAGER)
    team = TeamFactory(name="Southport Early Help")
    inside = PersonFactory(team=team)
    outside = PersonFactory(team=TeamFactory(name="Bootle Children in Care"))
    page = client.get(reverse("voice:survey_new"))
    assert page.status_code == 200
    # The drafts are flagged to those who manage the framework.
    assert "Not from the seed: review before use" in page.content.decode()
    response = client.post(reverse("voice:survey_new"), {
        "name": "Pulse, winter", "kind": "pulse", "question_set": "staff-pulse-survey",
        "opens_on": dt.date.today().isoformat(),
        "closes_on": (dt.date.today() + dt.timedelta(days=7)).isoformat(),
        "anonymous": "yes", "invites": "teams", "teams": [team.pk]})
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert survey.invited_count == 1 and survey.anonymous
    assert survey.question_set.key == "staff-pulse-survey"
    assert Notification.objects.filter(recipient=inside, kind="staff_survey").exists()
    assert not Notification.objects.filter(recipient=outside).exists()
    assert not Notification.objects.filter(recipient=qa).exists()


@pytest.mark.django_db
def test_only_a_staff_question_set_and_a_sensible_period_open_a_survey():
    PersonFactory()
    family = QuestionSetVersion.objects.filter(key="002-family-feedback").first()
    with pytest.raises(DomainError, match="staff survey's questions"):
        surveys.survey_open(actor=None, name="x", kind="annual", question_set=family,
                            opens_on=dt.date.today(), closes_on=dt.date.today(),
                            anonymous=True, invites="all")
    with pytest.raises(DomainError, match="on or after"):
        surveys.survey_open(actor=None, name="x", kind="annual", question_set=staff_set(),
                            opens_on=dt.date.today(),
                            closes_on=dt.date.today() - dt.timedelta(days=1),
                            anonymous=True, invites="all")
    with pytest.raises(DomainError, match="Choose the service"):
        open_survey(invites=Survey.Invites.SERVICE)


@pytest.mark.django_db
def test_staff_answer_once_from_their_home_page(role_client):
    client, me = role_client(Role.PRACTITIONER)
    survey = open_survey()
    home = client.get(reverse("home")).content.decode()
    assert "A staff survey to answer" in home and reverse("voice:my_surveys") in home
    mine = client.get(reverse("voice:my_surveys")).content.decode()
    assert reverse("voice:survey_answer", args=[survey.pk]) in mine
    url = reverse("voice:survey_answer", args=[survey.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, ANSWERS).status_code == 200
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    again = client.post(url, ANSWERS)
    assert "You have answered this survey" in again.content.decode()
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    assert "A staff survey to answer" not in client.get(reverse("home")).content.decode()
    # The tray's notice says the work is done.
    notice = Notification.objects.get(recipient=me)
    page = client.get(reverse("notifications:notice", args=[notice.pk]), follow=True)
    assert "Done: you have answered this survey." in page.content.decode()
    with pytest.raises(DomainError):
        surveys.survey_answer(survey=survey, person=me, answers=ANSWERS)


@pytest.mark.django_db
def test_staff_not_invited_or_after_it_closes_cannot_answer(role_client):
    team = TeamFactory(name="Invited team")
    member = PersonFactory(team=team)
    survey = open_survey(invites=Survey.Invites.TEAMS, teams=[team])
    client, _ = role_client(Role.PRACTITIONER, team=TeamFactory(name="Another team"))
    assert client.get(reverse("voice:survey_answer", args=[survey.pk])).status_code == 404
    Survey.objects.filter(pk=survey.pk).update(closes_on=dt.date.today() - dt.timedelta(days=1))
    with pytest.raises(DomainError, match="closed"):
        surveys.survey_answer(survey=survey, person=member, answers=ANSWERS)


@pytest.mark.django_db
def test_a_required_answer_is_asked_for():
    person = PersonFactory()
    survey = open_survey()
    with pytest.raises(DomainError) as exc:
        surveys.survey_answer(survey=survey, person=person,
                              answers={**ANSWERS, "supervision_regular": ""})
    assert exc.value.field == "supervision_regular"
    assert not SurveyParticipation.objects.exists()


def _columns(table: str) -> tuple[list[str], list[tuple[object, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
        names = [c[0] for c in cursor.description]
        return names, cursor.fetchall()


@pytest.mark.django_db
def test_an_anonymous_surveys_answers_hold_nothing_that_leads_to_the_person():
    # Ids far from any team's or service's, so a person's id in a column would stand out.
    people = [PersonFactory(pk=900_001 + n, user=UserFactory(pk=800_001 + n),
                            full_name=f"Zara Quill{n}", email=f"zq{n}@example.org")
              for n in range(6)]
    survey = open_survey()
    for n, person in enumerate(people):
        surveys.survey_answer(survey=survey, person=person,
                              answers={**ANSWERS, "improve_framework": f"more time {n}"})
    identifiers = set()
    for p in people:
        identifiers |= {p.pk, p.user_id, str(p.pk), str(p.user_id), p.staff_number,
                        p.full_name, p.email, p.user.username}
    for table in (SurveyResponse._meta.db_table,):
        names, rows = _columns(table)
        assert len(rows) == 6
        # No column of a person, a user or a time.
        assert not [n for n in names if any(w in n for w in ("person", "user", "by", "_at"))]
        relations = connection.introspection.get_relations(connection.cursor(), table)
        targets = {relation[1] for relation in relations.values()}
        assert not targets & {Person._meta.db_table, "people_user", "auth_user"}
        for row in rows:
            for value in row:
                assert value not in identifiers
                assert not any(str(i) in str(value) for i in identifiers if isinstance(i, str)
                               and len(i) > 3)
                assert not isinstance(value, dt.datetime)
    # Who answered is kept apart, with nothing leading to the answers.
    names, rows = _columns(SurveyParticipation._meta.db_table)
    assert set(names) == {"id", "survey_id", "person_id", "response_id"}
    assert {row[names.index("response_id")] for row in rows} == {None}


@pytest.mark.django_db
def test_the_order_the_answers_are_stored_in_is_not_the_order_people_answered(monkeypatch):
    draw = random.Random(7)
    monkeypatch.setattr(surveys, "_randbelow", draw.randrange)
    people = [PersonFactory() for _ in range(8)]
    survey = open_survey()
    for n, person in enumerate(people):
        surveys.survey_answer(survey=survey, person=person,
                              answers={**ANSWERS, "improve_framework": f"answer {n}"})
    order = "ctid" if connection.vendor == "postgresql" else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT answers FROM "{SurveyResponse._meta.db_table}" '  # noqa: S608
                       f"ORDER BY {order}")
        stored = [str(row[0]) for row in cursor.fetchall()]
    texts = [next(f"answer {n}" for n in range(8) if f'"answer {n}"' in s) for s in stored]
    assert sorted(texts) == [f"answer {n}" for n in range(8)]  # each kept once
    assert texts != [f"answer {n}" for n in range(8)]
    by_key = sorted(SurveyResponse.objects.values_list("pk", "answers__improve_framework"))
    assert [t for _, t in by_key] != [f"answer {n}" for n in range(8)]


@pytest.mark.django_db
def test_a_named_survey_keeps_who_answered():
    person = PersonFactory()
    survey = open_survey(anonymous=False)
    surveys.survey_answer(survey=survey, person=person, answers=ANSWERS)
    participation = SurveyParticipation.objects.get(person=person)
    assert participation.response is not None
    assert participation.response.answers["understand_audits"] == "4"


def _answer_as(survey: Survey, team, n: int, **answers: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        surveys.survey_answer(survey=survey, person=PersonFactory(team=team),
                              answers={**ANSWERS, **answers})


@pytest.mark.django_db
def test_results_show_counts_and_intervals_and_hide_small_groups(role_client):
    service = ServiceFactory(name="Children's Social Care")
    big, middle, small = (TeamFactory(name=n, service=service)
                          for n in ("Assessment team", "Court team", "Leaving care team"))
    client, _ = role_client(Role.SENIOR_LEADER)
    survey = open_survey()
    _answer_as(survey, big, 4, understand_audits="5")
    url = reverse("voice:survey_results", args=[survey.pk])
    html = client.get(url).content.decode()
    assert "Fewer than 5 answers: not shown to keep answers anonymous" in html
    assert "4 or 5:" not in html
    _answer_as(survey, big, 3, understand_audits="2")
    _answer_as(survey, middle, 6)
    _answer_as(survey, small, 2)
    html = client.get(url).content.decode()
    # 15 answers: the assessment team's 4 fives, the court team's 6 and the leaving care
    # team's 2 fours: 12 gave 4 or 5 to the first question.
    assert "(12 of 15; 95% interval" in html
    results = surveys.survey_results(survey, "team")
    rows = {g.name: g for g in results.groups}
    assert not rows["Leaving care team"].shown
    # Hiding only the small team would let its answers be worked out from the total: the
    # next smallest (the court team, 6) is hidden too.
    assert not rows["Court team"].shown
    assert rows["Assessment team"].shown and rows["Assessment team"].answers == 7
    assert rows["Assessment team"].positive["understand_audits"].k == 4
    html = client.get(url + "?by=team").content.decode()
    assert html.count("Fewer than 5 answers: not shown to keep answers anonymous") == 2
    # Those who manage the framework only are told the questions are drafts.
    assert "Not from the seed" not in html


@pytest.mark.django_db
def test_the_threshold_is_the_frameworks(monkeypatch):
    monkeypatch.setattr(surveys, "anonymity_threshold", lambda: 3)
    PersonFactory()
    survey = open_survey()
    _answer_as(survey, TeamFactory(), 3)
    assert surveys.survey_results(survey).shown


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "status"), [
    (Role.QA_MANAGER, 200), (Role.SENIOR_LEADER, 200), (Role.DIRECTOR, 200),
    (Role.PRACTITIONER, 403), (Role.TEAM_MANAGER, 403), (Role.AUDITOR, 403)])
def test_who_sees_the_results(role, status, role_client):
    client, _ = role_client(role)
    survey = open_survey()
    assert client.get(reverse("voice:survey_list")).status_code == status
    assert client.get(reverse("voice:survey_results", args=[survey.pk])).status_code == status


@pytest.mark.django_db
def test_only_the_qa_team_opens_a_survey(role_client):
    client, _ = role_client(Role.SENIOR_LEADER)
    assert client.get(reverse("voice:survey_new")).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 6])
def test_the_list_of_surveys_takes_a_pinned_number_of_queries(n, role_client,
                                                              django_assert_num_queries):
    client, _ = role_client(Role.QA_MANAGER)
    for _ in range(n):
        open_survey()
    client.get(reverse("voice:survey_list"))
    # The session (read; no longer saved on every request), the user, their
    # session row, the person and their roles; the surveys with their answer counts.
    with django_assert_num_queries(6):
        assert client.get(reverse("voice:survey_list")).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("n", [1, 6])
def test_your_views_takes_a_pinned_number_of_queries(n, role_client,
                                                     django_assert_num_queries):
    client, _ = role_client(Role.PRACTITIONER)
    for _ in range(n):
        open_survey()
    client.get(reverse("voice:my_surveys"))
    # The session (read; no longer saved on every request), the user, their
    # session row, the person and their roles; the surveys to answer and the audits to give
    # feedback on.
    with django_assert_num_queries(7):
        assert client.get(reverse("voice:my_surveys")).status_code == 200


@pytest.mark.django_db
def test_survey_anonymity_threshold_sets_the_fewest_answers_shown(role_client):
    from auditloop.standards.services import framework_settings_set

    client, _ = role_client(Role.QA_MANAGER)
    survey = open_survey()
    _answer_as(survey, TeamFactory(), 4)
    url = reverse("voice:survey_results", args=[survey.pk])
    assert not surveys.survey_results(survey).shown  # 4 answers, the default 5
    assert "Fewer than 5 answers" in client.get(url).content.decode()
    framework_settings_set(values={"survey_anonymity_threshold": 3}, actor=None)
    assert surveys.survey_results(survey).shown
    page = client.get(url).content.decode()
    assert "Fewer than" not in page and "(4 of 4; 95% interval" in page
    framework_settings_set(values={"survey_anonymity_threshold": 10}, actor=None)
    assert "Fewer than 10 answers" in client.get(url).content.decode()
