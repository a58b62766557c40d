"""django-allauth adapters: no self sign-up; Entra ID users matched on issuer + subject."""

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest
from django.shortcuts import render


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        """Connect the Entra identity to the staff account that carries its issuer and
        subject. E-mail addresses are never used to match: they are reassigned."""
        from auditloop.people.models import User

        if sociallogin.is_existing:
            return
        issuer = str(sociallogin.account.extra_data.get("iss", "")) or _issuer(sociallogin)
        subject = str(sociallogin.account.uid)
        user = User.objects.filter(
            oidc_issuer=issuer, oidc_subject=subject, is_active=True
        ).first()
        if user is None:
            raise ImmediateHttpResponse(
                render(request, "people/not_set_up.html", status=403)
            )
        sociallogin.connect(request, user)


def _issuer(sociallogin: Any) -> str:
    app = sociallogin.account.get_provider().app
    return str((app.settings or {}).get("server_url", "")).rstrip("/")
