"""Immediate safeguarding concerns: raised at any moment of an audit, they reach everyone the
framework names in the same request, create time-bound actions for sign-off, and put the
case on the team manager's next supervision (002; 001 2.17; 003)."""

from __future__ import annotations

import datetime as dt
import threading
from html import unescape
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import connection
from django.template.loader import get_template
from django.test import RequestFactory
from django.urls import reverse

from auditloop.actions.models import Action
from auditloop.audits import concerns, services
from auditloop.audits.models import Audit, AuditAction, ImmediateConcern, SupervisionItem
from auditloop.common.errors import DomainError, WorkflowError
from auditloop.common.models import AccessLog
from auditloop.notifications.models import EmailStatus, Notification
from auditloop.people.roles import Role
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services import framework_settings_set, preset_apply
from tests.factories import CaseFactory, PersonFactory, make_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
# A Wednesday in June: the concern is raised at 1pm London time.
NOW = dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 3)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def world(frozen):  # type: ignore[no-untyped-def]
    # Names without apostrophes, so they read the same escaped in a page.
    sm = PersonFactory(roles=[Role.SERVICE_MANAGER], email="sm@example.org",
                       full_name="Sam Service")
    tm = PersonFactory(roles=[Role.TEAM_MANAGER], email="tm@example.org", line_manager=sm,
                       full_name="Tina Team")
    kw = PersonFactory(roles=[Role.PRACTITIONER], line_manager=tm, full_name="Kit Worker")
    auditor = PersonFactory(roles=[Role.AUDITOR], full_name="Ada Auditor")
    case = CaseFactory(key_worker=kw, team_manager=tm, reference="C424242",
                       child_identifier="CH-SECRET-1")
    audit = make_audit(case=case, auditors=[auditor])
    return SimpleNamespace(sm=sm, tm=tm, kw=kw, auditor=auditor, case=case, audit=audit)


def smart(due: dt.date = dt.date(2026, 6, 10), **kwargs: Any) -> concerns.SmartAction:
    values = {"issue": "Bruising not followed up", "action": "Visit the child and check",
              "by_whom": "Team manager", "due_on": due,
              "desired_outcome": "The child is seen and safe",
              "success_measure": "Visit recorded with the child's words"}
    values.update(kwargs)
    return concerns.SmartAction(**values)


def raise_concern(w: SimpleNamespace, **kwargs: Any) -> ImmediateConcern:
    values: dict[str, Any] = {
        "audit": w.audit, "actor": w.auditor, "summary": "Bruising seen in March not followed up",
        "unsafe_practice": ImmediateConcern.Practice.CURRENT, "actions": [smart()],
        "mash_contacted": False,
    }
    values.update(kwargs)
    return concerns.immediate_concern_raise(**values)


def form_data(due: str = "2026-06-10", **overrides: str) -> dict[str, str]:
    data = {
        "summary": "Bruising seen in March not followed up", "unsafe_practice": "current",
        "mash_contacted": "yes", "mash_note": "MASH agreed a strategy discussion",
        "told_team_manager": "yes", "told_on": "2026-06-03", "told_at": "10:15",
        "told_note": "They will visit today", "action_count": "1",
        "action-0-issue": "Bruising not followed up", "action-0-action": "Visit the child",
        "action-0-by_whom": "Team manager", "action-0-due_on": due,
        "action-0-desired_outcome": "The child is seen and safe",
        "action-0-success_measure": "Visit recorded",
    }
    data.update(overrides)
    return data


def new_url(audit: Audit) -> str:
    return reverse("audits:concern_new", args=[audit.pk])


# Done when: "an immediate concern reaches the TM's tray in the same request that raises it".

def test_an_immediate_concern_reaches_the_team_managers_tray_in_the_same_request(
        world, client_for, django_capture_on_commit_callbacks):
    client = client_for(world.auditor)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(new_url(world.audit), form_data())
    concern = ImmediateConcern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:concern_detail", args=[concern.pk])
    # The notice was written by the request itself: no worker, no later job.
    notice = Notification.objects.get(recipient=world.tm)
    assert notice.is_urgent
    assert notice.link == reverse("audits:concern_detail", args=[concern.pk]) + "#concern-actions"
    # ...and the e-mail went after the commit.
    assert notice.email_status in (EmailStatus.QUEUED, EmailStatus.SENT)
    assert "tm@example.org" in [m.to[0] for m in mail.outbox]


def test_the_notice_says_what_to_do_and_carries_no_childs_details(world):
    raise_concern(world)
    for notice in Notification.objects.all():
        text = f"{notice.subject} {notice.body} {notice.link}"
        assert "act now" in notice.subject.lower()
        assert world.case.reference not in text and world.case.child_identifier not in text
        assert "Bruising" not in text


def test_without_a_rule_the_team_manager_and_service_manager_are_told(world):
    concern = raise_concern(world)
    told = {n.recipient for n in Notification.objects.all()}
    # 002: "sent to the ... tray of the relevant Team Manager and Service Manager".
    assert told == {world.tm, world.sm}
    assert {t["person_id"] for t in concern.told} == {world.tm.pk, world.sm.pk}


def test_the_framework_names_who_is_told_and_who_must_be_told_verbally(world):
    preset_apply(key="002-six-key-areas")
    concern = raise_concern(world)
    by_person = {t["person_id"]: t for t in concern.told}
    # 002: "highlighted verbally to the relevant Team Manager/Service Manager".
    assert "verbal" in by_person[world.tm.pk]["how"]
    assert by_person[world.tm.pk]["team_manager"] is True
    assert set(by_person[world.sm.pk]["how"]) >= {"verbal", "tray", "email"}


def test_named_contacts_are_shown_with_their_mailbox(world, client_for):
    preset_apply(key="003-caf-tiered")
    contacts = [{**c, "email": "fsm@example.org"} if c["key"] == "family_support_manager"
                else c for c in framework_settings_row().contacts]
    framework_settings_set(values={"contacts": contacts}, actor=None)
    concern = raise_concern(world)
    told = {t["contact"]: t for t in concern.told if t.get("contact")}
    assert told["family_support_manager"]["email"] == "fsm@example.org"
    # 003: "If appropriate a conversation should take place with MASH in the 1st instance."
    assert told["mash"]["how"] == ["verbal"] and not told["mash"]["email"]
    # 003 names the lead professional and their manager too.
    assert {n.recipient for n in Notification.objects.all()} == {world.kw, world.tm}
    page = client_for(world.auditor).get(reverse("audits:concern_detail", args=[concern.pk]))
    html = page.content.decode()
    assert "mailto:fsm@example.org" in html
    assert "you must also tell these people in person or by phone" in html
    assert "No mailbox in the framework settings" in html  # MASH has none


def test_unsafe_practice_in_the_past_also_tells_that_events_recipients(world):
    head = PersonFactory(roles=[Role.HEAD_OF_QA])
    framework_settings_set(values={"notification_rules": {
        "past_unsafe_practice": ["head_of_qa"]}}, actor=None)
    concern = raise_concern(world, unsafe_practice=ImmediateConcern.Practice.PAST)
    assert Notification.objects.get(recipient=head).is_urgent
    assert {t["event"] for t in concern.told} == {"immediate_concern", "past_unsafe_practice"}


def test_current_unsafe_practice_does_not_use_the_past_practice_rule(world):
    head = PersonFactory(roles=[Role.HEAD_OF_QA])
    framework_settings_set(values={"notification_rules": {
        "past_unsafe_practice": ["head_of_qa"]}}, actor=None)
    raise_concern(world, unsafe_practice=ImmediateConcern.Practice.CURRENT)
    assert not Notification.objects.filter(recipient=head).exists()


def test_actions_are_time_bound_owned_by_the_team_manager_and_signed_off_by_the_ad(world):
    preset_apply(key="002-six-key-areas")
    concern = raise_concern(world, actions=[smart(), smart(action="Strategy discussion")])
    links = AuditAction.objects.filter(concern=concern).select_related("action")
    assert links.count() == 2
    for link in links:
        assert link.audit == world.audit
        assert link.source == AuditAction.Source.IMMEDIATE_CONCERN
        assert link.action.owner == world.tm
        # 002: "require the sign off from the relevant Assistant Director".
        assert link.action.sign_off_role == Role.ASSISTANT_DIRECTOR
        assert link.action.due_on == dt.date(2026, 6, 10)
    assert "Strategy discussion" in concern.suggested_actions


def test_the_framework_chooses_who_signs_off_concern_actions(world):
    framework_settings_set(values={"immediate_concern_sign_off_role": "head_of_qa"}, actor=None)
    concern = raise_concern(world)
    assert concerns.concern_actions(concern)[0].sign_off_role == Role.HEAD_OF_QA


def test_without_a_team_manager_the_service_manager_owns_the_actions(world):
    lone_kw = PersonFactory()
    case = CaseFactory(key_worker=lone_kw)
    from tests.factories import InvolvementFactory

    InvolvementFactory(case=case, person=world.sm, role="service_manager")
    audit = make_audit(case=case, auditors=[world.auditor])
    concern = raise_concern(world, audit=audit)
    assert concerns.concern_actions(concern)[0].owner == world.sm
    # Nobody's supervision list: there is no team manager.
    assert not SupervisionItem.objects.filter(audit=audit).exists()


def test_the_case_goes_on_the_team_managers_next_supervision(world):
    raise_concern(world)
    item = SupervisionItem.objects.get()
    assert (item.supervisor, item.supervisee, item.reason) == (
        world.tm, world.kw, SupervisionItem.Reason.IMMEDIATE_CONCERN)


def test_a_wider_look_at_the_caseload_is_asked_for_where_the_framework_allows(world):
    preset_apply(key="002-six-key-areas")
    concern = raise_concern(world, wider_caseload_review=True)
    assert concern.wider_caseload_review
    reasons = set(SupervisionItem.objects.values_list("reason", flat=True))
    assert reasons == {SupervisionItem.Reason.IMMEDIATE_CONCERN,
                       SupervisionItem.Reason.WIDER_CASELOAD}


def test_a_wider_look_is_not_offered_where_the_framework_does_not(world, client_for):
    concern = raise_concern(world, wider_caseload_review=True)
    assert not concern.wider_caseload_review
    page = client_for(world.auditor).get(new_url(world.audit))
    assert "wider look" not in page.content.decode()


@pytest.mark.parametrize("status", [S.ALLOCATED, S.IN_PROGRESS, S.SUBMITTED, S.IN_MODERATION,
                                    S.DISCUSSED, S.FEEDBACK_SENT, S.CLOSED])
def test_a_concern_never_waits_for_the_audit_to_be_finished(world, status):
    Audit.objects.filter(pk=world.audit.pk).update(status=status)
    world.audit.refresh_from_db()
    assert raise_concern(world).pk


def test_a_withdrawn_audit_takes_no_concern(world, client_for):
    services.audit_withdraw(audit=world.audit, actor=world.auditor, reason="Case moved away")
    with pytest.raises(WorkflowError, match="withdrawn"):
        raise_concern(world)
    client = client_for(world.auditor)
    assert client.get(new_url(world.audit)).status_code == 409
    assert client.post(new_url(world.audit), form_data()).status_code == 409
    assert not ImmediateConcern.objects.exists()


def test_only_the_audits_auditors_and_the_qa_team_raise_concerns(world, client_for):
    with pytest.raises(DomainError, match="auditors or the QA team"):
        raise_concern(world, actor=world.tm)
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    assert raise_concern(world, actor=qa, summary="Another concern").pk
    # Views: a stranger cannot find the audit; a director sees it but may not raise.
    stranger = PersonFactory(roles=[Role.PRACTITIONER])
    director = PersonFactory(roles=[Role.DIRECTOR])
    assert client_for(stranger).get(new_url(world.audit)).status_code == 404
    assert client_for(director).get(new_url(world.audit)).status_code == 403
    assert client_for(director).post(new_url(world.audit), form_data()).status_code == 403
    assert client_for(world.auditor).get(new_url(world.audit)).status_code == 200
    assert client_for(qa).get(new_url(world.audit)).status_code == 200


def test_an_auditor_who_left_the_audit_cannot_raise_a_concern_on_it(world):
    row = world.audit.assignments.get()
    services.assignment_end(assignment=row, actor=None, reason="On leave")
    with pytest.raises(DomainError, match="auditors"):
        raise_concern(world)


def test_the_form_only_takes_get_and_post(world, client_for):
    client = client_for(world.auditor)
    assert client.put(new_url(world.audit)).status_code == 405
    assert client.delete(new_url(world.audit)).status_code == 405


def test_the_form_page_logs_the_view_and_shows_the_smart_fields(world, client_for):
    page = client_for(world.auditor).get(new_url(world.audit))
    html = page.content.decode()
    for label in ("Summary of the concerns", "By whom", "By when", "Desired outcome",
                  "How will we know it has worked?", "Have you contacted MASH?",
                  "Have you told the team manager in person or by phone?"):
        assert label in html
    assert AccessLog.objects.filter(object_type="audit", object_id=str(world.audit.pk),
                                    user=world.auditor.user).exists()


def test_errors_show_the_govuk_way(world, client_for):
    response = client_for(world.auditor).post(new_url(world.audit), {"action_count": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error:" in html
    assert 'href="#id_summary"' in html and "Write a summary of the concerns." in html
    assert 'href="#id_action-0-issue"' in html and "Enter the issue for action 1." in html
    assert "This field is required" not in html
    assert not ImmediateConcern.objects.exists()


def test_told_the_team_manager_needs_when(world, client_for):
    data = form_data(told_on="", told_at="")
    response = client_for(world.auditor).post(new_url(world.audit), data)
    assert response.status_code == 400
    assert "Enter the date you told the team manager." in response.content.decode()


def test_the_time_the_team_manager_was_told_is_recorded(world, client_for):
    client_for(world.auditor).post(new_url(world.audit), form_data())
    concern = ImmediateConcern.objects.get()
    assert concern.team_manager_told_verbally_at == dt.datetime(2026, 6, 3, 9, 15,
                                                                tzinfo=dt.UTC)  # 10:15 BST
    assert concern.team_manager_told_note == "They will visit today"
    assert concern.mash_contacted and concern.mash_note == "MASH agreed a strategy discussion"


def test_action_dates_must_be_today_or_later(world, client_for):
    response = client_for(world.auditor).post(new_url(world.audit), form_data(due="2026-06-02"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'href="#id_action-0-due_on"' in html and "today or later" in html


def test_action_dates_keep_within_the_frameworks_deadline(world, client_for):
    preset_apply(key="002-six-key-areas")  # 002: "a maximum of 40 days"
    client = client_for(world.auditor)
    late = client.post(new_url(world.audit), form_data(due="2026-07-14"))
    assert late.status_code == 400 and "13 July 2026" in late.content.decode()
    assert client.post(new_url(world.audit), form_data(due="2026-07-13")).status_code == 302


def test_the_deadline_moves_with_the_day_the_concern_is_raised(world):
    preset_apply(key="002-six-key-areas")
    with time_machine.travel(dt.datetime(2026, 7, 1, 9, tzinfo=dt.UTC), tick=False):
        assert raise_concern(world, actions=[smart(due=dt.date(2026, 8, 10))]).pk
        with pytest.raises(DomainError) as err:
            raise_concern(world, summary="Later", actions=[smart(due=dt.date(2026, 8, 11))])
    assert err.value.field == "action-0-due_on"


def test_add_another_action_keeps_what_was_typed_and_saves_nothing(world, client_for):
    data = form_data(add_action="1")
    response = client_for(world.auditor).post(new_url(world.audit), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Action 2" in html and 'name="action-1-issue"' in html
    assert "Bruising seen in March not followed up" in html
    assert 'name="action_count" value="2"' in html
    assert not ImmediateConcern.objects.exists()


def test_two_actions_are_saved_and_an_untouched_extra_one_is_left_out(world, client_for):
    data = form_data(action_count="3")
    data.update({"action-1-issue": "No plan", "action-1-action": "Write a safety plan",
                 "action-1-by_whom": "Key worker", "action-1-due_on": "2026-06-12",
                 "action-1-desired_outcome": "A plan the family understands",
                 "action-1-success_measure": "Plan on file"})
    response = client_for(world.auditor).post(new_url(world.audit), data)
    assert response.status_code == 302
    assert Action.objects.count() == 2


def test_a_half_filled_extra_action_is_an_error_not_lost(world, client_for):
    data = form_data(action_count="2", **{"action-1-issue": "No plan"})
    response = client_for(world.auditor).post(new_url(world.audit), data)
    assert response.status_code == 400
    assert 'href="#id_action-1-action"' in response.content.decode()
    assert not Action.objects.exists()


def test_a_double_submit_raises_one_concern_and_tells_people_once(world, client_for):
    client = client_for(world.auditor)
    first = client.post(new_url(world.audit), form_data())
    second = client.post(new_url(world.audit), form_data())
    assert first["Location"] == second["Location"]
    assert ImmediateConcern.objects.count() == 1
    assert Notification.objects.filter(recipient=world.tm).count() == 1
    assert Action.objects.count() == 1


# The concern page


def detail_url(concern: ImmediateConcern) -> str:
    return reverse("audits:concern_detail", args=[concern.pk])


def test_the_concern_page_shows_who_raised_it_the_actions_and_who_was_told(world, client_for):
    preset_apply(key="002-six-key-areas")
    concern = raise_concern(world)
    html = client_for(world.tm).get(detail_url(concern)).content.decode()
    assert world.auditor.full_name in unescape(html)
    assert "3 June 2026, 1:00pm" in html
    assert "Red: not started" in html and "Assistant director (not yet)" in html
    assert world.sm.full_name in unescape(html) and "Verbally, In their tray, By email" in html
    assert "s supervision list with" in html
    assert AccessLog.objects.filter(object_type="immediate_concern",
                                    object_id=str(concern.pk), user=world.tm.user).exists()


def test_who_may_read_a_concern(world, client_for):
    framework_settings_set(values={"immediate_concern_sign_off_role": "senior_manager"},
                           actor=None)
    concern = raise_concern(world)
    url = detail_url(concern)
    allowed = [world.auditor, world.tm, world.sm, PersonFactory(roles=[Role.QA_MANAGER]),
               PersonFactory(roles=[Role.SENIOR_MANAGER])]  # holds the sign-off role
    for person in allowed:
        assert client_for(person).get(url).status_code == 200, person.roles
    for person in [world.kw, PersonFactory(roles=[Role.TEAM_MANAGER]),
                   PersonFactory(roles=[Role.SERVICE_MANAGER])]:
        assert client_for(person).get(url).status_code == 404, person.roles
    assert client_for(world.auditor).post(url).status_code == 405


def test_the_auditor_can_record_telling_the_team_manager_later(world, client_for):
    concern = raise_concern(world)
    url = reverse("audits:concern_told", args=[concern.pk])
    client = client_for(world.auditor)
    assert "Record that you told the team manager" in client.get(
        detail_url(concern)).content.decode()
    assert client.get(url).status_code == 405
    bad = client.post(url, {"told_on": "2026-06-03"})
    assert bad.status_code == 400 and "Enter the time you told them." in bad.content.decode()
    assert client.post(url, {"told_on": "2026-06-03", "told_at": "12:30",
                             "told_note": "By phone"}).status_code == 302
    concern.refresh_from_db()
    assert concern.team_manager_told_verbally_at == dt.datetime(2026, 6, 3, 11, 30,
                                                                tzinfo=dt.UTC)
    # Recorded once: a second record is the wrong state.
    again = client.post(url, {"told_on": "2026-06-03", "told_at": "12:45"})
    assert again.status_code == 400 and "already recorded" in again.content.decode()


def test_telling_the_team_manager_cannot_be_in_the_future(world, client_for):
    concern = raise_concern(world)
    url = reverse("audits:concern_told", args=[concern.pk])
    response = client_for(world.auditor).post(url, {"told_on": "2026-06-03",
                                                    "told_at": "18:00"})
    assert response.status_code == 400 and "cannot be in the future" in response.content.decode()


def test_only_the_raising_side_records_telling_the_team_manager(world, client_for):
    concern = raise_concern(world)
    url = reverse("audits:concern_told", args=[concern.pk])
    data = {"told_on": "2026-06-03", "told_at": "12:30"}
    assert client_for(world.tm).post(url, data).status_code == 403  # may read, not record
    assert client_for(world.kw).post(url, data).status_code == 404


# The control on every audit page


def render_control(audit: Audit, user: Any, **extra: Any) -> str:
    request = RequestFactory().get("/")
    request.user = user
    template = get_template("audits/concern_control.html")
    return template.render({"audit": audit, **extra}, request)


def test_the_control_links_to_the_form_on_any_audit_not_withdrawn(world):
    html = render_control(world.audit, world.auditor.user)
    assert "Raise an immediate safeguarding concern" in html
    assert f'href="{new_url(world.audit)}"' in html
    assert "govuk-button--warning" in html
    assert "Raise" not in render_control(world.audit, world.auditor.user,
                                         may_raise_concern=False)
    services.audit_withdraw(audit=world.audit, actor=world.auditor, reason="Case moved away")
    world.audit.refresh_from_db()
    assert "Raise" not in render_control(world.audit, world.auditor.user)


def test_the_concern_page_carries_the_control(world, client_for):
    concern = raise_concern(world)
    html = client_for(world.auditor).get(detail_url(concern)).content.decode()
    assert f'href="{new_url(world.audit)}"' in html
    # The team manager reads it but raises nothing from here.
    assert f'href="{new_url(world.audit)}"' not in client_for(world.tm).get(
        detail_url(concern)).content.decode()


# SQLite's flush after a transactional test meets the trigger that keeps tool versions in
# use, and SQLite ignores row locks anyway: there the two submits run one after the other.
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


@pytest.mark.django_db(transaction=ON_POSTGRES)
def test_two_submits_at_the_same_moment_raise_one_concern(world):
    """On PostgreSQL two requests race on their own connections; the audit's row lock makes
    the second see the first's concern."""
    results: list[Any] = []

    def submit() -> None:
        try:
            results.append(raise_concern(world).pk)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results.append(exc)
        finally:
            connection.close()

    if ON_POSTGRES:
        start = threading.Barrier(2)

        def racer() -> None:
            start.wait()
            submit()

        threads = [threading.Thread(target=racer) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    else:
        results.append(raise_concern(world).pk)
        results.append(raise_concern(world).pk)
    assert len(results) == 2 and len(set(results)) == 1, results
    assert ImmediateConcern.objects.count() == 1
    assert Notification.objects.filter(recipient=world.tm).count() == 1
    assert SupervisionItem.objects.count() == 1


# Each setting read two ways: the same concern, a different outcome.


def _concern_under(world: SimpleNamespace, **values: Any) -> ImmediateConcern:
    """A fresh audit of a case the same people hold, so each concern is told afresh."""
    framework_settings_set(values=values, actor=None)
    Notification.objects.all().delete()
    case = CaseFactory(key_worker=world.kw, team_manager=world.tm)
    return raise_concern(world, audit=make_audit(case=case, auditors=[world.auditor]))


def test_notification_rules_for_immediate_concern_name_who_is_told_and_how(world):
    first = _concern_under(world, notification_rules={"immediate_concern": [
        {"to": "case_team_manager", "how": ["verbal", "tray"], "at_once": True}]})
    assert {n.recipient for n in Notification.objects.all()} == {world.tm}
    assert [t["how"] for t in first.told] == [["email", "tray", "verbal"]]
    second = _concern_under(world, notification_rules={"immediate_concern": [
        "case_key_worker", "case_service_manager"]})
    assert {n.recipient for n in Notification.objects.all()} == {world.kw, world.sm}
    assert all("verbal" not in t["how"] for t in second.told)


def test_contacts_give_the_mailbox_a_concern_shows(world):
    rules = {"immediate_concern": [{"to": "contact:fsm", "how": ["verbal"]}]}
    emails = []
    for email in ("fsm@example.org", ""):
        concern = _concern_under(world, notification_rules=rules, contacts=[
            {"key": "fsm", "label": "Family Support Manager", "email": email}])
        [told] = [t for t in concern.told if t.get("contact") == "fsm"]
        emails.append(told["email"])
    assert emails == ["fsm@example.org", ""]


def test_immediate_concern_sign_off_role_names_who_signs_off(world):
    roles = []
    for role in ("head_of_qa", "assistant_director"):
        concern = _concern_under(world, immediate_concern_sign_off_role=role)
        roles.append(concerns.concern_actions(concern)[0].sign_off_role)
    assert roles == [Role.HEAD_OF_QA, Role.ASSISTANT_DIRECTOR]


def test_immediate_concern_wider_review_decides_whether_the_wider_look_is_taken(world,
                                                                                client_for):
    looks = []
    for allowed in (False, True):
        framework_settings_set(values={"immediate_concern_wider_review": allowed}, actor=None)
        audit = make_audit(case=CaseFactory(key_worker=world.kw, team_manager=world.tm),
                           auditors=[world.auditor])
        page = client_for(world.auditor).get(new_url(audit)).content.decode()
        concern = raise_concern(world, audit=audit, wider_caseload_review=True)
        looks.append((concern.wider_caseload_review, "wider look" in page))
    assert looks == [(False, False), (True, True)]


def test_the_past_unsafe_practice_rule_names_who_else_is_told(world):
    head = PersonFactory(roles=[Role.HEAD_OF_QA])
    qa = PersonFactory(roles=[Role.QA_MANAGER])
    told = []
    for rule in (["head_of_qa"], ["qa_manager"]):
        framework_settings_set(values={"notification_rules": {"past_unsafe_practice": rule}},
                               actor=None)
        Notification.objects.all().delete()
        audit = make_audit(case=CaseFactory(key_worker=world.kw, team_manager=world.tm),
                           auditors=[world.auditor])
        raise_concern(world, audit=audit, unsafe_practice=ImmediateConcern.Practice.PAST)
        told.append({n.recipient for n in Notification.objects.all()} & {head, qa})
    assert told == [{head}, {qa}]
