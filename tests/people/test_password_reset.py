"""Password reset: the e-mail goes from a background task given the account's id only;
nothing is sent to an address with no account; a mail server that is down is no error page."""

import re
from unittest import mock

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, override_settings
from django.urls import reverse

from auditloop.people import tasks
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "reset.person@example.org"
DONE_TEXT = "If an account has that email address, we have sent it a link"


class DownMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):  # type: ignore[no-untyped-def]
        raise ConnectionRefusedError("the mail server is down")


def _ask(address: str = ADDRESS):  # type: ignore[no-untyped-def]
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": address}, follow=True)
    return client, response


def test_the_link_arrives_and_lets_you_choose_a_new_password():
    UserFactory(email=ADDRESS)
    _, response = _ask()
    assert response.status_code == 200 and DONE_TEXT in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [ADDRESS]
    link = re.search(r"https?://\S+", message.body)
    assert link
    client = Client()
    path = link.group(0).split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


def test_the_task_is_given_the_account_id_only():
    user = UserFactory(email=ADDRESS)
    with mock.patch.object(tasks, "send_password_reset_email") as task:
        _ask()
    task.enqueue.assert_called_once_with(user.pk)
    assert len(mail.outbox) == 0  # sent by the task, not the page


def test_nothing_is_sent_to_an_address_without_an_account():
    UserFactory(email=ADDRESS)
    _, response = _ask("nobody.here@example.org")
    assert DONE_TEXT in response.content.decode()
    assert len(mail.outbox) == 0


def test_a_deactivated_account_gets_nothing():
    UserFactory(email=ADDRESS, is_active=False)
    _ask()
    assert len(mail.outbox) == 0


def test_a_mail_server_that_is_down_is_no_error_page(caplog):
    user = UserFactory(email=ADDRESS)
    with override_settings(MAILERS={"default": {
        "BACKEND": f"{DownMailServer.__module__}.DownMailServer"}}):
        _, response = _ask()
    assert response.status_code == 200
    assert DONE_TEXT in response.content.decode()
    assert f"Password reset e-mail for user {user.pk} could not be sent" in caplog.text
    assert ADDRESS not in caplog.text
