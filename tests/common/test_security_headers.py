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
        assert "base-uri 'self'" in policy
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
