"""Sign-in events from Django's and allauth's signals, written through
`people.signin_events.record` (the only writer). Nothing typed in secret reaches a row:
failed sign-ins give the username only, two-factor events the account only.

Connected once from PeopleConfig.ready(). Lockouts and password-reset requests have no
signal: people.adapters.AccountAdapter calls `locked_out` and `reset_asked` here. Session
ends by idle timeout, the time limit or from another session are recorded where they
happen (the session middleware), not here.
"""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from auditloop.people.models import SignInEvent, User
from auditloop.people.signin_events import record

Kind = SignInEvent.Kind
# Set on the request by code that ends a session for its own reason (idle, time limit),
# which records its own event: the sign-out that follows is then not recorded twice.
OWN_REASON_ATTR = "signin_event_recorded"


def _account(username: str) -> Any:
    """The account a typed username names, or None (then the username itself is kept)."""
    if not username:
        return None
    return User.objects.filter(username__iexact=username).first()


def locked_out(request: HttpRequest | None, username: str) -> None:
    """Sign-in refused because this username (or this address) tried too many wrong
    passwords: once per refused attempt."""
    record(Kind.LOCKED_OUT, request=request, user=_account(username), username=username)


def reset_asked(request: HttpRequest | None, user: Any) -> None:
    record(Kind.PASSWORD_RESET_ASKED, request=request, user=user)


def _signed_in(sender: Any, request: HttpRequest | None = None, user: Any = None,
               **kwargs: Any) -> None:
    record(Kind.SIGNED_IN, request=request, user=user)


def _sign_in_failed(sender: Any, credentials: dict[str, Any] | None = None,
                    request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Django has already blanked the password in `credentials`; only the username is read.
    username = str((credentials or {}).get("username") or "")
    record(Kind.SIGN_IN_FAILED, request=request, user=_account(username), username=username)


def _signed_out(sender: Any, request: HttpRequest | None = None, user: Any = None,
                **kwargs: Any) -> None:
    if user is None or (request is not None and getattr(request, OWN_REASON_ATTR, False)):
        return
    record(Kind.SIGNED_OUT, request=request, user=user)


def _two_factor_passed(sender: Any, request: HttpRequest | None = None, user: Any = None,
                       **kwargs: Any) -> None:
    record(Kind.TWO_FACTOR_PASSED, request=request, user=user)


def _two_factor_failed(sender: Any, request: HttpRequest | None = None, user: Any = None,
                       **kwargs: Any) -> None:
    record(Kind.TWO_FACTOR_FAILED, request=request, user=user)


def _authenticator_added(sender: Any, request: HttpRequest | None = None, user: Any = None,
                         authenticator: Any = None, **kwargs: Any) -> None:
    if getattr(authenticator, "type", "") == Authenticator.Type.RECOVERY_CODES:
        record(Kind.RECOVERY_CODES_CHANGED, request=request, user=user)
    else:
        record(Kind.TWO_FACTOR_ADDED, request=request, user=user)


def _authenticator_removed(sender: Any, request: HttpRequest | None = None, user: Any = None,
                           authenticator: Any = None, **kwargs: Any) -> None:
    # Recovery codes go with the app they back up: one event for the app is enough.
    if getattr(authenticator, "type", "") != Authenticator.Type.RECOVERY_CODES:
        record(Kind.TWO_FACTOR_REMOVED, request=request, user=user)


def _recovery_codes_changed(sender: Any, request: HttpRequest | None = None,
                            user: Any = None, **kwargs: Any) -> None:
    record(Kind.RECOVERY_CODES_CHANGED, request=request, user=user)


def _password_changed(sender: Any, request: HttpRequest | None = None, user: Any = None,
                      **kwargs: Any) -> None:
    record(Kind.PASSWORD_CHANGED, request=request, user=user)


def _password_reset(sender: Any, request: HttpRequest | None = None, user: Any = None,
                    **kwargs: Any) -> None:
    record(Kind.PASSWORD_RESET, request=request, user=user)


def _email_changed(sender: Any, request: HttpRequest | None = None, user: Any = None,
                   **kwargs: Any) -> None:
    record(Kind.EMAIL_CHANGED, request=request, user=user)


def connect() -> None:
    """Connect every receiver (dispatch_uid: connecting twice is harmless)."""
    pairs: list[tuple[Any, Any]] = [
        (auth_signals.user_logged_in, _signed_in),
        (auth_signals.user_login_failed, _sign_in_failed),
        (auth_signals.user_logged_out, _signed_out),
        (mfa_signals.authenticator_used, _two_factor_passed),
        (mfa_signals.authentication_failed, _two_factor_failed),
        (mfa_signals.authenticator_added, _authenticator_added),
        (mfa_signals.authenticator_removed, _authenticator_removed),
        (mfa_signals.authenticator_reset, _recovery_codes_changed),
        (account_signals.password_changed, _password_changed),
        (account_signals.password_set, _password_changed),
        (account_signals.password_reset, _password_reset),
        (account_signals.email_changed, _email_changed),
        (account_signals.email_added, _email_changed),
        (account_signals.email_removed, _email_changed),
    ]
    for signal, receiver in pairs:
        signal.connect(receiver, dispatch_uid=f"auditloop.signin.{receiver.__name__}")
