"""The QA manager's page of proposed themed audits: who may open it, accept, edit then
accept, dismiss with a reason, a stale or doubled form, the navigation and its queries."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.programme import proposals, services
from auditloop.programme.models import Cycle, ThemeProposal
from tests.factories import ServiceFactory, TeamFactory

pytestmark = pytest.mark.django_db
P = ThemeProposal.Status
LIST = reverse("programme:proposal_list")


@pytest.fixture(autouse=True)
def _today():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def june(framework) -> Cycle:  # type: ignore[no-untyped-def]
    cycle = services.cycle_create(year=2026, number=6, actor=None)
    services.cycle_create(year=2026, number=7, actor=None)
    return cycle


def _propose(about: str = "complaints:neglect:2026", **kw: object) -> ThemeProposal:
    values: dict[str, object] = {
        "source": "complaints", "about": about, "theme": "Neglect",
        "hypothesis": "Complaints about neglect rose to 9 this year.",
        "selection_filter": {"themes": ["Neglect"]}, **kw}
    return proposals.propose_theme(**values)  # type: ignore[arg-type]


def _url(name: str, proposal: ThemeProposal) -> str:
    return reverse(f"programme:{name}", args=[proposal.pk])


def test_only_who_runs_the_cycle_sees_the_page(june, role_client):
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(LIST).status_code == 403
    p = _propose()
    assert client.post(_url("proposal_accept", p)).status_code == 403
    assert ThemeProposal.objects.get().status == P.PROPOSED


def test_the_page_lists_what_waits_and_what_was_decided(june, qa_manager_client):
    _propose()
    proposals.dismiss(_propose("indicator:3", source="indicator", theme="Drift"), None,
                      "Audited in March")
    page = qa_manager_client.get(LIST).content.decode()
    assert "Complaints about neglect rose to 9 this year." in page
    assert "The June 2026 cycle" in page and "theme Neglect" in page
    assert "Dismissed: Audited in March" in page
    assert 'data-prevent-double-click="true"' in page


def test_accept_from_the_page(june, qa_manager_client):
    p = _propose()
    response = qa_manager_client.post(_url("proposal_accept", p))
    assert response.status_code == 302 and response.url == LIST
    june.refresh_from_db()
    assert june.theme == "Neglect" and june.selection_filter == {"themes": ["Neglect"]}
    page = qa_manager_client.get(LIST).content.decode()
    assert "Accepted: Neglect is the theme of the June 2026 cycle" in page


def test_a_double_click_accepts_once(june, qa_manager_client):
    p = _propose()
    qa_manager_client.post(_url("proposal_accept", p))
    again = qa_manager_client.post(_url("proposal_accept", p))
    assert again.status_code == 302
    assert june.events.filter(what__contains="proposed themed audit").count() == 1


def test_a_stale_form_says_who_decided(june, qa_manager_client, person_with_role):
    p = _propose()
    other = person_with_role(Role.QA_MANAGER, full_name="Dana Okafor")
    proposals.dismiss(p, other, "Not this year")
    response = qa_manager_client.post(_url("proposal_accept", p))
    assert response.status_code == 409
    assert "dismissed by Dana Okafor on 20 May 2026" in response.content.decode()
    response = qa_manager_client.post(_url("proposal_edit", p),
                                      {"theme": "X", "hypothesis": "Y"})
    assert response.status_code == 409
    june.refresh_from_db()
    assert june.theme != "X"


def test_edit_then_accept(june, qa_manager_client):
    p = _propose()
    service, team = ServiceFactory(name="Family Support"), TeamFactory()
    form = qa_manager_client.get(_url("proposal_edit", p))
    assert form.status_code == 200 and form.context["form"].initial["themes"] == ["Neglect"]
    response = qa_manager_client.post(_url("proposal_edit", p), {
        "theme": "Neglect in family support", "hypothesis": "Plans drift.",
        "service_ids": [str(service.pk)], "team_ids": [str(team.pk)], "agency_type": "",
        "open_longer_than_months": "6"})
    assert response.status_code == 302
    june.refresh_from_db()
    assert june.theme == "Neglect in family support"
    assert june.selection_filter == {"service_ids": [service.pk], "team_ids": [team.pk],
                                     "open_longer_than_months": 6}


def test_edit_shows_errors_in_a_summary(june, qa_manager_client):
    p = _propose()
    response = qa_manager_client.post(_url("proposal_edit", p), {"theme": "",
                                                                 "hypothesis": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "govuk-error-summary" in page and "Enter the theme" in page
    assert ThemeProposal.objects.get().is_open


def test_dismiss_needs_a_reason(june, qa_manager_client):
    p = _propose()
    response = qa_manager_client.post(_url("proposal_dismiss", p), {"reason": " "})
    assert response.status_code == 400
    assert "Say why the proposal is dismissed" in response.content.decode()
    response = qa_manager_client.post(_url("proposal_dismiss", p),
                                      {"reason": "Audited in March"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == P.DISMISSED and p.dismissal_reason == "Audited in March"
    assert p.decided_by is not None


def test_the_page_is_in_the_navigation_and_linked_from_the_cycle(june, qa_manager_client):
    landing = qa_manager_client.get("/work/month/")
    assert landing.status_code == 200 and LIST in landing.content.decode()
    cycle_page = qa_manager_client.get(reverse("programme:cycle_detail", args=[june.pk]))
    assert LIST in cycle_page.content.decode()


def test_the_page_takes_the_same_queries_however_many_proposals(
        june, qa_manager_client, django_assert_num_queries):  # type: ignore[no-untyped-def]
    services_ = [ServiceFactory() for _ in range(3)]

    def fill(start: int, n: int) -> None:
        for i in range(start, start + n):
            p = _propose(f"indicator:{i}", source="indicator", theme=f"Theme {i}",
                         selection_filter={"service_ids": [services_[i % 3].pk],
                                           "team_ids": [TeamFactory().pk]})
            if i % 2:
                proposals.dismiss(p, None, "Not now")

    fill(0, 2)
    qa_manager_client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        qa_manager_client.get(LIST)
    fill(2, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        qa_manager_client.get(LIST)
