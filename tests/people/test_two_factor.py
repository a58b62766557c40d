"""Two-factor sign-in with an authenticator app (TOTP): compulsory for local accounts when
MFA_REQUIRED is on, as it is in production."""

import base64
import datetime as dt
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

from tests.factories import PersonFactory, UserFactory
from tests.people.sign_in import assert_service_page, current_code, set_up_authenticator, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
EXEMPT = ("/accounts/", "/static/", "/healthz", "/readyz")


def _service_paths(patterns: list, prefix: str = "") -> list[str]:  # type: ignore[type-arg]
    """A concrete path for every route of the service, the operator pages included."""
    paths = []
    for p in patterns:
        if isinstance(p.pattern, RegexPattern):
            continue  # allauth's provider routes and the admin's catch-all
        route = str(p.pattern)
        route = re.sub(r"<(?:(\w+):)?\w+>", lambda m: "1" if m.group(1) == "int" else "x", route)
        if isinstance(p, URLResolver):
            paths += _service_paths(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            paths.append("/" + prefix + route)
    return sorted({p for p in paths if not p.startswith(EXEMPT)})


@override_settings(MFA_REQUIRED=True)
def test_without_an_authenticator_every_service_page_sends_you_to_set_one_up():
    user = UserFactory(is_staff=True, is_superuser=True)
    PersonFactory(user=user)
    client = Client()
    sign_in(client, user.username)
    # The admin's own login page only sends people to the service's sign-in (test_sign_in).
    # The accessibility statement is open to everyone, like the sign-in pages (below).
    paths = [p for p in _service_paths(get_resolver().url_patterns)
             if p not in {reverse("admin:login"), reverse("accessibility")}]
    assert "/" in paths and "/operator/" in paths and len(paths) > 20
    not_sent = []
    for path in paths:
        for method in (client.get, client.post):
            response = method(path)
            if response.status_code != 302 or response["Location"] != reverse("mfa_activate_totp"):
                not_sent.append(f"{method.__name__.upper()} {path}: {response.status_code}")
    assert not not_sent


@override_settings(MFA_REQUIRED=True)
def test_sign_in_pages_and_the_health_checks_stay_open_without_an_authenticator():
    client = Client()
    sign_in(client, UserFactory().username)
    assert client.get(reverse("healthz")).status_code == 200
    assert client.get(reverse("readyz")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("account_logout")).status_code == 200
    assert client.get(reverse("accessibility")).status_code == 200


@override_settings(MFA_REQUIRED=False)
def test_without_the_requirement_an_authenticator_is_optional():
    client = Client()
    sign_in(client, UserFactory().username)
    assert client.get(reverse("home")).status_code == 200


@override_settings(MFA_REQUIRED=True)
def test_set_up_page_shows_the_qr_code_and_the_key_after_confirming_the_password():
    client = Client()
    sign_in(client, UserFactory().username)
    response = client.get(reverse("home"), follow=True)
    # Changing how you sign in needs the password again, even just after signing in.
    assert response.redirect_chain[-1][0].startswith(reverse("account_reauthenticate"))
    assert "Confirm it is you" in assert_service_page(response)
    response = client.post(
        response.redirect_chain[-1][0], {"password": "a long test password"}, follow=True
    )
    html = assert_service_page(response)
    assert "Set up two-factor sign-in" in html
    qr = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]+)"', html)
    assert qr and qr.group(2) == "QR code to scan with your authenticator app"
    assert base64.b64decode(qr.group(1)).lstrip().startswith((b"<svg", b"<?xml"))
    secret = client.session["mfa.totp.secret"]
    assert f'<code id="authenticator_secret">{secret}</code>' in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


@override_settings(MFA_REQUIRED=True)
def test_a_wrong_code_is_refused_with_an_error_summary():
    client = Client()
    sign_in(client, UserFactory().username)
    client.post(client.get(reverse("mfa_activate_totp"))["Location"],
                {"password": "a long test password"})
    response = client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    html = assert_service_page(response)
    assert 'class="govuk-error-summary"' in html
    assert "The code is not right" in html
    assert 'href="#id_code"' in html
    assert not Authenticator.objects.exists()


@override_settings(MFA_REQUIRED=True)
def test_after_setting_up_the_app_the_next_sign_in_asks_for_the_code_then_lets_you_in():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user.username)
        secret = set_up_authenticator(client)
        assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("account_logout"))

        traveller.shift(dt.timedelta(minutes=5))
        response = sign_in(client, user.username)
        assert response["Location"] == reverse("mfa_authenticate")
        assert client.get(reverse("home")).status_code == 302  # not in yet
        page = client.get(reverse("mfa_authenticate"))
        assert "Enter the code from your authenticator app" in assert_service_page(page)

        response = client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        assert response["Location"] == reverse("home")
        assert client.get(reverse("home")).status_code == 200


@override_settings(MFA_REQUIRED=True)
def test_a_wrong_code_at_sign_in_keeps_you_out():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        secret = set_up_authenticator(client)
        client.post(reverse("account_logout"))
        sign_in(client, user.username)
        wrong = "111111" if current_code(secret) != "111111" else "222222"
        response = client.post(reverse("mfa_authenticate"), {"code": wrong})
    html = assert_service_page(response)
    assert "The code is not right" in html
    assert client.get(reverse("home")).status_code == 302


@override_settings(MFA_REQUIRED=True)
def test_a_recovery_code_works_once_in_place_of_the_app():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        set_up_authenticator(client)
        codes_page = client.get(reverse("mfa_view_recovery_codes"))
        html = assert_service_page(codes_page)
        codes = re.findall(r"<li><code>(\w+)</code></li>", html)
        assert len(codes) == 10
        client.post(reverse("account_logout"))

        sign_in(client, user.username)
        assert client.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
        assert client.get(reverse("home")).status_code == 200
        client.post(reverse("account_logout"))

        sign_in(client, user.username)
        response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
        assert "The code is not right" in response.content.decode()


@override_settings(MFA_REQUIRED=True)
def test_the_app_cannot_be_turned_off_where_two_factor_is_required():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        set_up_authenticator(client)
        page = client.get(reverse("mfa_deactivate_totp"))
        html = assert_service_page(page)
        assert "You cannot turn off your authenticator app" in html
        assert 'class="govuk-error-summary"' in html
        client.post(reverse("mfa_deactivate_totp"))
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


@override_settings(MFA_REQUIRED=True)
def test_two_factor_pages_use_the_service_layout():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        set_up_authenticator(client)
        for name in ("mfa_index", "mfa_view_recovery_codes", "mfa_generate_recovery_codes",
                     "mfa_reauthenticate"):
            response = client.get(reverse(name), follow=True)
            assert response.status_code == 200, name
            assert_service_page(response)
        index = client.get(reverse("mfa_index")).content.decode()
        assert "Authenticator app" in index and "Set up" in index
        assert "10 of 10 unused" in index


@override_settings(MFA_REQUIRED=True)
def test_an_account_with_an_unverified_email_address_can_still_set_up_the_app():
    # Addresses are never verified here (nobody signs up by e-mail); allauth's default would
    # bar these accounts from two-factor, and so from the whole service.
    user = UserFactory(email="sam.taylor@northmoor.gov.uk")
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    client = Client()
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        set_up_authenticator(client)
        assert client.get(reverse("home")).status_code == 200
