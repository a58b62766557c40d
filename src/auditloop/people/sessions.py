"""Signed-in sessions: one `UserSession` row each, the idle timeout and the absolute limit
recorded, "Your sessions" ending another session, and the second factor asked again before
a password or e-mail change.

- A row is made at sign-in (Django's `user_logged_in`), its id kept in the session and its
  key stored only hashed. Requests touch it at most once a minute.
- The idle timeout is the session's server-side expiry, which Django moves on each time it
  saves the session. It saves only a session that changed (not on every request),
  so the idle clock kept in the session (IDLE_CLOCK_KEY) is restarted, with the row's
  touch, when it is TOUCH_EVERY old: the session is written at most once a minute per
  active person, and a person doing nothing is signed out SESSION_IDLE_TIMEOUT after the
  last restart, which is under a minute before their last request. Each signed-in response
  says how old the clock is (the page in `data-idle-seconds`, other responses in the
  IDLE_SECONDS_HEADER), so the page's warning counts down to the server's own expiry.
- A session older than SESSION_ABSOLUTE_LIMIT ends at its next request (SESSION_LIMIT).
- A session Django has expired for idleness arrives with its old cookie and no user: its
  row, found by the cookie's hash, is ended and recorded (IDLE_TIMEOUT).
- A session ended from "Your sessions" is refused at its next request and flushed.
Each of these sends the person to the sign-in page with the reason (`signed_out`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import signals as auth_signals
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from auditloop.common.access import client_ip
from auditloop.people.models import SignInEvent, UserSession
from auditloop.people.signin_events import record
from auditloop.people.signin_signals import OWN_REASON_ATTR

ROW_SESSION_KEY = "people_user_session_id"
# How stale the idle clock and the row's last_seen_at may grow before a request writes them
# again. Writing the session on every request cost every signed-in page a database write
# (benchmarks/RESULTS.md); once a minute keeps the write rare while costing an idle person at most a
# minute of the idle timeout, well inside the page's two-minute warning.
TOUCH_EVERY = dt.timedelta(minutes=1)
# When the idle clock last restarted (seconds since the epoch): the session's last save.
IDLE_CLOCK_KEY = "people_idle_clock"
IDLE_SECONDS_HEADER = "X-Session-Idle-Seconds"
CLEAR_SITE_DATA = '"cache", "cookies", "storage"'
# Set on a request whose response must tell the browser to forget the site's data.
_CLEAR_ATTR = "clear_site_data"
# people.signin_signals skips its "signed out" event when the request carries this: the
# reason (idle, time limit, ended elsewhere) is recorded here instead.
_OWN_REASON_ATTR = OWN_REASON_ATTR


class Reason:
    SIGNED_OUT = "signed_out"
    IDLE = "idle"
    LIMIT = "limit"
    ENDED = "ended"


def key_hash(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()


def browser_in_words(user_agent: str) -> str:
    """"Chrome on Windows": enough for a person to recognise their own device."""
    ua = user_agent or ""
    browser = next(
        (name for pattern, name in (
            (r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS", "Firefox"),
            (r"Chrome/|CriOS", "Chrome"), (r"Safari/", "Safari"),
        ) if re.search(pattern, ua)),
        "",
    )
    system = next(
        (name for pattern, name in (
            (r"iPhone", "iPhone"), (r"iPad", "iPad"), (r"Android", "Android"),
            (r"CrOS", "ChromeOS"), (r"Windows", "Windows"), (r"Mac OS X|Macintosh", "Mac"),
            (r"Linux", "Linux"),
        ) if re.search(pattern, ua)),
        "",
    )
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "Unknown browser"


def _start(request: HttpRequest, user: Any) -> UserSession:
    if not request.session.session_key:
        request.session.save()
    # Django keeps the session key when the same person signs in again in the same session:
    # that is still the one session, so its row carries on. A row left by someone else, or
    # one already ended, is never reused: the session takes a new key instead.
    existing = UserSession.objects.filter(
        key_hash=key_hash(request.session.session_key or "")).first()
    if existing is not None and existing.user_id == user.pk and existing.ended_at is None:
        request.session[ROW_SESSION_KEY] = existing.pk
        return existing
    if existing is not None:
        request.session.cycle_key()
    row = UserSession.objects.create(
        user=user,
        key_hash=key_hash(request.session.session_key or ""),
        ip_address=client_ip(request),
        browser=browser_in_words(request.META.get("HTTP_USER_AGENT", ""))[:100],
    )
    request.session[ROW_SESSION_KEY] = row.pk
    return row


def _end(row: UserSession, because: str) -> bool:
    """Mark the row ended; False if it had ended already."""
    return bool(UserSession.objects.filter(pk=row.pk, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_because=because))


def live_sessions(user: Any) -> QuerySet[UserSession]:
    """The person's sessions that can still be used: not ended, not idle past the timeout
    (allowing for the once-a-minute touch) and inside the absolute limit."""
    now = timezone.now()
    return UserSession.objects.filter(
        user=user, ended_at__isnull=True,
        last_seen_at__gte=now - dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
        - TOUCH_EVERY,
        started_at__gt=now - dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIMIT),
    ).order_by("-last_seen_at")


def current_session_id(request: HttpRequest) -> int | None:
    value = request.session.get(ROW_SESSION_KEY)
    return int(value) if value else None


def end_other_session(request: HttpRequest, session_id: int) -> bool:
    """End one of the person's own other sessions; it is refused at its next request."""
    if session_id == current_session_id(request):
        return False
    row = live_sessions(request.user).filter(pk=session_id).first()
    if row is None or not _end(row, Reason.ENDED):
        return False
    record(SignInEvent.Kind.SESSION_ENDED, request=request, user=request.user)
    return True


def _signed_in(sender: Any, request: HttpRequest | None = None, user: Any = None,
               **kwargs: Any) -> None:
    if request is not None and user is not None and hasattr(request, "session"):
        _start(request, user)


def _signed_out(sender: Any, request: HttpRequest | None = None, user: Any = None,
                **kwargs: Any) -> None:
    if request is None:
        return
    setattr(request, _CLEAR_ATTR, True)
    row_id = request.session.get(ROW_SESSION_KEY) if hasattr(request, "session") else None
    if row_id:
        UserSession.objects.filter(pk=row_id, ended_at__isnull=True).update(
            ended_at=timezone.now(), ended_because=Reason.SIGNED_OUT)


def connect() -> None:
    auth_signals.user_logged_in.connect(_signed_in, dispatch_uid="auditloop.sessions.start")
    auth_signals.user_logged_out.connect(_signed_out, dispatch_uid="auditloop.sessions.end")


def idle_seconds(request: HttpRequest) -> int:
    """Whole seconds since the server's idle clock restarted: 0 when this request's session
    will be saved (which restarts it)."""
    session = request.session
    clock = session.get(IDLE_CLOCK_KEY)
    if session.modified or not clock:
        return 0
    return max(0, int(time.time() - float(clock)))


class _IdleSecondsOnThePage:
    """`request.session_idle_seconds` for the page's warning (base.html): worked out when
    the page is drawn, so a view that changed the session before that shows 0."""

    def __init__(self, request: HttpRequest) -> None:
        self.request = request

    def __str__(self) -> str:
        return str(idle_seconds(self.request))


def _to_sign_in(request: HttpRequest, reason: str) -> HttpResponse:
    query = {"signed_out": reason}
    if request.method == "GET" and not request.path.startswith("/accounts/"):
        query["next"] = request.get_full_path()
    return HttpResponseRedirect(f"{reverse(settings.LOGIN_URL)}?{urlencode(query)}")


class SessionLimitsMiddleware:
    """After AuthenticationMiddleware, before SignInRequiredMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self._check(request) or self.get_response(request)
        if getattr(request, _CLEAR_ATTR, False):
            response["Clear-Site-Data"] = CLEAR_SITE_DATA
        if request.user.is_authenticated:
            self._restart_clock_if_saving(request, response)
        return response

    @staticmethod
    def _restart_clock_if_saving(request: HttpRequest, response: HttpResponse) -> None:
        """A session about to be saved (the clock was due, or the view changed it: signing
        in, "Stay signed in") gets its clock set to now, just before SessionMiddleware saves
        it and so sets its expiry: the clock and the expiry agree to the millisecond."""
        if request.session.modified:
            request.session[IDLE_CLOCK_KEY] = time.time()
        response[IDLE_SECONDS_HEADER] = str(idle_seconds(request))

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return self._idle(request)
        row_id = current_session_id(request)
        row = (UserSession.objects.filter(pk=row_id, user=request.user).first()
               if row_id else None)
        if row is None:
            # Signed in before sessions were kept: it starts now.
            row = _start(request, request.user)
        if row.ended_at is not None:
            # Ended from another session (already recorded there), or signed out.
            return self._sign_out(request, Reason.ENDED)
        now = timezone.now()
        if now - row.started_at >= dt.timedelta(seconds=settings.SESSION_ABSOLUTE_LIMIT):
            _end(row, Reason.LIMIT)
            record(SignInEvent.Kind.SESSION_LIMIT, request=request, user=request.user)
            return self._sign_out(request, Reason.LIMIT)
        current_hash = key_hash(request.session.session_key or "")
        clock = request.session.get(IDLE_CLOCK_KEY)
        clock_due = not clock or time.time() - float(clock) >= TOUCH_EVERY.total_seconds()
        row_due = row.key_hash != current_hash or now - row.last_seen_at >= TOUCH_EVERY
        if row_due:
            # A changed key (a password change cycles it) follows the session.
            UserSession.objects.filter(pk=row.pk).update(
                last_seen_at=now, key_hash=current_hash, ip_address=client_ip(request))
        if row_due or clock_due:
            # Touching the row restarts the clock too, after it: a row seen later than the
            # session's last save would make an idle session look ended by a password
            # change (_idle). A clock a minute old means a row as old, so both are written
            # by the same request, except for a session with no clock yet (signed in by
            # other means, or before the clock was kept), which is only saved.
            request.session[IDLE_CLOCK_KEY] = time.time()  # a change: the session is saved
        request.session_idle_seconds = _IdleSecondsOnThePage(request)  # type: ignore[attr-defined]
        return None

    @staticmethod
    def _idle(request: HttpRequest) -> HttpResponse | None:
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if not cookie:
            return None
        row = UserSession.objects.filter(
            key_hash=key_hash(cookie), ended_at__isnull=True).select_related("user").first()
        if row is None:
            return None
        idle_since = timezone.now() - dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
        if row.last_seen_at > idle_since:
            # Used within the timeout, so not idle: Django dropped it because the password
            # changed (every other session ends then) or the account was deactivated.
            _end(row, Reason.SIGNED_OUT)
            return None
        if not _end(row, Reason.IDLE):
            return None
        record(SignInEvent.Kind.IDLE_TIMEOUT, request=request, user=row.user)
        if request.path.startswith("/accounts/"):
            return None  # the sign-in page itself: nothing to redirect
        setattr(request, _CLEAR_ATTR, True)
        return _to_sign_in(request, Reason.IDLE)

    @staticmethod
    def _sign_out(request: HttpRequest, reason: str) -> HttpResponse:
        setattr(request, _OWN_REASON_ATTR, True)
        logout(request)  # flushes the session; marks the row ended if it was not
        setattr(request, _CLEAR_ATTR, True)
        return _to_sign_in(request, reason)


def _recently_used_second_factor(request: HttpRequest) -> bool:
    from allauth.account import app_settings as account_settings
    from allauth.account.authentication import get_authentication_records

    records = [r for r in get_authentication_records(request, request.user)
               if r.get("method") == "mfa" and r.get("reauthenticated")]
    if not records:
        return False
    return time.time() - float(records[-1]["at"]) < account_settings.REAUTHENTICATION_TIMEOUT


class SecondFactorForChangesMiddleware:
    """A person with an authenticator app enters a code from it (not only the password)
    before changing their password or e-mail address. allauth's own reauthentication asks
    for it on e-mail changes; this makes the password change ask too, and makes sure a
    password typed a moment ago (to set the app up) does not count."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._needs_code(request):
            return HttpResponseRedirect(
                f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.path})}")
        return self.get_response(request)

    @staticmethod
    def _needs_code(request: HttpRequest) -> bool:
        if not request.user.is_authenticated:
            return False
        changing = request.path == reverse("account_change_password") or (
            request.path == reverse("account_email") and request.method == "POST"
        )
        if not changing:
            return False
        from allauth.mfa.utils import is_mfa_enabled

        return bool(is_mfa_enabled(request.user)) and not _recently_used_second_factor(request)
