"""Signing in with Microsoft Entra ID, through allauth's OpenID Connect client talking real
HTTP to a local fake provider (tests/fakes/oidc_provider.py).

Staff accounts are matched on the id_token's issuer + subject, never on e-mail.
"""

from collections.abc import Iterator
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django.urls import reverse

from auditloop.settings import entra_providers
from tests.factories import PersonFactory, UserFactory
from tests.fakes.oidc_provider import EntraUser, FakeOIDCProvider
from tests.people.sign_in import assert_service_page

pytestmark = pytest.mark.django_db

SUBJECT = "kx9QbXc1tA3mVZ0dJ7fH2pLrS8wYe4uN6oGiB5qTzCc"


@pytest.fixture
def idp() -> Iterator[FakeOIDCProvider]:
    with FakeOIDCProvider() as provider, override_settings(
        SOCIALACCOUNT_PROVIDERS=entra_providers(
            client_id=provider.client_id,
            secret=provider.client_secret,
            server_url=provider.issuer,
        )
    ):
        yield provider


def _sign_in_with_microsoft(client: Client, idp: FakeOIDCProvider, **data: str):
    """Press "Sign in with Microsoft", sign in at the provider, come back with the code."""
    login_url = reverse("openid_connect_login", kwargs={"provider_id": "entra"})
    to_provider = client.post(login_url, data)
    assert to_provider.status_code == 302
    authorize = urlsplit(to_provider["Location"])
    assert f"{authorize.scheme}://{authorize.netloc}{authorize.path}" == f"{idp.issuer}/authorize"
    query = parse_qs(authorize.query)
    assert query["code_challenge_method"] == ["S256"]  # PKCE
    assert query["redirect_uri"] == ["http://testserver/accounts/oidc/entra/login/callback/"]
    # The browser at Microsoft: the provider redirects back to the service.
    at_provider = requests.get(to_provider["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    assert back.netloc == "testserver"
    return client.get(f"{back.path}?{back.query}")


def _linked_user(idp: FakeOIDCProvider, subject: str = SUBJECT, **kwargs: object):
    user = UserFactory(oidc_issuer=idp.issuer, oidc_subject=subject, **kwargs)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user


def test_a_staff_account_with_the_same_issuer_and_subject_is_signed_in(idp):
    user = _linked_user(idp)
    PersonFactory(user=user)
    idp.identity = EntraUser(subject=SUBJECT)
    client = Client()
    response = _sign_in_with_microsoft(client, idp)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == user
    # allauth exchanged the code at the token endpoint with the secret and the PKCE verifier.
    (token_request,) = idp.token_requests
    assert token_request["client_secret"] == idp.client_secret
    assert token_request["code_verifier"]


def test_the_second_sign_in_uses_the_same_link(idp):
    user = _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    for _ in range(2):
        client = Client()
        assert _sign_in_with_microsoft(client, idp)["Location"] == reverse("home")
        assert client.get(reverse("home")).wsgi_request.user == user
    assert SocialAccount.objects.get().user == user


def test_sign_in_returns_to_the_page_asked_for(idp):
    _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    wanted = reverse("cases:case_list")
    response = _sign_in_with_microsoft(Client(), idp, next=wanted)
    assert response["Location"] == wanted


def test_a_matching_email_with_another_subject_is_refused(idp):
    user = _linked_user(idp, email="sam.taylor@northmoor.gov.uk")
    idp.identity = EntraUser(subject="someone-else-entirely", email="sam.taylor@northmoor.gov.uk")
    client = Client()
    response = _sign_in_with_microsoft(client, idp)
    assert response.status_code == 403
    html = assert_service_page(response)
    assert "Your account is not set up" in html
    # What the person passes to their QA manager to be linked.
    assert idp.issuer in html and "someone-else-entirely" in html
    assert client.get(reverse("home")).status_code == 302
    assert not SocialAccount.objects.exists()
    user.refresh_from_db()
    assert user.oidc_subject == SUBJECT


def test_an_account_with_no_link_is_refused_even_with_the_same_email(idp):
    UserFactory(email="sam.taylor@northmoor.gov.uk")
    idp.identity = EntraUser(subject=SUBJECT, email="sam.taylor@northmoor.gov.uk")
    client = Client()
    assert _sign_in_with_microsoft(client, idp).status_code == 403
    assert client.get(reverse("home")).status_code == 302


def test_the_same_subject_from_another_issuer_is_refused(idp):
    UserFactory(oidc_issuer="https://login.microsoftonline.com/other-tenant/v2.0",
                oidc_subject=SUBJECT)
    idp.identity = EntraUser(subject=SUBJECT)
    assert _sign_in_with_microsoft(Client(), idp).status_code == 403


def test_unlinking_the_staff_account_stops_the_next_sign_in(idp):
    user = _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    assert _sign_in_with_microsoft(Client(), idp).status_code == 302
    user.oidc_subject = ""
    user.save(update_fields=["oidc_subject"])
    client = Client()
    assert _sign_in_with_microsoft(client, idp).status_code == 403
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_staff_account_is_refused(idp):
    _linked_user(idp, is_active=False)
    idp.identity = EntraUser(subject=SUBJECT)
    assert _sign_in_with_microsoft(Client(), idp).status_code == 403


def test_an_id_token_with_a_bad_signature_is_refused(idp):
    _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    idp.tamper = "bad_signature"
    client = Client()
    response = _sign_in_with_microsoft(client, idp)
    assert response.status_code == 401
    assert "Signing in with Microsoft did not work" in assert_service_page(response)
    assert client.get(reverse("home")).status_code == 302
    assert not SocialAccount.objects.exists()


def test_an_id_token_for_another_application_is_refused(idp):
    _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    idp.tamper = "wrong_audience"
    client = Client()
    response = _sign_in_with_microsoft(client, idp)
    assert response.status_code == 401
    assert client.get(reverse("home")).status_code == 302


def test_userinfo_about_someone_else_is_refused(idp):
    _linked_user(idp)
    _linked_user(idp, subject="the-other-person")
    idp.identity = EntraUser(subject=SUBJECT)
    idp.userinfo_subject = "the-other-person"
    client = Client()
    assert _sign_in_with_microsoft(client, idp).status_code == 403
    assert client.get(reverse("home")).status_code == 302


def test_cancelling_at_microsoft_says_so(idp):
    idp.identity = None  # the person closes Microsoft's page with "Cancel"
    client = Client()
    response = _sign_in_with_microsoft(client, idp)
    assert response["Location"] == reverse("socialaccount_login_cancelled")
    assert "You did not sign in" in assert_service_page(client.get(response["Location"]))


@override_settings(MFA_REQUIRED=True)
def test_entra_sign_ins_do_not_need_the_services_own_two_factor(idp):
    # Entra ID applies the council's own multi-factor policy.
    _linked_user(idp)
    idp.identity = EntraUser(subject=SUBJECT)
    client = Client()
    _sign_in_with_microsoft(client, idp)
    assert client.get(reverse("home")).status_code == 200


def test_the_sign_in_page_offers_microsoft_when_entra_is_set_up(idp):
    html = assert_service_page(Client().get(reverse("account_login"), {"next": "/cases/"}))
    login_url = reverse("openid_connect_login", kwargs={"provider_id": "entra"})
    assert f'<form method="post" action="{login_url}">' in html
    assert "Sign in with Microsoft" in html
    form = html[html.index(f'action="{login_url}"'):]
    assert 'name="next" value="/cases/"' in form[: form.index("</form>")]


def test_opening_the_microsoft_link_directly_asks_before_leaving(idp):
    # allauth never starts a sign-in from a GET (SOCIALACCOUNT_LOGIN_ON_GET is off).
    page = Client().get(reverse("openid_connect_login", kwargs={"provider_id": "entra"}))
    assert page.status_code == 200
    assert "Sign in with Microsoft" in assert_service_page(page)


def test_an_operator_links_an_account_with_the_details_from_the_not_set_up_page(idp):
    user = UserFactory()
    idp.identity = EntraUser(subject=SUBJECT)
    assert _sign_in_with_microsoft(Client(), idp).status_code == 403
    out = StringIO()
    call_command("link_entra", user.username, SUBJECT, issuer=idp.issuer, stdout=out)
    assert f"Linked {user.username} to subject {SUBJECT}" in out.getvalue()
    client = Client()
    assert _sign_in_with_microsoft(client, idp).status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == user

    call_command("link_entra", user.username, unlink=True, stdout=StringIO())
    assert _sign_in_with_microsoft(Client(), idp).status_code == 403


def test_one_microsoft_identity_cannot_be_linked_to_two_accounts(idp):
    _linked_user(idp)
    other = UserFactory()
    with pytest.raises(CommandError, match="Unlink it first"):
        call_command("link_entra", other.username, SUBJECT, issuer=idp.issuer)
