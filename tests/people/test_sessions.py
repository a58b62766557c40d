"""Signed-in sessions: a row per sign-in (key hashed), the absolute limit beside the idle
timeout, both recorded as sign-in events, "Your sessions" ending another session, and the
browser told to forget the site's data on signing out."""

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from auditloop.people.models import SignInEvent, UserSession
from auditloop.people.sessions import browser_in_words
from tests.factories import UserFactory
from tests.people.sign_in import assert_service_page, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
LIMIT = dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIMIT)
IDLE = dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0"


def _signed_in(user, user_agent: str = CHROME, address: str = "203.0.113.7") -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    assert sign_in(client, user.username).status_code == 302
    return client


def _row(client: Client) -> UserSession:
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return UserSession.objects.get(key_hash=hashlib.sha256(key.encode()).hexdigest())


def _events(user, kind: str) -> int:  # type: ignore[no-untyped-def]
    return SignInEvent.objects.filter(user=user, kind=kind).count()


def test_the_limit_is_8_hours_unless_set():
    assert settings.SESSION_ABSOLUTE_LIMIT == 8 * 60 * 60


def test_signing_in_keeps_a_row_with_the_key_hashed_and_the_browser_in_words():
    user = UserFactory()
    client = _signed_in(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = UserSession.objects.get(user=user)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in row.key_hash
    assert row.browser == "Chrome on Windows"
    assert row.ip_address == "203.0.113.7"
    assert row.ended_at is None


@pytest.mark.parametrize("agent, words", [
    (CHROME, "Chrome on Windows"),
    (FIREFOX, "Firefox on Mac"),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
    (CHROME.replace("Safari/537.36", "Safari/537.36 Edg/131.0.0.0"), "Edge on Windows"),
    ("", "Unknown browser"),
])
def test_the_browser_in_words(agent, words):
    assert browser_in_words(agent) == words


def test_requests_touch_the_row_at_most_once_a_minute():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        seen = _row(client).last_seen_at
        traveller.shift(dt.timedelta(seconds=30))
        assert client.get(reverse("home")).status_code == 200
        assert _row(client).last_seen_at == seen
        traveller.shift(dt.timedelta(seconds=31))
        assert client.get(reverse("home")).status_code == 200
        assert _row(client).last_seen_at == START + dt.timedelta(seconds=61)


def test_a_busy_session_ends_at_the_absolute_limit():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        for _ in range(int(LIMIT / (IDLE / 2)) - 1):  # busy: never idle for long
            traveller.shift(IDLE / 2)
            assert client.get(reverse("home")).status_code == 200
        traveller.move_to(START + LIMIT - dt.timedelta(seconds=1))
        assert client.get(reverse("home")).status_code == 200
        traveller.move_to(START + LIMIT)
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response["Location"] == reverse("account_login") + "?signed_out=limit&next=%2F"
        assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
        # Signed out for good: the next request is a stranger's.
        again = client.get(reverse("home"))
        assert again.status_code == 302 and "signed_out" not in again["Location"]
    row = UserSession.objects.get(user=user)
    assert row.ended_at is not None and row.ended_because == "limit"
    assert _events(user, SignInEvent.Kind.SESSION_LIMIT) == 1
    # Not recorded a second time as an ordinary sign-out.
    assert _events(user, SignInEvent.Kind.SIGNED_OUT) == 0


def test_the_sign_in_page_says_why_for_the_limit_and_for_an_ended_session():
    html = assert_service_page(Client().get(reverse("account_login"), {"signed_out": "limit"}))
    assert "You were signed out because you signed in 8 hours ago." in html
    html = assert_service_page(Client().get(reverse("account_login"), {"signed_out": "ended"}))
    assert "this session was ended from another session" in html
    html = Client().get(reverse("account_login")).content.decode()
    assert "You were signed out" not in html


def test_an_idle_session_is_recorded_as_idle_and_says_so():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(IDLE + dt.timedelta(seconds=1))
        response = client.get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?signed_out=idle")
    assert _events(user, SignInEvent.Kind.IDLE_TIMEOUT) == 1
    row = UserSession.objects.get(user=user)
    assert row.ended_because == "idle" and row.ended_at is not None
    assert _events(user, SignInEvent.Kind.SESSION_LIMIT) == 0


def test_signing_out_ends_the_row_and_clears_the_browsers_data():
    user = UserFactory()
    client = _signed_in(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "cookies", "storage"'
    row = UserSession.objects.get(user=user)
    assert row.ended_because == "signed_out"
    # A signed-out session's cookie is not later taken for an idle one.
    assert _events(user, SignInEvent.Kind.IDLE_TIMEOUT) == 0


def test_ordinary_pages_do_not_clear_site_data():
    client = _signed_in(UserFactory())
    assert "Clear-Site-Data" not in client.get(reverse("home"))


def test_your_sessions_lists_your_live_sessions_and_marks_this_one():
    user = UserFactory()
    here = _signed_in(user)
    _signed_in(user, FIREFOX, "198.51.100.4")
    gone = _signed_in(user)
    gone.post(reverse("account_logout"))
    _signed_in(UserFactory(), FIREFOX, "192.0.2.9")  # someone else's
    html = assert_service_page(here.get(reverse("people:sessions")))
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', html, re.S)[1:]
    assert len(rows) == 2
    assert "192.0.2.9" not in html
    this = [r for r in rows if "This session" in r]
    assert len(this) == 1 and "Chrome on Windows" in this[0] and "203.0.113.7" in this[0]
    assert "<form" not in this[0]  # this one ends by signing out
    other = [r for r in rows if "This session" not in r][0]
    assert "Firefox on Mac" in other and "198.51.100.4" in other
    assert 'method="post"' in other and ">End<" in other


def test_the_sessions_page_is_linked_from_how_you_sign_in_which_every_page_links_to():
    client = _signed_in(UserFactory())
    html = client.get(reverse("mfa_index")).content.decode()
    assert f'href="{reverse("people:sessions")}"' in html
    header = client.get(reverse("home")).content.decode().split("</header>")[0]
    assert f'href="{reverse("mfa_index")}">How you sign in</a>' in header


def test_ending_another_session_signs_it_out_at_its_next_request():
    user = UserFactory()
    here = _signed_in(user)
    there = _signed_in(user, FIREFOX)
    assert there.get(reverse("home")).status_code == 200
    other = _row(there)
    response = here.post(reverse("people:session_end", args=[other.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("people:sessions")
    assert _events(user, SignInEvent.Kind.SESSION_ENDED) == 1
    response = there.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?signed_out=ended")
    assert there.get(reverse("home")).status_code == 302  # flushed, not just refused once
    assert here.get(reverse("home")).status_code == 200
    assert other.pk not in [s.pk for s in _live(here)]


def _live(client: Client) -> list[UserSession]:
    response = client.get(reverse("people:sessions"))
    return list(response.context["sessions"]) if response.context else []


def test_you_cannot_end_this_session_or_someone_elses_from_the_page():
    user = UserFactory()
    here = _signed_in(user)
    stranger = UserFactory()
    theirs = _signed_in(stranger)
    here.post(reverse("people:session_end", args=[_row(here).pk]))
    here.post(reverse("people:session_end", args=[_row(theirs).pk]))
    assert here.get(reverse("home")).status_code == 200
    assert theirs.get(reverse("home")).status_code == 200
    assert not SignInEvent.objects.filter(kind=SignInEvent.Kind.SESSION_ENDED).exists()


def test_ending_a_session_needs_post():
    client = _signed_in(UserFactory())
    assert client.get(reverse("people:session_end", args=[1])).status_code == 405


def test_a_session_dropped_by_a_password_change_elsewhere_is_not_called_idle():
    user = UserFactory()
    here = _signed_in(user)
    there = _signed_in(user, FIREFOX)
    response = here.post(reverse("account_change_password"), {
        "oldpassword": "a long test password", "password1": "a new long password here",
        "password2": "a new long password here"})
    assert response.status_code == 302
    response = there.get(reverse("home"))
    assert response.status_code == 302 and "signed_out" not in response["Location"]
    assert _events(user, SignInEvent.Kind.IDLE_TIMEOUT) == 0
    assert UserSession.objects.get(browser="Firefox on Mac").ended_because == "signed_out"
    # The session that changed it carries on.
    assert here.get(reverse("home")).status_code == 200


def test_the_sign_in_page_reached_with_an_idle_cookie_keeps_its_own_cookies():
    user = UserFactory()
    with time_machine.travel(START, tick=False) as traveller:
        client = _signed_in(user)
        traveller.shift(IDLE + dt.timedelta(seconds=1))
        response = client.get(reverse("account_login"), {"signed_out": "idle"})
    assert response.status_code == 200
    assert "Clear-Site-Data" not in response  # it would wipe the form's CSRF cookie
    assert _events(user, SignInEvent.Kind.IDLE_TIMEOUT) == 1


def test_signing_in_again_in_the_same_session_carries_on_its_row():
    from tests.factories import UserFactory

    user = UserFactory()
    client = Client()
    client.force_login(user)
    client.force_login(user)  # the same person again: Django keeps the session key
    assert UserSession.objects.filter(user=user).count() == 1
    other = UserFactory()
    client.force_login(other)  # someone else in the same browser: a new session and row
    assert UserSession.objects.filter(user=other).count() == 1
