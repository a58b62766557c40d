"""The action plan pages walked as every role, on a plan the visitor has nothing to do with
(the same check tests/common/test_role_matrix.py makes for the whole service)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from auditloop.people.roles import Role
from tests.actions.factories import add_plan_action, make_plan
from tests.actions.world import ACTION_PLANS_EXPECTED, action_plans_world
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_each_role_opens_exactly_the_plan_pages_it_should(role, client_for):  # type: ignore[no-untyped-def]
    world = action_plans_world()
    client: Client = client_for(PersonFactory(roles=[role]))
    wrong = []
    for name, (method, allowed) in sorted(ACTION_PLANS_EXPECTED.items()):
        response = getattr(client, method)(reverse(name, kwargs=world[name]))
        ok = response.status_code not in (403, 404, 405)
        if ok != (role in allowed):
            wrong.append(f"{name}: {response.status_code}")
        if role not in allowed:
            assert response.status_code in (403, 404), name
    assert not wrong, f"{role.label}: {wrong}"


def test_signed_out_visitors_are_sent_to_sign_in():
    world = action_plans_world()
    for name, (method, _) in ACTION_PLANS_EXPECTED.items():
        response = getattr(Client(), method)(reverse(name, kwargs=world[name]))
        assert response.status_code == 302 and "/accounts/login" in response["Location"], name


def test_the_plan_page_query_count_does_not_grow_with_actions(
        client_for, django_assert_max_num_queries):
    plan = make_plan()
    client = client_for(PersonFactory(roles=[Role.SENIOR_LEADER]))
    url = reverse("actions:plan_detail", args=[plan.pk])
    add_plan_action(plan, owner=PersonFactory(), due_on=dt.date(2099, 1, 1))
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for i in range(10):
        add_plan_action(plan, action=f"Action {i}", owner=PersonFactory(),
                        due_on=dt.date(2099, 1, 1))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count("/actions/") >= 11
