"""Notices reach the tray at once and go by e-mail after commit, through Django's mailer or
GOV.UK Notify (a local fake speaking its protocol); e-mails carry no child's details."""

import pytest
from django.core import mail
from django.urls import reverse

from auditloop.notifications.models import EmailStatus, Notification
from auditloop.notifications.services import notify
from auditloop.people.roles import Role
from tests.factories import PersonFactory
from tests.fakes.govuk_notify import API_KEY, TEMPLATE_ID, FakeNotify

pytestmark = pytest.mark.django_db


def test_a_notice_is_in_the_tray_at_once_and_emailed_after_commit(
        django_capture_on_commit_callbacks):
    person = PersonFactory(email="worker@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[person], subject="An audit needs your view",
               body="Fill in the Perspective of Worker form.", link="/tray/")
        assert Notification.objects.filter(recipient=person).count() == 1
        assert len(mail.outbox) == 0
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["worker@example.org"]
    assert "http://127.0.0.1:8000/tray/" in message.body
    assert Notification.objects.get().email_status == EmailStatus.SENT


def test_no_email_address_means_tray_only(django_capture_on_commit_callbacks):
    person = PersonFactory(email="")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[person], subject="Hello")
    assert len(mail.outbox) == 0
    assert Notification.objects.get().email_status == EmailStatus.NOT_SENT


def test_one_notice_per_person_even_if_named_twice(django_capture_on_commit_callbacks):
    person = PersonFactory(email="a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipients=[person, person], subject="Once")
    assert Notification.objects.count() == 1 and len(mail.outbox) == 1


def test_govuk_notify_backend_sends_through_the_real_client(settings,
                                                           django_capture_on_commit_callbacks):
    person = PersonFactory(email="tm@example.org")
    with FakeNotify() as fake:
        settings.NOTIFY_BACKEND = "govuk_notify"
        settings.GOVUK_NOTIFY_API_KEY = API_KEY
        settings.GOVUK_NOTIFY_TEMPLATE_ID = TEMPLATE_ID
        settings.GOVUK_NOTIFY_BASE_URL = fake.url
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[person], subject="Immediate concern raised", link="/tray/",
                   urgent=True)
    assert len(fake.sent) == 1
    sent = fake.sent[0]
    assert sent["email_address"] == "tm@example.org"
    assert sent["personalisation"]["subject"] == "Immediate concern raised"
    assert sent["personalisation"]["link"].endswith("/tray/")
    notice = Notification.objects.get()
    assert notice.email_status == EmailStatus.SENT and notice.emailed_at is not None


def test_a_failed_delivery_is_recorded_and_the_tray_keeps_the_notice(
        settings, django_capture_on_commit_callbacks, caplog):
    person = PersonFactory(email="tm@example.org", full_name="Zed Unique")
    with FakeNotify() as fake:
        settings.NOTIFY_BACKEND = "govuk_notify"
        settings.GOVUK_NOTIFY_API_KEY = API_KEY
        settings.GOVUK_NOTIFY_TEMPLATE_ID = TEMPLATE_ID
        settings.GOVUK_NOTIFY_BASE_URL = fake.url
        fake.fail_next = True
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[person], subject="Reminder")
    notice = Notification.objects.get()
    assert notice.email_status == EmailStatus.FAILED
    assert "tm@example.org" not in caplog.text and "Zed Unique" not in caplog.text


def test_a_wrong_api_key_is_refused_by_notify_and_recorded(settings,
                                                          django_capture_on_commit_callbacks):
    person = PersonFactory(email="tm@example.org")
    with FakeNotify() as fake:
        settings.NOTIFY_BACKEND = "govuk_notify"
        settings.GOVUK_NOTIFY_API_KEY = API_KEY[:-4] + "0000"
        settings.GOVUK_NOTIFY_TEMPLATE_ID = TEMPLATE_ID
        settings.GOVUK_NOTIFY_BASE_URL = fake.url
        with django_capture_on_commit_callbacks(execute=True):
            notify(recipients=[person], subject="Reminder")
    assert fake.sent == []
    assert Notification.objects.get().email_status == EmailStatus.FAILED


def test_opening_a_notice_marks_it_read_and_others_cannot(client_for):
    me, other = PersonFactory(roles=[Role.PRACTITIONER]), PersonFactory()
    mine = notify(recipients=[me], subject="Yours", link="/actions/")[0]
    theirs = notify(recipients=[other], subject="Theirs")[0]
    c = client_for(me)
    body = c.get(reverse("notifications:tray")).content.decode()
    assert "Yours" in body and "Theirs" not in body
    response = c.post(reverse("notifications:mark_read", args=[mine.pk]))
    assert response.status_code == 302 and response["Location"] == "/actions/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert c.post(reverse("notifications:mark_read", args=[theirs.pk])).status_code == 404
    assert c.get(reverse("notifications:mark_read", args=[mine.pk])).status_code == 405
