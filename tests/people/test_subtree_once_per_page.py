"""A manager's home page reads the line-management tree once for all its panels
(common.per_page), and nowhere else is the tree kept: a change to it is seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from auditloop.common import per_page
from auditloop.people.models import Person
from auditloop.people.roles import Role
from auditloop.people.selectors import management_subtree_ids
from tests.factories import CaseFactory, PersonFactory

pytestmark = pytest.mark.django_db


def tree_reads(queries: CaptureQueriesContext) -> int:
    return sum(1 for q in queries if 'FROM "people_person"' in q["sql"]
               and '"line_manager_id" IS NOT NULL' in q["sql"])


@pytest.mark.parametrize("role", [Role.TEAM_MANAGER, Role.SERVICE_MANAGER,
                                  Role.SENIOR_MANAGER])
def test_a_managers_home_page_reads_the_tree_once(role, role_client):  # type: ignore[no-untyped-def]
    client, manager = role_client(role)
    below = PersonFactory(line_manager=manager)
    further = PersonFactory(line_manager=below)
    CaseFactory(key_worker=further, team_manager=below)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert tree_reads(queries) == 1


def test_the_subtree_is_read_afresh_outside_a_page(person_with_role):  # type: ignore[no-untyped-def]
    manager = person_with_role(Role.TEAM_MANAGER)
    below = PersonFactory(line_manager=manager)
    assert management_subtree_ids(manager) == {below.pk}
    further = PersonFactory(line_manager=below)
    assert management_subtree_ids(manager) == {below.pk, further.pk}
    Person.objects.filter(pk=further.pk).update(line_manager=None)
    assert management_subtree_ids(manager) == {below.pk}


def test_within_a_page_the_tree_is_read_once_for_every_manager(person_with_role):  # type: ignore[no-untyped-def]
    manager = person_with_role(Role.SERVICE_MANAGER)
    below = PersonFactory(line_manager=manager)
    further = PersonFactory(line_manager=below)
    with CaptureQueriesContext(connection) as queries, per_page.one_page():
        assert management_subtree_ids(manager) == {below.pk, further.pk}
        assert management_subtree_ids(below) == {further.pk}
        assert management_subtree_ids(manager, max_depth=1) == {below.pk}
        # each answer is the caller's own to change
        management_subtree_ids(manager).add(-1)
        assert management_subtree_ids(manager) == {below.pk, further.pk}
    assert tree_reads(queries) == 1
    with CaptureQueriesContext(connection) as queries:
        management_subtree_ids(manager)
        management_subtree_ids(manager)
    assert tree_reads(queries) == 2


def test_once_reads_once_per_page_and_pages_do_not_share():
    reads: list[int] = []

    def read() -> int:
        reads.append(1)
        return len(reads)

    assert per_page.once("k", read) == 1 and per_page.once("k", read) == 2  # no page
    with per_page.one_page():
        assert per_page.once("k", read) == 3
        with per_page.one_page():  # nested: the same page
            assert per_page.once("k", read) == 3
        assert per_page.once("k", read) == 3
    with per_page.one_page():
        assert per_page.once("k", read) == 4
