"""Sign-in is required everywhere but the sign-in pages; two-factor where settings demand."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

OPEN_PREFIXES = ("/accounts/", "/static/", "/health", "/demo/", "/operator/login/")


class SignInRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """In production every local account must set up an authenticator app before anything
    else. Entra ID sign-ins are exempt: Entra enforces the council's own two-factor."""

    ALLOWED_PREFIXES = ("/accounts/", "/static/", "/health")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not self._satisfied(request)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _satisfied(request: HttpRequest) -> bool:
        from allauth.mfa.models import Authenticator

        methods = request.session.get("account_authentication_methods", [])
        if any(m.get("method") == "socialaccount" for m in methods):
            return True
        return Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
