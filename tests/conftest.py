"""Shared fixtures: a signed-in client per role."""

from collections.abc import Callable

import pytest
from django.test import Client

from auditloop.people.models import Person
from auditloop.people.roles import Role
from tests.factories import PersonFactory


@pytest.fixture
def person_with_role(db: None) -> Callable[..., Person]:
    def make(*roles: str, **kwargs: object) -> Person:
        return PersonFactory(roles=list(roles), **kwargs)

    return make


@pytest.fixture
def client_for(db: None) -> Callable[[Person], Client]:
    def make(person: Person) -> Client:
        c = Client()
        c.force_login(person.user)
        return c

    return make


@pytest.fixture
def role_client(person_with_role, client_for) -> Callable[..., tuple[Client, Person]]:  # type: ignore[no-untyped-def]
    def make(role: str, **kwargs: object) -> tuple[Client, Person]:
        person = person_with_role(role, **kwargs)
        return client_for(person), person

    return make


@pytest.fixture
def qa_manager_client(role_client) -> Client:  # type: ignore[no-untyped-def]
    return role_client(Role.QA_MANAGER)[0]
