"""Security headers on every page: a nonce-based Content-Security-Policy whose nonce the
page's own scripts carry, no framing, no MIME sniffing, a same-origin referrer."""

import json
import os
import re
import subprocess
import sys

import pytest
from django.test import Client
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.settings import entra_providers

pytestmark = pytest.mark.django_db


def _nonce(response) -> str:  # type: ignore[no-untyped-def]
    policy = response["Content-Security-Policy"]
    found = re.search(r"script-src 'self' 'nonce-([A-Za-z0-9_\-+/=]+)'", policy)
    assert found, policy
    return found.group(1)


def _pages(role_client):  # type: ignore[no-untyped-def]
    client, _ = role_client(Role.QA_MANAGER)
    return [
        Client().get(reverse("account_login")),
        client.get(reverse("home")),
        client.get(reverse("cases:case_list")),
    ]


def test_pages_carry_a_content_security_policy_with_a_fresh_nonce(role_client):
    responses = _pages(role_client)
    nonces = [_nonce(r) for r in responses]
    assert len(set(nonces)) == len(nonces)
    for response in responses:
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "img-src 'self' data:" in policy  # the authenticator app's QR code
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        assert "base-uri 'none'" in policy  # no <base> can redirect relative links
        assert "form-action 'self'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_every_script_on_the_page_carries_the_pages_nonce(role_client):
    for response in _pages(role_client):
        nonce = _nonce(response)
        scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
        assert len(scripts) >= 3  # the js-enabled switch, app.js, htmx
        for tag in scripts:
            assert f'nonce="{nonce}"' in tag, tag


def test_pages_refuse_framing_sniffing_and_leaking_the_address(role_client):
    for response in _pages(role_client):
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_error_pages_carry_the_headers_too(role_client):
    client, _ = role_client(Role.PRACTITIONER)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    nonce = _nonce(response)
    assert f'nonce="{nonce}"' in response.content.decode()
    assert response["X-Frame-Options"] == "DENY"


def test_with_entra_set_up_forms_may_go_on_to_microsoft():
    # "Sign in with Microsoft" posts here and is answered by a redirect to Entra ID, which
    # browsers check against form-action. Settings are read at start-up: ask a new process.
    code = (
        "import json, auditloop.settings as s; "
        "print(json.dumps([s.SECURE_CSP['form-action'], s.SOCIALACCOUNT_PROVIDERS]))"
    )
    env = {**os.environ, "AUDITLOOP_ENV": "test", "ENTRA_CLIENT_ID": "client",
           "ENTRA_CLIENT_SECRET": "secret", "ENTRA_TENANT_ID": "contoso-tenant"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    form_action, providers = json.loads(out)
    assert form_action == ["'self'", "https://login.microsoftonline.com"]
    assert providers == entra_providers(
        client_id="client", secret="secret",
        server_url="https://login.microsoftonline.com/contoso-tenant/v2.0",
    )


PERMISSIONS = ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()")


def test_the_sign_in_redirect_for_strangers_carries_the_headers_too():
    # Made by the sign-in middleware before any view runs.
    response = Client().get(reverse("cases:case_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cache-Control"] == "no-store"
    for feature in PERMISSIONS:
        assert feature in response["Permissions-Policy"]


def test_every_page_is_not_stored_and_turns_off_unused_browser_features(role_client):
    client, _ = role_client(Role.QA_MANAGER)
    responses = [*_pages(role_client), client.get("/no-such-page/"),
                 client.post(reverse("people:keep_alive"))]
    for response in responses:
        assert response["Cache-Control"] == "no-store"
        for feature in PERMISSIONS:
            assert feature in response["Permissions-Policy"]


def test_static_files_may_be_cached():
    from django.contrib.staticfiles import finders

    assert finders.find("js/app.js")
    response = Client().get("/static/js/app.js")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "camera=()" in response["Permissions-Policy"]


def test_every_page_says_it_is_in_british_english(role_client):
    for response in _pages(role_client):
        assert '<html lang="en-GB"' in response.content.decode()
    for name in ("account_reset_password", "account_login"):
        assert '<html lang="en-GB"' in Client().get(reverse(name)).content.decode()


def _production_settings(**extra: str) -> dict:  # type: ignore[type-arg]
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps({n: getattr(s, n) for n in "
        "['SESSION_COOKIE_NAME', 'CSRF_COOKIE_NAME', 'SESSION_COOKIE_SECURE', "
        "'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_PATH', 'CSRF_COOKIE_PATH', "
        "'SESSION_COOKIE_DOMAIN', 'CSRF_COOKIE_DOMAIN', 'PASSWORD_HASHERS']}))"
    )
    env = {**os.environ, "AUDITLOOP_ENV": "production", "SECRET_KEY": "x" * 60,
           "MFA_ENCRYPTION_KEYS": "u6RDp9mcW1q3Aj2Pdj7bCz4k_5lQzSM8V9v3mZZzR2o=", **extra}
    env["DJANGO_SETTINGS_MODULE"] = "auditloop.settings"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, check=True, timeout=60).stdout
    return json.loads(out)  # type: ignore[no-any-return]


def test_production_cookies_are_host_only_secure_and_site_wide():
    found = _production_settings()
    assert found["SESSION_COOKIE_NAME"] == "__Host-sessionid"
    assert found["CSRF_COOKIE_NAME"] == "__Host-csrftoken"
    # What a browser demands of a __Host- cookie: Secure, Path=/, no Domain.
    assert found["SESSION_COOKIE_SECURE"] and found["CSRF_COOKIE_SECURE"]
    assert found["SESSION_COOKIE_PATH"] == found["CSRF_COOKIE_PATH"] == "/"
    assert found["SESSION_COOKIE_DOMAIN"] is None and found["CSRF_COOKIE_DOMAIN"] is None


def test_demo_and_test_cookies_keep_plain_names():
    from django.conf import settings

    assert settings.SESSION_COOKIE_NAME == "sessionid"
    assert settings.CSRF_COOKIE_NAME == "csrftoken"


def test_production_hashes_passwords_with_argon2_first():
    hashers = _production_settings()["PASSWORD_HASHERS"]
    assert hashers[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    # Passwords hashed before (Django's default) still verify.
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in hashers
