"""The team manager's supervision list: cases to discuss at a practitioner's next
supervision, grouped by practitioner, and the note that records each discussion."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.urls import reverse

from auditloop.audits import supervision
from auditloop.audits.models import Audit, SupervisionItem
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.people.roles import Role
from auditloop.standards.services import preset_apply
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db
R = SupervisionItem.Reason
LIST = "audits:supervision"


@pytest.fixture
def w():  # type: ignore[no-untyped-def]
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, tzinfo=dt.UTC), tick=False):
        tm = PersonFactory(roles=[Role.TEAM_MANAGER], full_name="Tina Team")
        kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm, full_name="Kit Worker")
        case = CaseFactory(key_worker=kw, team_manager=tm)
        audit = make_audit(case=case)
        item = supervision.supervision_item_add(supervisor=tm, supervisee=kw, audit=audit,
                                                reason=R.REQUIRES_IMPROVEMENT)
        yield SimpleNamespace(tm=tm, kw=kw, case=case, audit=audit, item=item)


def item_url(item: SupervisionItem, name: str = "audits:supervision_item") -> str:
    return reverse(name, args=[item.pk])


def add_items(tm, n: int) -> None:  # type: ignore[no-untyped-def]
    for _ in range(n):
        kw = PersonFactory(line_manager=tm)
        audit = make_audit(case=CaseFactory(key_worker=kw, team_manager=tm))
        supervision.supervision_item_add(supervisor=tm, supervisee=kw, audit=audit,
                                         reason=R.REFLECTIVE_DISCUSSION)
        supervision.supervision_item_add(supervisor=tm, supervisee=kw, audit=audit,
                                         reason=R.IMMEDIATE_CONCERN)


# The list


def test_the_list_shows_waiting_items_grouped_by_practitioner(w, client_for):
    other_kw = PersonFactory(line_manager=w.tm, full_name="Zed Zander")
    other = make_audit(case=CaseFactory(key_worker=other_kw, team_manager=w.tm))
    supervision.supervision_item_add(supervisor=w.tm, supervisee=other_kw, audit=other,
                                     reason=R.IMMEDIATE_CONCERN)
    supervision.supervision_item_add(supervisor=w.tm, supervisee=w.kw, audit=w.audit,
                                     reason=R.REFLECTIVE_DISCUSSION)
    response = client_for(w.tm).get(reverse(LIST))
    assert response.status_code == 200
    groups = response.context["groups"]
    assert [(who.full_name, [i.reason for i in rows]) for who, rows in groups] == [
        ("Kit Worker", [R.REQUIRES_IMPROVEMENT, R.REFLECTIVE_DISCUSSION]),
        ("Zed Zander", [R.IMMEDIATE_CONCERN]),
    ]
    html = response.content.decode()
    assert w.case.reference in html and item_url(w.item) in html
    assert "Safeguarding" in html
    # Each audit the list names is in the access log, once.
    from auditloop.common.models import AccessLog

    assert sorted(AccessLog.objects.filter(user=w.tm.user, action="list").values_list(
        "object_type", "object_id")) == sorted([("audit", str(w.audit.pk)),
                                                ("audit", str(other.pk))])


def test_the_list_is_yours_only(w, client_for):
    other_tm = PersonFactory(roles=[Role.TEAM_MANAGER])
    response = client_for(other_tm).get(reverse(LIST))
    assert response.status_code == 200 and not response.context["groups"]
    assert "Nothing is waiting" in response.content.decode()


def test_the_list_needs_the_sign_off_capability(w, client_for):
    assert client_for(w.kw).get(reverse(LIST)).status_code == 403
    for role in (Role.SERVICE_MANAGER, Role.SENIOR_MANAGER):
        assert client_for(PersonFactory(roles=[role])).get(reverse(LIST)).status_code == 200


def test_the_list_only_takes_get(w, client_for):
    assert client_for(w.tm).post(reverse(LIST)).status_code == 405


def test_the_lists_queries_do_not_grow_with_items(w, client_for, django_assert_max_num_queries):
    client = client_for(w.tm)
    add_items(w.tm, 2)
    # Two more than before (9): the access log's rows for the audits listed (one insert)
    # and the signed-in session's own row (people.UserSession).
    with django_assert_max_num_queries(11):
        client.get(reverse(LIST))
    add_items(w.tm, 8)
    with django_assert_max_num_queries(11):
        response = client.get(reverse(LIST))
    assert len(response.context["waiting"]) == 21


# An item and its note


def test_the_supervisor_reads_the_item_and_the_view_is_logged(w, client_for):
    response = client_for(w.tm).get(item_url(w.item))
    html = response.content.decode()
    assert response.status_code == 200
    assert "agree SMART actions" in html and "Record the discussion" in html
    assert AccessLog.objects.filter(object_type="audit", object_id=str(w.audit.pk),
                                    user=w.tm.user).exists()


def test_another_team_manager_cannot_find_the_item(w, client_for):
    other = client_for(PersonFactory(roles=[Role.TEAM_MANAGER]))
    assert other.get(item_url(w.item)).status_code == 404
    assert other.post(item_url(w.item, "audits:supervision_discussed"),
                      {"note": "x"}).status_code == 404


def test_the_qa_team_reads_it_but_does_not_record_the_note(w, client_for):
    qa = client_for(PersonFactory(roles=[Role.QA_MANAGER]))
    page = qa.get(item_url(w.item))
    assert page.status_code == 200 and "Waiting for Tina Team" in page.content.decode()
    assert qa.post(item_url(w.item, "audits:supervision_discussed"),
                   {"note": "x"}).status_code == 403


def test_the_item_page_and_the_note_take_the_right_methods(w, client_for):
    client = client_for(w.tm)
    assert client.post(item_url(w.item)).status_code == 405
    assert client.get(item_url(w.item, "audits:supervision_discussed")).status_code == 405


def test_recording_the_note_takes_the_item_off_the_list(w, client_for):
    client = client_for(w.tm)
    response = client.post(item_url(w.item, "audits:supervision_discussed"),
                           {"note": "Agreed: TAF review by 1 July (Kit)."})
    assert response.status_code == 302 and response["Location"] == reverse(LIST)
    w.item.refresh_from_db()
    assert w.item.discussed_at is not None and w.item.note.startswith("Agreed")
    listing = client.get(reverse(LIST))
    assert not listing.context["groups"] and listing.context["done"] == [w.item]


def test_an_empty_note_is_an_error_the_govuk_way(w, client_for):
    response = client_for(w.tm).post(item_url(w.item, "audits:supervision_discussed"),
                                     {"note": " "})
    html = response.content.decode()
    assert response.status_code == 400 and "<title>Error:" in html
    assert 'href="#id_note"' in html


def test_a_discussion_is_recorded_once(w, client_for):
    supervision.supervision_item_record_discussion(item=w.item, actor=w.tm, note="Done")
    response = client_for(w.tm).post(item_url(w.item, "audits:supervision_discussed"),
                                     {"note": "Again"})
    assert response.status_code == 400 and "already recorded" in response.content.decode()
    with pytest.raises(WorkflowError):
        supervision.supervision_item_record_discussion(item=w.item, actor=w.tm, note="x")


def test_only_the_supervisor_records_the_note(w):
    with pytest.raises(DomainError, match="team manager"):
        supervision.supervision_item_record_discussion(item=w.item, actor=w.kw, note="x")


def test_asking_again_puts_a_discussed_item_back_and_keeps_the_earlier_note(w):
    with time_machine.travel(dt.datetime(2026, 6, 20, 10, tzinfo=dt.UTC), tick=False):
        supervision.supervision_item_record_discussion(item=w.item, actor=w.tm, note="First")
    again = supervision.supervision_item_add(supervisor=w.tm, supervisee=w.kw, audit=w.audit,
                                             reason=R.REQUIRES_IMPROVEMENT)
    assert again.pk == w.item.pk and again.discussed_at is None
    with time_machine.travel(dt.datetime(2026, 7, 2, 10, tzinfo=dt.UTC), tick=False):
        done = supervision.supervision_item_record_discussion(item=again, actor=w.tm,
                                                              note="Second")
    assert done.note == "First\n\n2 July 2026: Second"


def test_the_item_links_to_the_audit_once_the_team_manager_may_read_it(w, client_for):
    preset_apply(key="002-six-key-areas")  # practitioners see the audit on submit
    client = client_for(w.tm)
    audit_url = reverse("audits:audit_detail", args=[w.audit.pk])
    assert audit_url not in client.get(item_url(w.item)).content.decode()
    Audit.objects.filter(pk=w.audit.pk).update(status=Audit.Status.SUBMITTED)
    assert audit_url in client.get(item_url(w.item)).content.decode()


# Home page and navigation


def test_the_home_page_shows_waiting_supervision_items(w, client_for):
    supervision.supervision_item_add(supervisor=w.tm, supervisee=w.kw, audit=w.audit,
                                     reason=R.IMMEDIATE_CONCERN)
    html = client_for(w.tm).get(reverse("home")).content.decode()
    assert "1 immediate safeguarding concern to discuss at supervision" in html
    assert "2 things to discuss at supervision" in html
    supervision.supervision_item_record_discussion(item=w.item, actor=w.tm, note="Done")
    html = client_for(w.tm).get(reverse("home")).content.decode()
    assert "1 thing to discuss at supervision" in html


def test_no_panel_without_waiting_items(w, client_for):
    html = client_for(PersonFactory(roles=[Role.TEAM_MANAGER])).get(reverse("home"))
    assert "to discuss at supervision" not in html.content.decode()


def test_team_managers_have_a_supervision_entry_in_the_navigation(w, client_for):
    href = f'href="{reverse(LIST)}"'
    # A team manager's navigation groups it with the other following-up pages.
    follow_up = reverse("work_group", args=["follow-up"])
    assert href in client_for(w.tm).get(follow_up).content.decode()
    assert href not in client_for(w.kw).get(reverse("home")).content.decode()
