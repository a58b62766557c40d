"""Demo mode: one click signs in as the demo user of a role. Every page says it is a demo,
and outside demo mode none of it exists."""

from collections.abc import Iterator

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from auditloop.people.models import User
from auditloop.people.roles import Role
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

BANNER = "Demo service: every person and case here is made up."
DEMO_URLS = "tests.people.urls_demo"


def _demo_user(role: Role) -> User:
    # What the demo data generator makes: demo-<role>, flagged is_demo.
    user = UserFactory(username=f"demo-{role.value}", is_demo=True)
    PersonFactory(user=user, roles=[role])
    return user


@pytest.fixture
def demo_mode() -> Iterator[None]:
    # The Jinja2 environment reads DEMO_MODE when it is built: passing TEMPLATES rebuilds it.
    with override_settings(DEMO_MODE=True, MFA_REQUIRED=False, ROOT_URLCONF=DEMO_URLS,
                           TEMPLATES=settings.TEMPLATES):
        yield


def test_demo_page_offers_a_one_click_sign_in_per_role(demo_mode):
    _demo_user(Role.QA_MANAGER)
    _demo_user(Role.AUDITOR)
    response = Client().get("/demo/")
    html = response.content.decode()
    assert response.status_code == 200
    assert BANNER in html
    assert "Sign in as QA manager" in html
    assert "Sign in as Auditor" in html
    assert f'action="{reverse("demo:sign_in", args=["demo-auditor"])}"' in html


def test_one_click_signs_in_as_that_demo_user(demo_mode):
    auditor = _demo_user(Role.AUDITOR)
    client = Client()
    response = client.post(reverse("demo:sign_in", args=["demo-auditor"]))
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert home.wsgi_request.user == auditor
    assert BANNER in home.content.decode()


def test_demo_sign_in_needs_a_post(demo_mode):
    _demo_user(Role.AUDITOR)
    client = Client()
    assert client.get(reverse("demo:sign_in", args=["demo-auditor"])).status_code == 405
    assert client.get(reverse("home")).status_code == 302


def test_demo_sign_in_cannot_reach_a_real_account(demo_mode):
    UserFactory(username="demo-qa_manager", is_demo=False)
    client = Client()
    assert client.post(reverse("demo:sign_in", args=["demo-qa_manager"])).status_code == 404
    assert client.get(reverse("home")).status_code == 302


def test_sign_in_page_points_to_the_demo_users_in_demo_mode(demo_mode):
    html = Client().get(reverse("account_login")).content.decode()
    assert BANNER in html
    assert f'href="{reverse("demo:choose")}"' in html


def test_outside_demo_mode_there_is_no_demo_page():
    _demo_user(Role.QA_MANAGER)
    client = Client()
    assert client.get("/demo/").status_code == 404
    assert client.post("/demo/sign-in/demo-qa_manager").status_code == 404
    assert client.get(reverse("home")).status_code == 302
    assert BANNER not in client.get(reverse("account_login")).content.decode()


@override_settings(ROOT_URLCONF=DEMO_URLS)
def test_outside_demo_mode_the_demo_views_refuse_even_if_routed():
    _demo_user(Role.QA_MANAGER)
    client = Client()
    assert client.get("/demo/").status_code == 404
    assert client.post("/demo/sign-in/demo-qa_manager").status_code == 404
    assert client.get(reverse("home")).status_code == 302
