"""The least number of cases for each auditor or pair (cases_per_unit_min; 001: "allocated
with two cases", 003: 1 to 2 cases each): an allocation that gives someone fewer is shown
with a warning on the allocation page."""

import pytest
from django.urls import reverse

from auditloop.people.roles import Role
from auditloop.programme import selectors, services
from tests.programme.conftest import set_framework
from tests.programme.test_allocation import confirmed_cycle

pytestmark = pytest.mark.django_db


def test_someone_given_fewer_cases_than_the_least_is_named(framework, council, auditors,
                                                           fake_solver, role_client):
    set_framework(allocation_unit="singles")
    (only,) = auditors(1)
    cycle = confirmed_cycle(council["cases"][:1])
    run = services.allocation_propose(cycle=cycle, actor=None)
    lines = selectors.allocation_lines(run)
    set_framework(cases_per_unit_min=2)
    assert selectors.short_of_minimum(lines) == [
        f"{only.full_name} has 1 case: the framework asks for at least 2 each."]
    client, _ = role_client(Role.QA_MANAGER)
    page = client.get(reverse("programme:allocation", args=[cycle.pk])).content.decode()
    assert 'id="short-of-minimum"' in page
    set_framework(cases_per_unit_min=1)
    assert selectors.short_of_minimum(lines) == []
    set_framework(cases_per_unit_min=None)
    assert selectors.short_of_minimum(lines) == []
    page = client.get(reverse("programme:allocation", args=[cycle.pk])).content.decode()
    assert 'id="short-of-minimum"' not in page
