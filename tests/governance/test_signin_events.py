"""Sign-in events are recorded as people use the real sign-in pages: every kind this service
writes from Django's and allauth's signals, and never a password or code typed."""

import datetime as dt
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from auditloop.common.models import AccessLog
from auditloop.people.models import SignInEvent
from tests.factories import UserFactory
from tests.people.sign_in import PASSWORD, current_code, set_up_authenticator, sign_in

pytestmark = pytest.mark.django_db

K = SignInEvent.Kind
START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def kinds(**filters: object) -> list[str]:
    return list(SignInEvent.objects.filter(**filters).order_by("at", "pk")
                .values_list("kind", flat=True))


def test_a_sign_in_is_recorded_with_the_address_and_request_id():
    user = UserFactory()
    client = Client(REMOTE_ADDR="192.0.2.7")
    response = sign_in(client, user.username)
    event = SignInEvent.objects.get(kind=K.SIGNED_IN)
    assert event.user == user
    assert event.ip_address == "192.0.2.7"
    assert event.request_id and event.request_id == response["X-Request-ID"]


def test_a_wrong_password_is_recorded_against_the_account_it_named():
    user = UserFactory()
    sign_in(Client(), user.username, "not the password")
    event = SignInEvent.objects.get()
    assert (event.kind, event.user, event.username) == (K.SIGN_IN_FAILED, user, "")


def test_an_unknown_username_is_recorded_as_typed():
    sign_in(Client(), "nobody.here", "a guess")
    event = SignInEvent.objects.get()
    assert (event.kind, event.user, event.username) == (K.SIGN_IN_FAILED, None, "nobody.here")


def test_each_attempt_refused_by_the_lock_is_recorded_once():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            sign_in(client, user.username, "guess")
        sign_in(client, user.username)  # the right password, refused
        sign_in(client, user.username, "guess")
    assert kinds(user=user) == [K.SIGN_IN_FAILED] * 5 + [K.LOCKED_OUT] * 2


def test_signing_out_is_recorded():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    client.post(reverse("account_logout"))
    assert kinds(user=user) == [K.SIGNED_IN, K.SIGNED_OUT]


@override_settings(MFA_REQUIRED=True)
def test_two_factor_set_up_passed_failed_new_codes_and_removal(
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        sign_in(client, user.username)
        with django_capture_on_commit_callbacks(execute=True):  # allauth signals on commit
            secret = set_up_authenticator(client)
        assert kinds(user=user) == [K.SIGNED_IN, K.TWO_FACTOR_ADDED, K.RECOVERY_CODES_CHANGED]
        client.post(reverse("account_logout"))
        SignInEvent.objects.all().delete()

        traveller.shift(dt.timedelta(minutes=5))
        sign_in(client, user.username)
        wrong = "111111" if current_code(secret) != "111111" else "222222"
        client.post(reverse("mfa_authenticate"), {"code": wrong})
        client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        assert kinds(user=user) == [K.TWO_FACTOR_FAILED, K.TWO_FACTOR_PASSED, K.SIGNED_IN]
        SignInEvent.objects.all().delete()

        # New codes need the app's code again first.
        traveller.shift(dt.timedelta(minutes=1))
        client.post(reverse("mfa_reauthenticate"), {"code": current_code(secret)})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("mfa_generate_recovery_codes"))
        assert response.status_code == 302, response.content.decode()
        assert kinds(user=user) == [K.TWO_FACTOR_PASSED, K.RECOVERY_CODES_CHANGED]
        SignInEvent.objects.all().delete()

        with override_settings(MFA_REQUIRED=False), \
                django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("mfa_deactivate_totp"))
        assert response.status_code == 302, response.content.decode()
        assert kinds(user=user) == [K.TWO_FACTOR_REMOVED]


def test_changing_the_password_is_recorded():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    response = client.post(reverse("account_change_password"), {
        "oldpassword": PASSWORD, "password1": "another long password 42",
        "password2": "another long password 42"})
    assert response.status_code == 302, response.content.decode()
    assert kinds(user=user) == [K.SIGNED_IN, K.PASSWORD_CHANGED]


def test_asking_for_a_reset_and_resetting_the_password_are_recorded():
    user = UserFactory(email="reset.me@example.org")
    EmailAddress.objects.create(user=user, email="reset.me@example.org", primary=True,
                                verified=True)
    client = Client()
    client.post(reverse("account_reset_password"), {"email": "reset.me@example.org"})
    assert kinds(user=user) == [K.PASSWORD_RESET_ASKED]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    assert link
    form_page = client.get(link.group(1), follow=True)
    response = client.post(form_page.redirect_chain[-1][0], {
        "password1": "a fresh long password 7", "password2": "a fresh long password 7"})
    assert response.status_code == 302, response.content.decode()
    assert kinds(user=user)[-1] == K.PASSWORD_RESET


def test_changing_the_email_address_is_recorded():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.post(reverse("account_email"),
                           {"action_add": "", "email": "new.address@example.org"})
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == reverse("account_email")
    assert K.EMAIL_CHANGED in kinds(user=user)


@override_settings(MFA_REQUIRED=True)
def test_no_row_holds_a_password_or_code_typed():
    user = UserFactory()
    client = Client()
    typed = ["wrong password 123", "111111"]
    with time_machine.travel(START, tick=False):
        sign_in(client, user.username)
        secret = set_up_authenticator(client)
        client.post(reverse("account_logout"))
        sign_in(client, user.username, typed[0])
        sign_in(client, "nobody.at.all", typed[0])
        sign_in(client, user.username)
        if current_code(secret) == typed[1]:
            typed[1] = "222222"
        client.post(reverse("mfa_authenticate"), {"code": typed[1]})
        client.post(reverse("mfa_authenticate"), {"code": current_code(secret)})
        typed.append(current_code(secret))
    assert {K.SIGN_IN_FAILED, K.TWO_FACTOR_FAILED, K.TWO_FACTOR_PASSED} <= set(kinds())
    rows = [str(v) for row in SignInEvent.objects.values_list() for v in row]
    rows += [str(v) for row in AccessLog.objects.values_list() for v in row]
    for secret_typed in [*typed, PASSWORD, secret]:
        assert not any(secret_typed in cell for cell in rows), secret_typed
