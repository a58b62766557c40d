"""Complaint themes (voice.theme_views): the year's complaints by theme against the year
before, and a themed audit proposed from one of them (programme.proposals)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.cases.models import Theme
from auditloop.people.roles import Role
from auditloop.programme import services as programme_services
from auditloop.programme.models import ThemeProposal
from auditloop.voice import services
from auditloop.voice.models import ComplaintCompliment
from auditloop.voice.theme_views import ThemeRow, hypothesis_for, theme_rows
from tests.programme.conftest import framework  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db
K = ComplaintCompliment.Kind
PAGE = reverse("voice:complaint_themes")
TODAY = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC), tick=False):
        yield


def entry(theme: str = "Neglect", received_on: dt.date = dt.date(2026, 11, 3),
          kind: str = K.COMPLAINT) -> ComplaintCompliment:
    return services.complaint_compliment_record(
        actor=None, kind=kind, source=ComplaintCompliment.Source.PARENT_OR_CARER,
        received_on=received_on, summary="Nobody called back.", theme=theme)


def test_complaints_by_theme_this_year_and_the_year_before():
    for _ in range(3):
        entry("Neglect")
    entry("Neglect", dt.date(2025, 6, 1))  # the year before
    entry("Neglect", dt.date(2024, 11, 30))  # before that: not counted
    entry("Neglect", kind=K.COMPLIMENT)  # compliments are not complaints
    entry("Young carers", dt.date(2025, 12, 1))  # the first day of this year
    entry("Housing", dt.date(2025, 11, 30))  # the year before only: left out
    rows = theme_rows(TODAY)
    assert [(r.theme, r.this_year, r.year_before) for r in rows] == [
        ("Neglect", 3, 1), ("Young carers", 1, 0)]


def test_the_hypothesis_says_whether_complaints_rose():
    assert hypothesis_for(ThemeRow("Neglect", 9, 4)).startswith(
        "Complaints about Neglect rose to 9 this year, from 4 the year before:")
    assert hypothesis_for(ThemeRow("Neglect", 2, 5)).startswith(
        "Complaints about Neglect stood at 2 this year, against 5 the year before:")


def test_the_page_lists_the_themes(role_client):
    entry("Neglect")
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(PAGE).content.decode()
    assert "Neglect" in page and "Propose a themed audit" in page
    assert "1 December 2025" in page


def test_proposing_puts_it_to_the_qa_manager(role_client, framework):  # noqa: F811
    Theme.objects.create(name="Neglect")
    december = programme_services.cycle_create(year=2026, number=12, actor=None)
    for _ in range(2):
        entry("neglect")
    client, person = role_client(Role.QA_MANAGER)
    response = client.post(PAGE, {"theme": "neglect"})
    assert response.status_code == 302
    proposal = ThemeProposal.objects.get()
    assert proposal.source == "complaints" and proposal.about == "complaints:neglect:2026"
    assert proposal.theme == "neglect" and proposal.cycle == december
    assert proposal.hypothesis.startswith("Complaints about neglect rose to 2 this year")
    # The register's spelling, so the case proposal form's theme box is ticked.
    assert proposal.selection_filter == {"themes": ["Neglect"]}
    assert proposal.proposed_by == person
    # Proposing again (a double click) gives the same proposal; the page says it waits.
    client.post(PAGE, {"theme": "neglect"})
    assert ThemeProposal.objects.count() == 1
    page = client.get(PAGE).content.decode()
    assert "waiting for the QA manager" in page
    assert reverse("programme:proposal_list") in page


def test_a_theme_not_on_the_register_is_proposed_without_a_case_filter(role_client):
    entry("Communication")
    client, _ = role_client(Role.QA_MANAGER)
    client.post(PAGE, {"theme": "Communication"})
    assert ThemeProposal.objects.get().selection_filter == {}


def test_a_theme_with_no_complaints_this_year_is_not_proposed(role_client):
    entry("Housing", dt.date(2025, 6, 1))
    client, _ = role_client(Role.QA_MANAGER)
    response = client.post(PAGE, {"theme": "Housing"}, follow=True)
    assert "nothing to propose" in response.content.decode()
    assert not ThemeProposal.objects.exists()


def test_who_may_read_and_who_may_propose(role_client):
    entry("Neglect")
    practitioner, _ = role_client(Role.PRACTITIONER)
    assert practitioner.get(PAGE).status_code == 403
    assert practitioner.post(PAGE, {"theme": "Neglect"}).status_code == 403
    assert not ThemeProposal.objects.exists()


def test_the_page_takes_the_same_queries_however_many_themes(role_client,
                                                             django_assert_num_queries):
    client, _ = role_client(Role.QA_MANAGER)

    def fill(start: int, n: int) -> None:
        for i in range(start, start + n):
            entry(f"Theme {i}")
            if i % 2:
                client.post(PAGE, {"theme": f"Theme {i}"})

    fill(0, 2)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE)
    # Counted now: the next request empties the connection's log the count is read from.
    # The session (read, and saved: three), the user, their session row, the person and
    # their roles, the themes' counts and the proposals waiting (with their cycles).
    counted = len(few.captured_queries)
    assert 0 < counted <= 10
    fill(2, 10)
    with django_assert_num_queries(counted):
        client.get(PAGE)
