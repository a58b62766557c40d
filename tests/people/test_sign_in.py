"""Signing in with a local account: username and password, no self sign-up, lockout after
repeated wrong passwords, and every sign-in page drawn in the service's layout."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.people.sign_in import PASSWORD, assert_service_page, sign_in

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def _is_signed_in(client: Client) -> bool:
    return client.get(reverse("home")).status_code == 200


def test_right_username_and_password_sign_in():
    user = UserFactory()
    client = Client()
    response = sign_in(client, user.username)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _is_signed_in(client)


def test_sign_in_returns_to_the_page_asked_for():
    user = UserFactory()
    client = Client()
    wanted = reverse("cases:case_list")
    login_page = client.get(wanted)
    assert login_page["Location"] == f"{reverse('account_login')}?next={wanted}"
    page = client.get(login_page["Location"])
    assert f'name="next" value="{wanted}"' in page.content.decode()
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": PASSWORD, "next": wanted}
    )
    assert response["Location"] == wanted


def test_wrong_password_shows_a_gov_uk_error_summary_and_does_not_echo_it():
    user = UserFactory()
    client = Client()
    response = sign_in(client, user.username, "not the password")
    html = assert_service_page(response)
    assert response.status_code == 200
    assert "<title>Error: Sign in" in html
    assert 'class="govuk-error-summary"' in html
    assert "The username or password is not right. Check them and try again." in html
    assert 'href="#id_login"' in html
    assert "not the password" not in html
    assert user.username in html  # the username is kept for the next try
    assert not _is_signed_in(client)


def test_nobody_can_create_their_own_account():
    client = Client()
    page = client.get(reverse("account_signup"))
    assert "You cannot create an account here" in assert_service_page(page)
    client.post(reverse("account_signup"), {"username": "newcomer", "password1": "x" * 20})
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_five_wrong_passwords_lock_the_account_even_against_the_right_password():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert "not right" in sign_in(client, user.username, "guess").content.decode()
        response = sign_in(client, user.username, PASSWORD)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="govuk-error-summary"' in html
    assert "Sign-in is locked for 15 minutes" in html
    assert "Wait 15 minutes and try again" in html
    assert "ask your QA manager to reset it" in html
    assert not _is_signed_in(client)


def test_the_lock_lifts_after_15_minutes():
    user = UserFactory()
    client = Client()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            sign_in(client, user.username, "guess")
        traveller.shift(dt.timedelta(minutes=14, seconds=59))
        assert "locked" in sign_in(client, user.username).content.decode()
        traveller.shift(dt.timedelta(seconds=2))
        response = sign_in(client, user.username)
        assert response.status_code == 302
        assert _is_signed_in(client)


def test_the_lock_holds_only_the_username_that_was_guessed():
    guessed, colleague = UserFactory(), UserFactory()
    client = Client()
    for _ in range(5):
        sign_in(client, guessed.username, "guess")
    assert sign_in(client, colleague.username).status_code == 302


def test_a_right_password_does_not_reset_the_count_of_wrong_ones():
    # Otherwise a guesser who knows one password could keep guessing another's forever.
    user = UserFactory()
    client = Client()
    for _ in range(4):
        sign_in(client, user.username, "guess")
    assert sign_in(client, user.username).status_code == 302
    client.post(reverse("account_logout"))
    sign_in(client, user.username, "guess")
    assert "locked" in sign_in(client, user.username).content.decode()


def test_sign_out_asks_first_and_needs_a_post():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    page = client.get(reverse("account_logout"))
    assert "Are you sure you want to sign out?" in assert_service_page(page)
    assert _is_signed_in(client)
    response = client.post(reverse("account_logout"))
    assert response["Location"] == reverse("account_login")
    assert not _is_signed_in(client)


def test_sign_in_page_has_no_microsoft_button_when_entra_is_not_set_up():
    html = assert_service_page(Client().get(reverse("account_login")))
    assert "Sign in with Microsoft" not in html


def _sentence_case_heading(html: str) -> bool:
    heading = re.search(r'<h1 class="govuk-heading-l">([^<]+)</h1>', html)
    assert heading, "no GOV.UK heading"
    first, *rest = heading.group(1).split()
    return first[0].isupper() and all(w.islower() or w == "Microsoft" for w in rest)


# Every page allauth can show, reached the way a person would reach it.
SIGNED_OUT_PAGES = [
    "account_login", "account_signup", "account_inactive", "account_reset_password",
    "account_reset_password_done", "account_reset_password_from_key_done",
    "account_email_verification_sent", "socialaccount_login_cancelled",
    "socialaccount_login_error",
]
SIGNED_IN_PAGES = [
    "account_logout", "account_reauthenticate", "account_change_password", "account_email",
    "mfa_index", "socialaccount_connections",
]


@pytest.mark.parametrize("name", SIGNED_OUT_PAGES)
def test_signed_out_account_pages_use_the_service_layout(name):
    response = Client().get(reverse(name))
    assert response.status_code in (200, 401)
    html = assert_service_page(response)
    assert _sentence_case_heading(html)


@pytest.mark.parametrize("name", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_the_service_layout(name):
    client = Client()
    sign_in(client, UserFactory().username)
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = assert_service_page(response)
    assert _sentence_case_heading(html)


def test_links_from_emails_use_the_service_layout():
    client = Client()
    bad_reset = client.get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "1", "key": "x-y"})
    )
    assert "This link does not work" in assert_service_page(bad_reset)
    bad_confirm = client.get(reverse("account_confirm_email", args=["nonsense"]))
    assert "This link has expired" in assert_service_page(bad_confirm)


def test_password_change_errors_have_an_error_summary():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": "short", "password2": "different"},
    )
    html = assert_service_page(response)
    assert 'class="govuk-error-summary"' in html
    assert 'href="#id_oldpassword"' in html
    assert 'href="#id_password1"' in html
    assert 'value="short"' not in html


def test_password_can_be_changed():
    user = UserFactory()
    client = Client()
    sign_in(client, user.username)
    new = "a different long passphrase"
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_too_many_requests_page_uses_the_service_layout():
    # allauth answers 429 when one of its other limits is hit, for example password reset
    # e-mails: five a minute for one address.
    client = Client()
    for _ in range(5):
        client.post(reverse("account_reset_password"), {"email": "someone@example.org"})
    response = client.post(reverse("account_reset_password"), {"email": "someone@example.org"})
    assert response.status_code == 429
    html = assert_service_page(response)
    assert "Too many attempts" in html
    assert "Wait a few minutes and try again" in html


def test_the_operator_pages_have_no_sign_in_of_their_own():
    # Django admin's login form would skip the lockout and two-factor sign-in.
    operator = UserFactory(is_staff=True, is_superuser=True)
    client = Client()
    page = client.get(reverse("admin:login"), {"next": reverse("admin:index")})
    assert page["Location"] == f"{reverse('account_login')}?next={reverse('admin:index')}"
    response = client.post(
        reverse("admin:login"), {"username": operator.username, "password": PASSWORD}
    )
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(reverse("admin:index")).status_code == 302
    sign_in(client, operator.username)
    assert client.get(reverse("admin:index")).status_code == 200


def test_staff_who_are_not_operators_are_refused_the_operator_pages():
    client = Client()
    sign_in(client, UserFactory().username)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) == 1  # to the admin's login, then refused: no loop
