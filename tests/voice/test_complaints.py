"""The log of complaints and compliments (002): logging once, the outcome and learning,
filters, themes, and who sees the case an entry names."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.cases.models import Theme
from auditloop.common.errors import DomainError
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.voice import selectors, services
from auditloop.voice.models import ComplaintCompliment
from tests.factories import CaseFactory, TeamFactory

K = ComplaintCompliment.Kind
S = ComplaintCompliment.Source
LIST = reverse("voice:complaint_list")
NEW = reverse("voice:complaint_new")


def entry(**kwargs: object) -> ComplaintCompliment:
    values: dict[str, object] = {
        "actor": None, "kind": K.COMPLAINT, "source": S.PARENT_OR_CARER,
        "received_on": dt.date(2026, 11, 3), "summary": "Nobody called back.",
        "theme": "Neglect"}
    values.update(kwargs)
    return services.complaint_compliment_record(**values)  # type: ignore[arg-type]


def posted(form_token: str = "", **kwargs: str) -> dict[str, str]:
    data = {"kind": K.COMPLAINT, "source": S.PARENT_OR_CARER, "received_on": "2026-11-03",
            "summary": "The plan was not shared with us.", "theme": "", "service": "",
            "team": "", "case_reference": "", "form_token": form_token}
    data.update(kwargs)
    return data


@pytest.mark.django_db
def test_the_qa_manager_logs_a_complaint_once_when_the_form_is_posted_twice(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.QA_MANAGER)
    Theme.objects.create(name="Domestic abuse")
    token = "a" * 32
    first = client.post(NEW, posted(token, theme="Domestic abuse"))
    second = client.post(NEW, posted(token, theme="Domestic abuse"))
    assert ComplaintCompliment.objects.count() == 1
    logged = ComplaintCompliment.objects.get()
    assert first["Location"] == second["Location"] == reverse(
        "voice:complaint_detail", args=[logged.pk])
    assert logged.theme == "Domestic abuse" and logged.recorded_by == person
    page = client.get(first["Location"]).content.decode()
    assert "Received 3 November 2026" in page and "The plan was not shared with us." in page


@pytest.mark.django_db
def test_the_theme_is_one_the_service_already_uses(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    Theme.objects.create(name="Young carers")
    page = client.get(NEW).content.decode()
    assert '<option value="Young carers">' in page
    response = client.post(NEW, posted("b" * 32, theme="Something made up"))
    assert response.status_code == 200 and not ComplaintCompliment.objects.exists()


@pytest.mark.django_db
def test_a_date_in_the_future_is_refused_with_what_to_do(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    response = client.post(NEW, posted("c" * 32, received_on=tomorrow.isoformat()))
    assert "The date received must be today or in the past." in response.content.decode()
    assert not ComplaintCompliment.objects.exists()


@pytest.mark.django_db
def test_a_team_outside_the_chosen_service_is_refused():
    team = TeamFactory()
    other = TeamFactory(service__name="Children in care", service__kind="cla")
    with pytest.raises(DomainError):
        entry(team=team, service=other.service)
    assert entry(team=team).service == team.service


@pytest.mark.django_db
def test_a_case_is_named_by_its_reference_and_an_unknown_one_is_refused(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    case = CaseFactory()
    response = client.post(NEW, posted("d" * 32, case_reference="NOSUCH1"))
    assert "There is no case you can see with this reference" in response.content.decode()
    client.post(NEW, posted("e" * 32, case_reference=case.reference))
    assert ComplaintCompliment.objects.get().case == case


@pytest.mark.django_db
def test_the_logger_sees_the_case_and_the_view_is_logged(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.QA_MANAGER)
    case = CaseFactory()
    logged = entry(case=case)
    page = client.get(reverse("voice:complaint_detail", args=[logged.pk])).content.decode()
    assert case.reference in page
    assert AccessLog.objects.filter(user=person.user, object_type="case",
                                    object_id=str(case.pk)).exists()
    client.get(LIST)
    assert AccessLog.objects.filter(user=person.user, object_type="case",
                                    action=AccessLog.Action.LIST).exists()


@pytest.mark.django_db
def test_report_readers_read_the_log_without_the_case(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.SENIOR_LEADER)
    case = CaseFactory()
    logged = entry(case=case)
    for url in (LIST, reverse("voice:complaint_detail", args=[logged.pk])):
        page = client.get(url).content.decode()
        assert "Neglect" in page and case.reference not in page
        assert "Record the outcome" not in page and "Log a complaint" not in page
    assert not AccessLog.objects.filter(user=person.user, object_type="case").exists()
    assert client.get(NEW).status_code == 403
    assert client.post(reverse("voice:complaint_outcome", args=[logged.pk]),
                       {"outcome": "Upheld"}).status_code == 403


@pytest.mark.django_db
def test_a_practitioner_neither_reads_nor_logs(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.PRACTITIONER)
    assert client.get(LIST).status_code == 403
    assert client.post(NEW, posted("f" * 32)).status_code == 403
    assert not ComplaintCompliment.objects.exists()


@pytest.mark.django_db
def test_the_outcome_and_learning_are_recorded_and_an_empty_outcome_is_refused(role_client):  # type: ignore[no-untyped-def]
    client, person = role_client(Role.HEAD_OF_QA)
    logged = entry()
    url = reverse("voice:complaint_outcome", args=[logged.pk])
    refused = client.post(url, {"outcome": ""}).content.decode()
    assert "Write the outcome" in refused and "Choose the decision" in refused
    response = client.post(url, {"decision": "partly_upheld",
                                 "outcome": "An apology was sent.",
                                 "learning": "Share the plan at each review."})
    assert response.status_code == 302
    logged.refresh_from_db()
    assert logged.has_outcome and logged.outcome_recorded_by == person
    assert logged.decision == ComplaintCompliment.Decision.PARTLY_UPHELD
    page = client.get(response["Location"]).content.decode()
    assert "Share the plan at each review." in page
    assert "Change the outcome and learning" in page


@pytest.mark.django_db
def test_the_wrong_method_is_refused(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    logged = entry()
    assert client.post(LIST).status_code == 405
    assert client.post(reverse("voice:complaint_detail", args=[logged.pk])).status_code == 405
    assert client.get(reverse("voice:complaint_detail", args=[logged.pk + 99])).status_code \
        == 404


@pytest.mark.django_db
def test_the_list_filters_by_kind_theme_team_and_month(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    team = TeamFactory(name="Locality team North")
    a = entry(summary="A", team=team, received_on=dt.date(2026, 10, 20))
    b = entry(kind=K.COMPLIMENT, summary="B", theme="Young carers",
              received_on=dt.date(2026, 11, 2))
    c = entry(summary="C", received_on=dt.date(2026, 11, 5))

    def listed(**query: object) -> set[int]:
        response = client.get(LIST, query)
        return {e.pk for e in response.context["entries"]}

    assert listed() == {a.pk, b.pk, c.pk}
    assert listed(kind=K.COMPLIMENT) == {b.pk}
    assert listed(theme="Neglect") == {a.pk, c.pk}
    assert listed(team=team.pk) == {a.pk}
    assert listed(month="2026-11") == {b.pk, c.pk}


@pytest.mark.django_db
def test_themes_count_complaints_and_compliments_over_the_year():
    entry(received_on=dt.date(2026, 11, 1))
    entry(received_on=dt.date(2026, 6, 1))
    entry(kind=K.COMPLIMENT, received_on=dt.date(2026, 6, 1))
    entry(theme="Young carers", received_on=dt.date(2026, 6, 1))
    entry(received_on=dt.date(2025, 6, 1))  # over a year before
    counts = selectors.theme_counts(since=dt.date(2025, 12, 1), until=dt.date(2026, 11, 30))
    assert [(c.theme, c.complaints, c.compliments) for c in counts] == [
        ("Neglect", 2, 1), ("Young carers", 1, 0)]


@pytest.mark.django_db
def test_the_list_takes_the_same_number_of_queries_however_many_entries(  # type: ignore[no-untyped-def]
        role_client, django_assert_num_queries):
    client, _ = role_client(Role.QA_MANAGER)

    def fill(n: int) -> None:
        for i in range(n):
            entry(team=TeamFactory(), case=CaseFactory() if i % 2 else None,
                  theme=f"Theme {i}")

    fill(2)
    client.get(LIST)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    fill(20)
    # The session, the person and their roles, the navigation, the theme and team choices,
    # the count and the page, the cases shown and their access-log rows, the themes table
    # and the share upheld.
    assert len(few.captured_queries) <= 19
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(LIST)


@pytest.mark.django_db
def test_a_compliment_has_no_decision_and_a_complaint_needs_one():
    compliment = entry(kind=K.COMPLIMENT)
    with pytest.raises(DomainError, match="A compliment has no decision"):
        services.complaint_compliment_outcome(entry=compliment, actor=None, outcome="Told",
                                              learning="", decision="upheld")
    services.complaint_compliment_outcome(entry=compliment, actor=None, outcome="Told",
                                          learning="")
    with pytest.raises(DomainError, match="Choose the decision"):
        services.complaint_compliment_outcome(entry=entry(), actor=None, outcome="Done",
                                              learning="")


@pytest.mark.django_db
def test_the_share_upheld_counts_decided_complaints_with_its_interval(role_client):  # type: ignore[no-untyped-def]
    D = ComplaintCompliment.Decision
    for decision in (D.UPHELD, D.PARTLY_UPHELD, D.NOT_UPHELD, D.NOT_UPHELD, D.WITHDRAWN):
        services.complaint_compliment_outcome(entry=entry(received_on=dt.date(2026, 6, 1)),
                                              actor=None, outcome="Done", learning="",
                                              decision=decision)
    entry(received_on=dt.date(2026, 6, 1))  # not decided yet
    share = selectors.share_upheld(since=dt.date(2025, 12, 1), until=dt.date(2026, 11, 30))
    assert (share.k, share.n) == (2, 4) and share.low is not None and share.low < 0.5
    client, _ = role_client(Role.QA_MANAGER)
    with time_machine.travel(dt.datetime(2026, 11, 30, 12, tzinfo=dt.UTC), tick=False):
        page = client.get(LIST).content.decode()
    assert "50% (2 of 4 decided; 95% interval" in page
