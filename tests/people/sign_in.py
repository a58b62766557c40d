"""Helpers for the sign-in tests: sign in as a person would, and read codes as their phone
would, with allauth's own TOTP functions."""

from __future__ import annotations

import re
import time

from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

PASSWORD = "a long test password"  # tests.factories.UserFactory's


def sign_in(client: Client, username: str, password: str = PASSWORD) -> HttpResponse:
    return client.post(reverse("account_login"), {"login": username, "password": password})


def current_code(secret: str) -> str:
    """What the authenticator app shows now."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // mfa_settings.TOTP_PERIOD))


def set_up_authenticator(client: Client, password: str = PASSWORD) -> str:
    """Go through "Set up two-factor sign-in" as the signed-in person; returns the secret."""
    response = client.get(reverse("mfa_activate_totp"))
    if response.status_code == 302 and response["Location"].startswith(
        reverse("account_reauthenticate")
    ):
        response = client.post(response["Location"], {"password": password}, follow=True)
    assert response.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    assert secret in response.content.decode()  # shown for typing in by hand
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302, response.content.decode()
    return secret


def assert_service_page(response: HttpResponse) -> str:
    """The page is drawn in the service's GOV.UK layout, scripts and all."""
    html = response.content.decode()
    assert 'class="govuk-template' in html
    assert 'class="govuk-header"' in html
    assert "govuk-footer" in html
    assert re.search(r'<script type="module" src="[^"]*app\.js" nonce="[^"]+">', html)
    return html
