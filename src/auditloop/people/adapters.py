"""django-allauth adapters: no self sign-up, plain-English errors, Entra ID users matched on
issuer + subject."""

import logging
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render

from auditloop.people import entra, password_reset, secrets_at_rest

logger = logging.getLogger(__name__)

# allauth imports this module (SOCIALACCOUNT_ADAPTER) before it decodes any id_token, so the
# signature check is always in place when a Microsoft sign-in comes back.
entra.check_id_token_signatures()


class AccountAdapter(DefaultAccountAdapter):
    @property  # type: ignore[override]
    def error_messages(self) -> dict[str, str]:
        minutes = settings.LOGIN_LOCKOUT_MINUTES
        return {
            **DefaultAccountAdapter.error_messages,
            "too_many_login_attempts": (
                f"Sign-in is locked for {minutes} minutes because the wrong password was "
                f"entered too many times. Wait {minutes} minutes and try again. If you have "
                "forgotten your password, ask your QA manager to reset it."
            ),
            "username_password_mismatch": (
                "The username or password is not right. Check them and try again."
            ),
            "incorrect_password": "The password is not right. Check it and try again.",
            "enter_current_password": "Enter your current password.",
        }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False

    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        # With an authenticator app, proving it is you again means a code from it: the
        # password alone is not offered.
        methods = super().get_reauthentication_methods(user)
        second_factor = [m for m in methods if str(m["id"]).startswith("mfa_")]
        return second_factor or methods

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """allauth refuses a locked username (or address) here: record each refusal."""
        try:
            super().pre_authenticate(request, **credentials)
        except ValidationError:
            from auditloop.people import signin_signals

            signin_signals.locked_out(request, str(credentials.get("username") or ""))
            raise

    def send_password_reset_mail(self, user: Any, email: str, context: Any) -> None:
        from auditloop.people import signin_signals

        signin_signals.reset_asked(context.get("request"), user)
        # Sent by a background task given the account's id only: the address and the link
        # are looked up and made inside it (people.password_reset).
        password_reset.enqueue(user.pk)


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": (
            "The code is not right. Enter the 6-digit code your authenticator app shows now."
        ),
        "cannot_delete_authenticator": (
            "You cannot turn off your authenticator app: this service needs it to sign you in."
        ),
    }

    def encrypt(self, text: str) -> str:
        # Two-factor secrets are stored encrypted (people.secrets_at_rest).
        return secrets_at_rest.encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return secrets_at_rest.decrypt(encrypted_text)

    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Where two-factor is compulsory, turning it off would only send the person
        # straight back to set it up again.
        if settings.MFA_REQUIRED and authenticator.type == Authenticator.Type.TOTP:
            return False
        return bool(super().can_delete_authenticator(authenticator))


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Sign in the staff account that carries the identity's issuer and subject.

        The match is made afresh on every sign-in, so unlinking a staff account (clearing
        its subject) stops the next sign-in even though allauth remembers the connection.
        E-mail addresses are never used to match: councils reassign them.
        """
        from auditloop.people.models import User

        identity = entra.verified_identity(sociallogin.account.extra_data)
        if identity is None:
            logger.warning("Entra ID sign-in refused: the identity could not be confirmed")
            raise ImmediateHttpResponse(_not_set_up(request, None))
        user = User.objects.filter(
            oidc_issuer=identity.issuer, oidc_subject=identity.subject, is_active=True
        ).first()
        if user is None:
            logger.warning(
                "Entra ID sign-in refused: no active staff account for subject %s",
                identity.subject,
            )
            raise ImmediateHttpResponse(_not_set_up(request, identity))
        if sociallogin.is_existing:
            if sociallogin.user.pk != user.pk:
                # The identity was linked to someone else before; the staff record wins.
                sociallogin.account.user = user
                sociallogin.account.save(update_fields=["user"])
                sociallogin.user = user
            return
        sociallogin.connect(request, user)

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        logger.warning(
            "Entra ID sign-in failed: %s %s", error, type(exception).__name__ if exception else ""
        )


def _not_set_up(request: HttpRequest, identity: entra.Identity | None) -> Any:
    return render(request, "people/not_set_up.html", {"identity": identity}, status=403)
