"""The information governance lead's pages: the access log searched by record, person,
action and dates, the sign-in events, their exports, and who may open them."""

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from auditloop.common.models import AccessLog
from auditloop.people.models import SignInEvent
from auditloop.people.roles import Role
from auditloop.people.signin_events import record
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)


def logged(person, *, at, object_type="case", object_id=1, action="view", reason="",
           ip="192.0.2.1", request_id="abc123"):  # type: ignore[no-untyped-def]
    with time_machine.travel(at, tick=False):
        return AccessLog.objects.create(
            user=person.user, action=action, object_type=object_type, object_id=str(object_id),
            ip_address=ip, path=f"/{object_type}/{object_id}/", request_id=request_id,
            reason=reason)


@pytest.fixture
def ig(client_for):  # type: ignore[no-untyped-def]
    lead = PersonFactory(roles=[Role.INFORMATION_GOVERNANCE_LEAD])
    return client_for(lead)


def test_who_looked_at_this_childs_record_last_month_is_one_screen(ig):  # type: ignore[no-untyped-def]
    case, other = CaseFactory(), CaseFactory()
    audit = make_audit(case=case)
    looked, audited, elsewhere, long_ago = (PersonFactory() for _ in range(4))
    logged(looked, at=NOW - dt.timedelta(days=3), object_id=case.pk)
    logged(audited, at=NOW - dt.timedelta(days=20), object_type="audit", object_id=audit.pk)
    logged(elsewhere, at=NOW - dt.timedelta(days=2), object_id=other.pk)
    logged(long_ago, at=NOW - dt.timedelta(days=70), object_id=case.pk)

    with time_machine.travel(NOW, tick=False):
        response = ig.post(reverse("governance:access_log"), {"reference": case.reference},
                           follow=True)
    url = response.redirect_chain[-1][0]
    assert case.reference not in url  # references never sit in a URL
    assert f"case={case.pk}" in url
    page = response.content.decode()
    html = page[page.index('id="access-log-count"'):]  # the results, not the search form
    assert response.status_code == 200
    assert "2 entries from 20 October 2026 to 20 November 2026 for case" in html
    assert looked.full_name in html and audited.full_name in html
    assert elsewhere.full_name not in html and long_ago.full_name not in html
    assert html.count(f"<strong>{case.reference}</strong>") == 2
    assert f'value="{case.reference}"' in page  # the search box keeps the reference


def test_an_unknown_reference_is_an_error(ig):  # type: ignore[no-untyped-def]
    response = ig.post(reverse("governance:access_log"), {"reference": "NO-SUCH-CASE"})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'class="govuk-error-summary"' in html
    assert "No case has this reference" in html and 'href="#id_reference"' in html


def test_filters_by_person_action_and_dates_newest_first(ig):  # type: ignore[no-untyped-def]
    one, two = PersonFactory(), PersonFactory()
    logged(one, at=NOW - dt.timedelta(days=5), action="view", object_id=1)
    logged(one, at=NOW - dt.timedelta(days=4), action="export", object_id=2)
    logged(one, at=NOW - dt.timedelta(days=1), action="view", object_id=3)
    logged(two, at=NOW - dt.timedelta(days=1), action="view", object_id=4)
    logged(one, at=NOW - dt.timedelta(days=100), action="view", object_id=5)
    with time_machine.travel(NOW, tick=False):
        html = ig.get(reverse("governance:access_log"), {
            "person": one.user.pk, "kind": "view"}).content.decode()
        assert "2 entries" in html
        assert html.index("Case 3") < html.index("Case 1")
        assert "Case 4" not in html and "Case 2" not in html and "Case 5" not in html
        html = ig.get(reverse("governance:access_log"), {
            "start": "2026-08-01", "end": "2026-08-31"}).content.decode()
        assert "1 entry" in html and "Case 5" in html
        bad = ig.get(reverse("governance:access_log"), {"start": "2026-09-02",
                                                        "end": "2026-09-01"})
        assert bad.status_code == 400


def test_times_are_uk_time_with_utc_stated(ig):  # type: ignore[no-untyped-def]
    logged(PersonFactory(), at=dt.datetime(2026, 6, 10, 13, 5, 9, tzinfo=dt.UTC))
    html = ig.get(reverse("governance:access_log"),
                  {"start": "2026-06-01", "end": "2026-06-30"}).content.decode()
    assert "10 June 2026</span> <span class=\"app-nowrap\">14:05:09" in html
    assert "13:05:09 UTC" in html
    assert "192.0.2.1" in html and "abc123" in html


def test_pages_are_paginated(ig):  # type: ignore[no-untyped-def]
    person = PersonFactory()
    for i in range(55):
        logged(person, at=NOW - dt.timedelta(hours=i + 1), object_id=1000 + i)
    with time_machine.travel(NOW, tick=False):
        first = ig.get(reverse("governance:access_log")).content.decode()
        second = ig.get(reverse("governance:access_log"), {"page": 2}).content.decode()
    assert "Case 1000" in first and "Case 1054" not in first and "Page 1 of 2" in first
    assert "Case 1054" in second


def test_access_log_exports_keep_the_filters_and_are_themselves_logged(ig):  # type: ignore[no-untyped-def]
    case = CaseFactory()
    person = PersonFactory()
    logged(person, at=NOW - dt.timedelta(days=2), object_id=case.pk, action="export",
           reason="=HYPERLINK(\"http://example.org\")")
    logged(person, at=NOW - dt.timedelta(days=2), object_id=case.pk + 1)
    query = {"case": case.pk}
    with time_machine.travel(NOW, tick=False):
        response = ig.get(reverse("governance:access_log_csv"), query)
        xlsx = ig.get(reverse("governance:access_log_xlsx"), query)
    assert response["Content-Disposition"].startswith('attachment; filename="access-log-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["When (UK time)", "When (UTC)", "Who"]
    assert len(rows) == 2
    assert rows[1][7] == case.reference
    assert rows[1][-1].startswith("'=HYPERLINK")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(values) == 2 and values[1][7] == case.reference
    assert values[1][-1].startswith("'=")
    exports = AccessLog.objects.filter(object_type="access_log", action="export")
    assert exports.count() == 2
    assert f"case={case.pk}" in exports.first().object_id


def test_sign_in_events_page_filters_and_exports(ig):  # type: ignore[no-untyped-def]
    person = PersonFactory()
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        record(SignInEvent.Kind.SIGNED_IN, user=person.user)
        record(SignInEvent.Kind.LOCKED_OUT, user=person.user)
        record(SignInEvent.Kind.SIGN_IN_FAILED, username="someone.unknown")
    with time_machine.travel(NOW, tick=False):
        page = ig.get(reverse("governance:sign_in_events"))
        html = page.content.decode()
        assert "3 events" in html
        assert "someone.unknown" in html and "No such account" in html
        assert "Locked out after too many wrong passwords" in html
        html = ig.get(reverse("governance:sign_in_events"),
                      {"kind": "locked_out", "person": person.user.pk}).content.decode()
        assert "1 event " in html
        redirect = ig.post(reverse("governance:sign_in_events"),
                           {"person": person.user.pk, "kind": "", "start": "", "end": ""})
        assert redirect["Location"].endswith(f"person={person.user.pk}")
        export = ig.get(reverse("governance:sign_in_events_csv"), {"kind": "sign_in_failed"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[1][3] == "someone.unknown"
    assert AccessLog.objects.filter(object_type="sign_in_events", action="export").exists()


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.DIRECTOR, Role.AUDITOR])
def test_only_the_information_governance_lead_opens_them(role, client_for):  # type: ignore[no-untyped-def]
    client = client_for(PersonFactory(roles=[role]))
    for name in ("governance:access_log", "governance:sign_in_events",
                 "governance:access_log_csv"):
        assert client.get(reverse(name)).status_code == 403


def test_the_lead_needs_no_case_access_and_sees_no_case(ig):  # type: ignore[no-untyped-def]
    case = CaseFactory()
    assert ig.get(reverse("cases:case_detail", args=[case.pk])).status_code in (403, 404)
    assert ig.get(reverse("governance:access_log")).status_code == 200


def test_home_links_to_the_pages_for_the_lead_only(ig, client_for):  # type: ignore[no-untyped-def]
    record(SignInEvent.Kind.LOCKED_OUT, username="guessed")
    html = ig.get(reverse("home")).content.decode()
    assert "Information governance" in html
    assert f'href="{reverse("governance:access_log")}"' in html
    assert f'href="{reverse("governance:sign_in_events")}"' in html
    assert "1 sign-in refused by the lock in the past 7 days" in html
    other = client_for(PersonFactory(roles=[Role.QA_MANAGER])).get(reverse("home"))
    assert reverse("governance:access_log") not in other.content.decode()


def _fill(n: int) -> None:
    case = CaseFactory()
    audit = make_audit(case=case)
    for i in range(n):
        person = PersonFactory()
        logged(person, at=NOW - dt.timedelta(hours=i + 1), object_id=case.pk)
        logged(person, at=NOW - dt.timedelta(hours=i + 1), object_type="audit",
               object_id=audit.pk)
        with time_machine.travel(NOW - dt.timedelta(hours=i + 1), tick=False):
            record(SignInEvent.Kind.SIGNED_IN, user=person.user)


@pytest.mark.parametrize("n", [1, 20])
def test_access_log_query_count_is_pinned(n, ig, django_assert_num_queries):  # type: ignore[no-untyped-def]
    _fill(n)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(QUERIES):
        assert ig.get(reverse("governance:access_log")).status_code == 200


@pytest.mark.parametrize("n", [1, 20])
def test_sign_in_events_query_count_is_pinned(n, ig, django_assert_num_queries):  # type: ignore[no-untyped-def]
    _fill(n)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(EVENT_QUERIES):
        assert ig.get(reverse("governance:sign_in_events")).status_code == 200


# The session, the reader and their roles (5), the people to choose from, the count and the
# page's rows, the case references of the rows' cases and audits, and the session saved.
QUERIES = 13
EVENT_QUERIES = 11
