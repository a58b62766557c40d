"""The leaders' headline on the home page: last month's audits graded and good or better in
their area, with its count and interval, and the two-year p-chart."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from auditloop.audits.models import Audit
from auditloop.insight import home
from auditloop.people.roles import Role
from tests.factories import CaseFactory, ServiceFactory, TeamFactory, finish_audit, make_audit

pytestmark = pytest.mark.django_db
APRIL = dt.datetime(2026, 4, 15, 9, tzinfo=dt.UTC)  # so last month is March 2026


def graded(grade: str, day: dt.date, team) -> Audit:  # type: ignore[no-untyped-def]
    audit = finish_audit(make_audit(case=CaseFactory(team=team, service=team.service)),
                         grade=grade)
    Audit.objects.filter(pk=audit.pk).update(
        submitted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(11))))
    return audit


@pytest.fixture
def two_services():  # type: ignore[no-untyped-def]
    care = TeamFactory(name="Fostering", service=ServiceFactory(name="Children in Care"))
    help_ = TeamFactory(name="Family Support", service=ServiceFactory(name="Early Help"))
    for grade in ("good", "outstanding", "inadequate"):
        graded(grade, dt.date(2026, 3, 10), care)
    for grade in ("good", "requires_improvement"):
        graded(grade, dt.date(2026, 3, 12), help_)
    graded("good", dt.date(2026, 2, 3), care)  # February: on the chart, not in the headline
    graded("good", dt.date(2026, 4, 2), care)  # this month: neither
    return care, help_


def home_html(client) -> str:  # type: ignore[no-untyped-def]
    with time_machine.travel(APRIL, tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_senior_leader_sees_the_councils_headline(two_services, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.SENIOR_LEADER)
    html = home_html(client)
    assert "Last month&#39;s audits: the whole council" in html
    assert "Audits graded in March 2026" in html
    assert 'id="headline-graded"' in html and ">5<span" in html
    assert "60% <span class=\"govuk-body-s\">(3 of 5; 95% interval 23% to 88%)" in html
    chart = html.split('id="headline-chart"')[1]
    assert '<svg' in chart and 'role="img"' in chart
    assert "Audits good or better each month, 2 months from 2026-02 to 2026-03" in chart
    assert f'href="{reverse("insight:monthly")}?month=2026-03"' in html
    assert f'{reverse("insight:audits")}?start=2026-03-01&amp;end=2026-03-31"' in html


def test_a_practitioner_has_no_headline(two_services, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.PRACTITIONER)
    html = home_html(client)
    assert 'id="headline"' not in html and "Last month&#39;s audits" not in html


@pytest.mark.parametrize("role", [Role.ASSISTANT_DIRECTOR, Role.DIRECTOR, Role.HEAD_OF_QA])
def test_other_leaders_see_the_whole_council(role, two_services, role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(role)
    html = home_html(client)
    assert "Last month&#39;s audits: the whole council" in html
    assert "(3 of 5;" in html


def test_a_service_manager_sees_only_their_service(two_services, role_client):  # type: ignore[no-untyped-def]
    care, _ = two_services
    client, _ = role_client(Role.SERVICE_MANAGER, team=care)
    html = home_html(client)
    assert "Last month&#39;s audits: Children in Care" in html
    assert ">3<span" in html
    assert "67% <span class=\"govuk-body-s\">(2 of 3;" in html
    service = care.service_id
    assert f'href="{reverse("insight:monthly")}?month=2026-03&amp;service={service}"' in html
    assert f"service={service}" in html.split('id="headline-graded"')[1].split("</a>")[0]


def test_the_headline_takes_a_handful_of_queries(two_services, person_with_role,  # type: ignore[no-untyped-def]
                                                 django_assert_max_num_queries):
    care, _ = two_services
    for person, queries in ((person_with_role(Role.SERVICE_MANAGER, team=care), 3),
                            (person_with_role(Role.DIRECTOR), 2)):
        user = person.user
        assert user.roles  # the signed-in user's roles are read once per request anyway
        with time_machine.travel(APRIL, tick=False), django_assert_max_num_queries(queries):
            [panel] = home.headline(user)
        assert panel.context["graded"] == (3 if queries == 3 else 5)


def test_the_headline_adds_two_queries_to_the_home_page(two_services, role_client,  # type: ignore[no-untyped-def]
                                                       monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from auditloop.common import attention

    client, _ = role_client(Role.DIRECTOR)
    home_html(client)  # the chart is drawn once, then cached
    with CaptureQueriesContext(connection) as with_headline:
        assert "Last month&#39;s audits" in home_html(client)
    monkeypatch.setattr(attention, "_providers",
                        [p for p in attention._providers if p is not home.headline])
    with CaptureQueriesContext(connection) as without:
        assert "Last month&#39;s audits" not in home_html(client)
    assert len(with_headline) - len(without) == 2
