"""The case register pages: who sees which cases, search without identifiers in URLs,
involvement queries, and pinned query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from auditloop.cases import selectors
from auditloop.cases.models import Case, Involvement
from auditloop.people.roles import Role
from tests.factories import (
    CaseEventFactory,
    CaseFactory,
    ClosedCaseFactory,
    InvolvementFactory,
    PersonFactory,
    make_audit,
)

pytestmark = pytest.mark.django_db


def _refs(response) -> set[str]:  # type: ignore[no-untyped-def]
    return {c.reference for c in response.context["page"].object_list}


def test_practitioner_sees_only_cases_they_hold_or_held(role_client):
    client, me = role_client(Role.PRACTITIONER)
    mine = CaseFactory(key_worker=me)
    held_before = CaseFactory()
    InvolvementFactory(case=held_before, person=me, started_on=dt.date(2025, 1, 1),
                       ended_on=dt.date(2025, 6, 1))
    CaseFactory()  # someone else's
    response = client.get(reverse("cases:case_list"), {"status": ""})
    assert _refs(response) == {mine.reference, held_before.reference}
    assert client.get(reverse("cases:case_detail", args=[held_before.pk])).status_code == 200


def test_team_manager_sees_the_cases_of_the_people_they_manage(role_client):
    client, tm = role_client(Role.TEAM_MANAGER)
    worker = PersonFactory(line_manager=tm)
    deeper = PersonFactory(line_manager=worker)
    theirs = CaseFactory(key_worker=worker)
    deeper_case = CaseFactory(key_worker=deeper)
    other = CaseFactory(key_worker=PersonFactory())
    refs = _refs(client.get(reverse("cases:case_list")))
    assert refs == {theirs.reference, deeper_case.reference}
    assert client.get(reverse("cases:case_detail", args=[other.pk])).status_code == 404


def test_partner_agency_lead_sees_only_their_own_cases(role_client):
    client, hv = role_client(Role.PARTNER_AGENCY_LEAD, agency="Health visiting")
    own = CaseFactory(key_worker=hv)
    CaseFactory()
    assert _refs(client.get(reverse("cases:case_list"))) == {own.reference}


def test_iro_sees_cases_they_oversee(role_client):
    client, iro = role_client(Role.IRO)
    overseen = CaseFactory()
    InvolvementFactory(case=overseen, person=iro, role=Involvement.Role.IRO)
    CaseFactory()
    assert _refs(client.get(reverse("cases:case_list"))) == {overseen.reference}


def test_senior_leader_cannot_open_the_register(role_client):
    client, _ = role_client(Role.SENIOR_LEADER)
    assert client.get(reverse("cases:case_list")).status_code == 403


def test_register_shows_open_cases_by_default_and_filters(qa_manager_client):
    open_case = CaseFactory()
    closed = ClosedCaseFactory()
    assert _refs(qa_manager_client.get(reverse("cases:case_list"))) == {open_case.reference}
    response = qa_manager_client.get(reverse("cases:case_list"), {"status": "closed"})
    assert _refs(response) == {closed.reference}
    response = qa_manager_client.get(reverse("cases:case_list"), {"team": open_case.team_id})
    assert _refs(response) == {open_case.reference}


def test_search_by_reference_is_a_post_so_identifiers_stay_out_of_urls(qa_manager_client):
    wanted = CaseFactory(child_identifier="CHILD-777")
    CaseFactory()
    response = qa_manager_client.post(reverse("cases:case_list"), {"reference": "child-777"})
    assert response.status_code == 200
    assert _refs(response) == {wanted.reference}
    assert "CHILD-777" not in response.wsgi_request.get_full_path()


def test_register_refuses_other_methods(qa_manager_client):
    assert qa_manager_client.put(reverse("cases:case_list")).status_code == 405
    case = CaseFactory()
    assert qa_manager_client.post(reverse("cases:case_detail", args=[case.pk])).status_code == 405


def test_case_page_shows_involvement_history_and_events(qa_manager_client):
    case = CaseFactory()
    worker = PersonFactory(full_name="Ada Example")
    InvolvementFactory(case=case, person=worker, started_on=dt.date(2026, 1, 1))
    CaseEventFactory(case=case, kind="taf_meeting", occurred_on=dt.date(2026, 2, 2))
    body = qa_manager_client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "Ada Example" in body
    assert "Team Around the Family meeting" in body
    assert "2 February 2026" in body


def test_who_held_the_case_on_a_day_and_was_ever_involved():
    case = CaseFactory()
    first, second = PersonFactory(), PersonFactory()
    InvolvementFactory(case=case, person=first, started_on=dt.date(2026, 1, 1),
                       ended_on=dt.date(2026, 3, 31))
    InvolvementFactory(case=case, person=second, started_on=dt.date(2026, 4, 1))
    assert [i.person for i in selectors.holders_on(case=case, on=dt.date(2026, 2, 15))] == [first]
    assert [i.person for i in selectors.holders_on(case=case, on=dt.date(2026, 5, 1))] == [second]
    assert selectors.was_ever_involved(person=first, case=case)
    assert not selectors.was_ever_involved(person=PersonFactory(), case=case)


@pytest.mark.parametrize("n", [5, 40])
def test_register_query_count_does_not_grow_with_cases(n, qa_manager_client,
                                                       django_assert_max_num_queries):
    for _ in range(n):
        CaseFactory(key_worker=PersonFactory(), team_manager=PersonFactory())
    # One more for the access log's rows for the cases shown (one insert), and one for the
    # signed-in session's own row (people.UserSession): 12 before both.
    with django_assert_max_num_queries(14):
        response = qa_manager_client.get(reverse("cases:case_list"))
    assert len(response.context["page"].object_list) == n


@pytest.mark.parametrize("n", [5, 40])
def test_team_manager_register_query_count_is_pinned(n, role_client,
                                                    django_assert_max_num_queries):
    client, tm = role_client(Role.TEAM_MANAGER)
    worker = PersonFactory(line_manager=tm)
    for _ in range(n):
        CaseFactory(key_worker=worker)
    # One more for the access log's rows for the cases shown (one insert), and one for the
    # signed-in session's own row (people.UserSession): 13 before both.
    with django_assert_max_num_queries(15):
        response = client.get(reverse("cases:case_list"))
    assert response.context["page"].paginator.count == n


def test_case_page_query_count_is_pinned(qa_manager_client, django_assert_max_num_queries):
    case = CaseFactory()
    for i in range(20):
        InvolvementFactory(case=case, person=PersonFactory(), started_on=dt.date(2025, 1, 1 + i))
        CaseEventFactory(case=case, occurred_on=dt.date(2025, 2, 1 + i))
    for _ in range(3):
        make_audit(case=case)
    # +4 for the audits of the case (the audits app's section): the audits, which the reader
    # may open (their auditors, any blind review), and the access log of those listed.
    with django_assert_max_num_queries(18):
        assert qa_manager_client.get(
            reverse("cases:case_detail", args=[case.pk])).status_code == 200


def test_closed_cases_count_as_closed():
    ClosedCaseFactory()
    assert Case.objects.filter(status=Case.Status.CLOSED).count() == 1
