"""Once someone has an authenticator app, changing their password or e-mail address needs a
code from it first: the password alone is not enough."""

import datetime as dt

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.people.sign_in import PASSWORD, current_code, set_up_authenticator, sign_in

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another long test password"
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
NEXT_CODE = dt.timedelta(seconds=30)  # a code is used once: the app shows the next one


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _signed_in_with_app(clock) -> tuple[Client, str, str]:  # type: ignore[no-untyped-def]
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    secret = set_up_authenticator(client)  # asks for the password first: that is not enough
    client = Client()
    sign_in(client, user.username)
    clock.shift(NEXT_CODE)
    client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
    clock.shift(NEXT_CODE)
    return client, secret, user.username


def _asks_for_a_code(response, next_url: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate")), response["Location"]
    assert next_url.replace("/", "%2F") in response["Location"]


def test_changing_the_password_asks_for_a_code_first(clock):  # type: ignore[no-untyped-def]
    client, secret, username = _signed_in_with_app(clock)
    change = reverse("account_change_password")
    _asks_for_a_code(client.get(change), change)
    response = client.post(change, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD,
                                     "password2": NEW_PASSWORD})
    _asks_for_a_code(response, change)
    # Offered the password instead? No: only the code will do.
    response = client.get(reverse("account_reauthenticate"), {"next": change})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))
    response = client.post(f"{reverse('mfa_reauthenticate')}?next={change}",
                           {"code": current_code(secret)})
    assert response.status_code == 302 and response["Location"] == change
    assert client.get(change).status_code == 200
    response = client.post(change, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD,
                                    "password2": NEW_PASSWORD})
    assert response.status_code == 302
    response = sign_in(Client(), username, NEW_PASSWORD)
    assert response["Location"] == reverse("mfa_authenticate")


def test_a_password_typed_moments_ago_to_set_up_the_app_does_not_count():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    set_up_authenticator(client)  # reauthenticated with the password just now
    change = reverse("account_change_password")
    _asks_for_a_code(client.get(change), change)


def test_without_an_app_the_password_change_asks_only_for_the_current_password():
    client = Client()
    sign_in(client, UserFactory().username)
    assert client.get(reverse("account_change_password")).status_code == 200


def test_changing_the_email_address_asks_for_a_code_first(clock):  # type: ignore[no-untyped-def]
    client, secret, _ = _signed_in_with_app(clock)
    email_page = reverse("account_email")
    assert client.get(email_page).status_code == 200  # looking is fine
    response = client.post(email_page, {"action_add": "", "email": "new.address@example.org"})
    _asks_for_a_code(response, email_page)
    assert not EmailAddress.objects.filter(email="new.address@example.org").exists()
    client.post(f"{reverse('mfa_reauthenticate')}?next={email_page}",
                {"code": current_code(secret)})
    response = client.post(email_page, {"action_add": "", "email": "new.address@example.org"})
    assert response.status_code == 302
    assert EmailAddress.objects.filter(email="new.address@example.org").exists()
