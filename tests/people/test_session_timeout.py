"""The idle timeout: a session nobody has used for SESSION_IDLE_TIMEOUT is signed out on the
server; requests (a page, the warning's "Stay signed in") restart the clock."""

import datetime as dt
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.people.sign_in import assert_service_page, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
TIMEOUT = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)


def _signed_in_client() -> Client:
    client = Client()
    assert sign_in(client, UserFactory().username).status_code == 302
    return client


def test_the_timeout_is_30_minutes():
    # Requests restart it at most once a minute (test_session_writes), not each one.
    assert settings.SESSION_IDLE_TIMEOUT == 30 * 60
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT


def test_a_session_idle_longer_than_the_timeout_is_signed_out():
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_client()
        traveller.shift(TIMEOUT + dt.timedelta(seconds=1))
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_session_idle_just_under_the_timeout_is_kept():
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_client()
        traveller.shift(TIMEOUT - dt.timedelta(seconds=1))
        assert client.get(reverse("home")).status_code == 200


def test_stay_signed_in_restarts_the_clock():
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_client()
        traveller.shift(TIMEOUT - dt.timedelta(minutes=2))  # the warning shows now
        response = client.post(reverse("people:keep_alive"))
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        traveller.shift(TIMEOUT - dt.timedelta(minutes=1))  # 57 minutes after signing in
        assert client.get(reverse("home")).status_code == 200


def test_opening_a_page_restarts_the_clock():
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_client()
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(dt.timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(TIMEOUT + dt.timedelta(seconds=1))
        assert client.get(reverse("home")).status_code == 302


def test_stay_signed_in_cannot_bring_back_an_ended_session():
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in_client()
        traveller.shift(TIMEOUT + dt.timedelta(seconds=1))
        response = client.post(reverse("people:keep_alive"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert client.get(reverse("home")).status_code == 302


def test_keep_alive_refuses_get():
    client = _signed_in_client()
    assert client.get(reverse("people:keep_alive")).status_code == 405


def test_keep_alive_needs_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    user = UserFactory()
    client.force_login(user)
    assert client.post(reverse("people:keep_alive")).status_code == 403


def test_signed_in_pages_carry_the_warning_dialog():
    html = assert_service_page(_signed_in_client().get(reverse("home")))
    dialog = re.search(r'<div class="app-session-warning" id="session-warning"([^>]*)>', html)
    assert dialog
    attrs = dialog.group(1)
    assert 'role="alertdialog"' in attrs
    assert 'aria-labelledby="session-warning-title"' in attrs
    assert 'aria-describedby="session-warning-text"' in attrs
    assert " hidden" in attrs  # shown by app.js only when the time is nearly up
    assert f'data-timeout="{settings.SESSION_IDLE_TIMEOUT}"' in attrs
    assert f'data-warning="{settings.SESSION_IDLE_WARNING}"' in attrs
    assert f'data-keep-alive="{reverse("people:keep_alive")}"' in attrs
    assert 'id="session-warning-title">You will be signed out soon<' in html
    assert re.search(r'<button type="button"[^>]*data-stay-signed-in>Stay signed in</button>', html)
    # The page's CSRF token, which the keep-alive POST sends (the cookie is HttpOnly).
    assert 'name="csrfmiddlewaretoken"' in html


def test_signed_out_pages_have_no_warning_dialog():
    html = Client().get(reverse("account_login")).content.decode()
    assert "session-warning" not in html


def test_sign_in_page_says_why_you_were_signed_out():
    response = Client().get(reverse("account_login"), {"signed_out": "idle", "next": "/"})
    html = assert_service_page(response)
    assert "You were signed out because you had not done anything for 30 minutes." in html
    assert "Anything you saved is kept." in html
