"""Sign-in is required everywhere but the sign-in pages; two-factor where settings demand."""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

# /voice/feedback/: a family's one-time feedback link, which needs no account (voice.views).
OPEN_PREFIXES = ("/accessibility", "/accounts/", "/static/", "/healthz", "/readyz", "/demo/",
                 "/voice/feedback/")


class SignInRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path == reverse("admin:login"):
            # The operator pages' own sign-in form has neither the lockout nor two-factor:
            # operators sign in through the service's page like everyone else.
            if not request.user.is_authenticated:
                next_url = request.GET.get("next") or reverse("admin:index")
                return redirect_to_login(next_url, reverse(settings.LOGIN_URL))
            if not request.user.is_staff:
                raise PermissionDenied  # signed in, but not an operator
            return redirect("admin:index")
        if not request.user.is_authenticated and not request.path.startswith(OPEN_PREFIXES):
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """In production every local account must set up an authenticator app before anything
    else. Entra ID sign-ins are exempt: Entra enforces the council's own two-factor."""

    ALLOWED_PREFIXES = ("/accessibility", "/accounts/", "/static/", "/healthz", "/readyz")

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
        from allauth.account.authentication import get_authentication_records
        from allauth.mfa.models import Authenticator

        records = get_authentication_records(request, request.user)
        if any(r.get("method") == "socialaccount" for r in records):
            return True
        return Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
