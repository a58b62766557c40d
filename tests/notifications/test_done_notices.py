"""A notice whose work is done says so when it is opened, in the tray and on its own page,
instead of asking again ("Agree SMART actions" on an audit whose actions are agreed); a
notice about an audit leads to the part of the page that concerns it."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.audits import notice_checks, services, voices
from auditloop.audits.models import Audit
from auditloop.audits.supervision import supervision_item_record_discussion
from auditloop.notifications.done import about, done_sentences
from auditloop.notifications.models import Notification
from auditloop.notifications.services import notify
from auditloop.standards.services import framework_settings_set, preset_apply
from tests.audits.test_escalations import build, submit_with
from tests.factories import PersonFactory, finish_audit

pytestmark = pytest.mark.django_db
S = Audit.Status
NOW = dt.datetime(2026, 6, 15, 11, 0, tzinfo=dt.UTC)


@pytest.fixture
def frozen():  # type: ignore[no-untyped-def]
    with time_machine.travel(NOW, tick=False):
        yield


def page(client, name: str, *args: int) -> str:  # type: ignore[no-untyped-def]
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_agree_smart_actions_says_done_once_the_actions_are_agreed(frozen, client_for):
    w = build()
    framework_settings_set(values={"ri_discussion_recorded_in": "a supervision note"},
                           actor=None)
    submit_with(w.audit, w.auditor, "requires_improvement")
    (notice,) = Notification.objects.filter(recipient=w.tm)
    assert notice.kind == notice_checks.AGREE_ACTIONS and notice.about == f"audit:{w.audit.pk}"
    # It leads to the part of the supervision item where the discussion is recorded.
    assert notice.link.endswith("#discussion")
    tm = client_for(w.tm)
    assert 'id="discussion"' in page(tm, "audits:supervision_item",
                                     int(notice.link.split("/")[-2]))
    # Not done yet: the tray asks, and opening it goes straight to the work.
    tray = page(tm, "notifications:tray")
    assert "Agree SMART actions" in tray and "Done" not in tray
    opened = tm.post(reverse("notifications:mark_read", args=[notice.pk]))
    assert opened["Location"] == notice.link

    services.transition(audit=w.audit, actor=None, to=S.FEEDBACK_SENT)
    with time_machine.travel(dt.datetime(2026, 12, 3, 10, tzinfo=dt.UTC), tick=False):
        services.transition(audit=w.audit, actor=w.tm, to=S.ACTIONS_AGREED)
    done = "Done: the actions were agreed on 3 December 2026."
    tray = page(tm, "notifications:tray")
    assert done in tray and 'govuk-tag--green">Done' in tray
    # Opened once done, the notice says so first, with the way to the page still there.
    opened = tm.post(reverse("notifications:mark_read", args=[notice.pk]))
    assert opened["Location"] == reverse("notifications:notice", args=[notice.pk])
    shown = page(tm, "notifications:notice", notice.pk)
    assert done in shown and f'href="{notice.link}"' in shown
    # The practitioner's notice about the same audit is done too.
    (kw_notice,) = Notification.objects.filter(recipient=w.kw)
    assert done in page(client_for(w.kw), "notifications:notice", kw_notice.pk)


def test_agree_smart_actions_is_done_when_the_discussion_is_recorded(frozen):
    w = build()
    framework_settings_set(values={"ri_discussion_recorded_in": "a supervision note"},
                           actor=None)
    submit_with(w.audit, w.auditor, "requires_improvement")
    (notice,) = Notification.objects.filter(recipient=w.tm)
    assert done_sentences([notice]) == {}
    item = w.audit.supervision_items.get()
    supervision_item_record_discussion(item=item, actor=w.tm, note="Agreed three actions")
    assert done_sentences([notice]) == {notice.pk: "Done: the discussion agreeing the actions "
                                                   "was recorded on 15 June 2026."}


def test_the_feedback_notice_is_done_for_whoever_has_replied(frozen, client_for):
    preset_apply(key="002-six-key-areas")
    w = build()
    qa = PersonFactory(roles=["qa_manager"])
    finish_audit(w.audit)
    Notification.objects.all().delete()
    voices.feedback_send(audit=w.audit, actor=qa)
    kw_notice = Notification.objects.get(recipient=w.kw)
    tm_notice = Notification.objects.get(recipient=w.tm)
    # It leads to the findings on the feedback page.
    assert kw_notice.link == reverse("audits:feedback", args=[w.audit.pk]) + "#findings"
    assert 'id="findings"' in page(client_for(w.kw), "audits:feedback", w.audit.pk)
    voices.reply_create(audit=w.audit, actor=w.kw, comments="Agreed", agrees=True)
    assert done_sentences([kw_notice, tm_notice]) == {
        kw_notice.pk: "Done: you replied on 15 June 2026."}


def test_a_settled_disagreements_notice_is_done(frozen):
    preset_apply(key="001-early-help-domains")
    w = build()
    head = PersonFactory(roles=["head_of_qa"])
    finish_audit(w.audit, to=S.FEEDBACK_SENT)
    Notification.objects.all().delete()
    voices.reply_create(audit=w.audit, actor=w.kw, comments="Not fair", agrees=False)
    (notice,) = Notification.objects.filter(recipient=head)
    assert notice.kind == notice_checks.SETTLE and not done_sentences([notice])
    voices.disagreement_settle(disagreement=w.audit.disagreements.get(), actor=head,
                               outcome="upheld", note="", final_grade="", section_grades={})
    assert done_sentences([notice]) == {
        notice.pk: "Done: the disagreement was settled on 15 June 2026."}


def test_a_notice_that_only_tells_is_never_done_and_others_notices_stay_private(
        frozen, client_for):
    person, stranger = PersonFactory(), PersonFactory()
    (told,) = notify(recipients=[person], subject="Actions are agreed from an audit")
    assert done_sentences([told]) == {}
    shown = page(client_for(person), "notifications:notice", told.pk)
    assert "Actions are agreed from an audit" in shown and "Done" not in shown
    assert client_for(stranger).get(
        reverse("notifications:notice", args=[told.pk])).status_code == 404


def test_the_trays_done_checks_do_not_grow_with_its_notices(frozen, client_for):
    w = build()
    client = client_for(w.tm)

    def add(n: int) -> None:
        for _ in range(n):
            for kind in (notice_checks.REPLY, notice_checks.AGREE_ACTIONS,
                         notice_checks.PERSPECTIVE):
                notify(recipients=[w.tm], subject="Something to do", kind=kind,
                       about=notice_checks.about_audit(w.audit))
            notify(recipients=[w.tm], subject="Sign off", kind=notice_checks.SETTLE,
                   about=about("disagreement", 1))
            notify(recipients=[w.tm], subject="Overdue", kind=notice_checks.ACTION_OVERDUE,
                   about=about("action", 1))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("notifications:tray")).status_code == 200
        return len(queries)

    add(1)
    count()  # a session's first request restarts its idle clock (people.sessions)
    few = count()
    add(10)
    assert count() == few
