"""The access log covers every page that shows children's case-level data, and every
refused request of a signed-in person (one DENIED row, written in one place)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db


# --- Refused requests ---------------------------------------------------------------------


def test_a_refused_page_without_a_record_writes_one_denied_row_with_a_dash(role_client):
    client, person = role_client(Role.PRACTITIONER)
    assert client.get(reverse("audits:tracker")).status_code == 403
    row = AccessLog.objects.get()
    assert (row.user_id, row.action, row.object_type, row.object_id) == (
        person.user_id, "denied", "audits:tracker", "-")
    assert row.request_id


def test_a_hidden_record_writes_one_denied_row_naming_it(role_client):
    client, person = role_client(Role.PRACTITIONER)
    case = CaseFactory()
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404
    assert list(AccessLog.objects.values_list("action", "object_type", "object_id")) == [
        ("denied", "cases:case_detail", str(case.pk))]


def test_an_address_that_matches_no_page_writes_nothing(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    assert client.get("/no-such-page/").status_code == 404
    assert not AccessLog.objects.exists()


def test_nobody_signed_in_writes_nothing(client):
    case = CaseFactory()
    client.get(reverse("cases:case_detail", args=[case.pk]))
    client.get(reverse("audits:tracker"))
    assert not AccessLog.objects.exists()


# --- The case register: each case a page of results shows -----------------------------------


def test_the_case_list_logs_each_case_on_the_page_in_one_insert(role_client,
                                                                django_assert_num_queries):
    client, person = role_client(Role.QA_MANAGER)
    cases = [CaseFactory() for _ in range(3)]
    client.get(reverse("cases:case_list"))
    rows = AccessLog.objects.filter(user=person.user)
    assert sorted(rows.values_list("action", "object_type", "object_id")) == sorted(
        ("list", "case", str(c.pk)) for c in cases)
    assert len(set(rows.values_list("request_id", flat=True))) == 1


def test_a_case_search_logs_the_cases_found_as_a_search(role_client):
    client, person = role_client(Role.QA_MANAGER)
    found = CaseFactory(reference="FIND-ME-1")
    CaseFactory(reference="OTHER-2")
    client.post(reverse("cases:case_list"), {"reference": "FIND-ME-1"})
    assert list(AccessLog.objects.filter(user=person.user).values_list(
        "action", "object_type", "object_id")) == [("search", "case", str(found.pk))]
