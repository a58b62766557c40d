"""The home page lists what needs each person's attention, by role."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from auditloop.notifications.services import notify
from auditloop.people.roles import Role
from tests.factories import AbsenceFactory, AuditorTrainingFactory, CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _home(client) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_practitioner_sees_the_cases_they_hold(role_client):
    client, me = role_client(Role.PRACTITIONER)
    CaseFactory(key_worker=me)
    CaseFactory(key_worker=me)
    CaseFactory()
    body = _home(client)
    assert "2 open cases you hold" in body
    assert "Imports" not in body and "Staff" not in body.split("<main")[1]


def test_qa_manager_sees_unallocated_cases_and_staff_records_to_complete(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    CaseFactory(key_worker=None)
    PersonFactory(job_title=None)
    body = _home(client)
    assert "open case with no key worker" in body
    assert "staff with no job title" in body
    assert "No imports yet" in body


@time_machine.travel(dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC), tick=False)
def test_qa_manager_sees_who_is_away_and_who_is_shadowing(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    AbsenceFactory(starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 6, 14))
    AbsenceFactory(starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 7, 14))
    trainee = PersonFactory()
    AuditorTrainingFactory(person=trainee, status="shadowing", recorded_on=dt.date(2026, 1, 1))
    accredited = PersonFactory()
    AuditorTrainingFactory(person=accredited, status="shadowing", recorded_on=dt.date(2025, 1, 1))
    AuditorTrainingFactory(person=accredited, status="trained", recorded_on=dt.date(2025, 6, 1))
    body = _home(client)
    assert "1 staff away today" in body
    assert "1 new auditors still shadowing" in body


def test_everyone_sees_urgent_and_unread_notices(role_client):
    client, me = role_client(Role.SENIOR_LEADER)
    notify(recipients=[me], subject="Please read", urgent=True)
    notify(recipients=[me], subject="Also this")
    body = _home(client)
    assert "1 urgent notice" in body and "2 unread notices" in body


def test_home_refuses_post(role_client):
    client, _ = role_client(Role.PRACTITIONER)
    assert client.post(reverse("home")).status_code == 405


@pytest.mark.parametrize("n", [2, 30])
def test_home_query_count_is_pinned(n, role_client, django_assert_max_num_queries):
    client, me = role_client(Role.QA_MANAGER)
    for _ in range(n):
        CaseFactory(key_worker=PersonFactory())
        AuditorTrainingFactory()
    # One query a home panel at most: moderation's reviews waiting and the revisits due
    # took it from 24 to 26; the reports panel (the framework's reports setting, and the
    # reports due, waiting for approval and published, in one query each) to 28; the
    # session's own row (people.UserSession) to 29; the practice alerts to answer and to
    # resolve (one query for both panels) to 30; the voice panels (surveys and audits to
    # answer; families to invite) to 32.
    with django_assert_max_num_queries(32):
        _home(client)
