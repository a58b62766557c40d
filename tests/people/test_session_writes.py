"""The session is written when it changes, not on every request, while the idle
timeout still signs a person out: the idle clock in the session is restarted (a change, so
a save, which moves the session's server-side expiry on) when it is a minute old."""

import datetime as dt
import hashlib
import json
import os
import re
import subprocess
import sys

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.people.models import SignInEvent, UserSession
from auditloop.people.sessions import IDLE_SECONDS_HEADER, TOUCH_EVERY
from tests.factories import UserFactory
from tests.people.sign_in import sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
IDLE = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
LIMIT = dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIMIT)
SECOND = dt.timedelta(seconds=1)


def _signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    assert sign_in(client, user.username).status_code == 302
    return client


def _writes(queries: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
            and f'"{table}"' in q["sql"]]


def _session(client: Client) -> Session:
    return Session.objects.get(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _row(client: Client) -> UserSession:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return UserSession.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())


def _settings_in(environment: dict[str, str]) -> dict[str, object]:
    """The database and session settings as a fresh process reads them."""
    code = ("import json, auditloop.settings as s; d = s.DATABASES['default']; print(json.dumps("
            "{'age': d['CONN_MAX_AGE'], 'checks': d['CONN_HEALTH_CHECKS'],"
            " 'every': s.SESSION_SAVE_EVERY_REQUEST}))")
    env = {k: v for k, v in os.environ.items() if k != "CONN_MAX_AGE"}
    env.update({"SECRET_KEY": "x" * 60,
                "MFA_ENCRYPTION_KEYS": "u6RDp9mcW1q3Aj2Pdj7bCz4k_5lQzSM8V9v3mZZzR2o=",
                **environment})
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_production_keeps_connections_a_minute_and_checks_them_before_use():
    assert _settings_in({"AUDITLOOP_ENV": "production"}) == {
        "age": 60, "checks": True, "every": False}
    assert _settings_in({"AUDITLOOP_ENV": "production", "CONN_MAX_AGE": "0"})["age"] == 0
    # The demo (and development) still open a connection per request.
    assert _settings_in({"AUDITLOOP_ENV": "demo"})["age"] == 0


def test_the_session_is_saved_only_when_it_changes():
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_TIMEOUT
    assert dt.timedelta(minutes=1) == TOUCH_EVERY


def test_a_request_within_the_minute_writes_neither_the_session_nor_its_row():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        expires = _session(client).expire_date
        assert expires == START + IDLE
        traveller.shift(dt.timedelta(seconds=59))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        assert _writes(queries, "django_session") == []
        assert _writes(queries, "people_usersession") == []
        assert _session(client).expire_date == expires
        # The page's warning counts from the server's clock, not from this request.
        assert response[IDLE_SECONDS_HEADER] == "59"
        assert 'data-idle-seconds="59"' in response.content.decode()


def test_a_request_a_minute_on_writes_the_session_once_and_moves_its_expiry_on():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(TOUCH_EVERY)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        assert len(_writes(queries, "django_session")) == 1
        assert len(_writes(queries, "people_usersession")) == 1
        assert _session(client).expire_date == START + TOUCH_EVERY + IDLE
        assert _row(client).last_seen_at == START + TOUCH_EVERY
        assert response[IDLE_SECONDS_HEADER] == "0"
        assert 'data-idle-seconds="0"' in response.content.decode()


def test_stay_signed_in_restarts_the_clock_even_within_the_minute():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(dt.timedelta(seconds=30))
        with CaptureQueriesContext(connection) as queries:
            response = client.post(reverse("people:keep_alive"))
        assert response.status_code == 200
        assert len(_writes(queries, "django_session")) == 1
        assert response[IDLE_SECONDS_HEADER] == "0"
        assert _session(client).expire_date == START + dt.timedelta(seconds=30) + IDLE


def test_requests_more_often_than_the_timeout_keep_a_person_signed_in():
    user = UserFactory()
    # Never more than the timeout less the minute apart: the clock is at most a minute
    # behind the last request, so the session never runs out between two of them.
    gap = IDLE - TOUCH_EVERY - SECOND
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        for n in range(6):  # 2 hours and more, four times the timeout
            # A request within the minute (no write) before each long wait.
            traveller.shift(dt.timedelta(seconds=40))
            assert client.get(reverse("home")).status_code == 200, n
            traveller.shift(gap)
            assert client.get(reverse("home")).status_code == 200, n
    assert UserSession.objects.get(user=user).ended_at is None
    assert SignInEvent.objects.filter(user=user, kind=SignInEvent.Kind.IDLE_TIMEOUT).count() == 0


def test_a_timeout_without_a_request_signs_out_as_idle():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(dt.timedelta(seconds=40))
        response = client.get(reverse("home"))
        assert response.status_code == 200
        # The clock was not restarted at 40 s: a person idle since then is signed out when
        # the timeout has passed since the clock's restart, under a minute early at most.
        traveller.move_to(START + IDLE + SECOND)
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?signed_out=idle")
    row = UserSession.objects.get(user=user)
    assert row.ended_because == "idle"
    assert SignInEvent.objects.filter(user=user, kind=SignInEvent.Kind.IDLE_TIMEOUT).count() == 1


def test_a_timeout_after_a_write_signs_out_and_just_under_it_does_not():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(dt.timedelta(minutes=5))
        assert client.get(reverse("home")).status_code == 200  # writes: the clock was due
        traveller.shift(IDLE - SECOND)
        assert client.get(reverse("home")).status_code == 200
        traveller.shift(IDLE + SECOND)
        assert client.get(reverse("home")).status_code == 302


def test_the_absolute_limit_still_ends_a_busy_session():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        for _ in range(int(LIMIT / dt.timedelta(minutes=10)) - 1):  # busy all day
            traveller.shift(dt.timedelta(minutes=10))
            assert client.get(reverse("home")).status_code == 200
        traveller.move_to(START + LIMIT)
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?signed_out=limit")
    assert UserSession.objects.get(user=user).ended_because == "limit"


def test_the_warning_dialog_says_how_old_the_clock_is():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(dt.timedelta(seconds=20))
        html = client.get(reverse("home")).content.decode()
    dialog = re.search(r'<div class="app-session-warning" id="session-warning"([^>]*)>', html)
    assert dialog
    assert 'data-idle-seconds="20"' in dialog.group(1)
    assert f'data-timeout="{settings.SESSION_IDLE_TIMEOUT}"' in dialog.group(1)


def test_a_signed_out_response_carries_no_clock():
    response = Client().get(reverse("account_login"))
    assert IDLE_SECONDS_HEADER not in response


def test_sign_ins_from_one_address_are_limited_unless_the_operator_raises_it():
    code = ("import json, auditloop.settings as s; "
            "print(json.dumps(s.ACCOUNT_RATE_LIMITS['login']))")
    env = {k: v for k, v in os.environ.items() if k != "LOGIN_RATE_LIMIT"}
    env.update({"SECRET_KEY": "x" * 60, "AUDITLOOP_ENV": "production",
                "MFA_ENCRYPTION_KEYS": "u6RDp9mcW1q3Aj2Pdj7bCz4k_5lQzSM8V9v3mZZzR2o="})

    def limit(**extra: str) -> str:
        return json.loads(subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, capture_output=True,
            text=True, check=True, timeout=60).stdout)  # type: ignore[no-any-return]

    assert limit() == "30/m/ip"
    assert limit(LOGIN_RATE_LIMIT="120/m/ip") == "120/m/ip"
