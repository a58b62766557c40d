"""Shared fixtures: a signed-in client per role."""

from collections.abc import Callable, Iterator

import pytest
from django.core.cache import cache
from django.test import Client

from auditloop.people.models import Person
from auditloop.people.roles import Role
from tests.factories import PersonFactory


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Each test starts and ends with Django's cache empty: sign-in tests share it with
    allauth's rate limits and used TOTP codes (one test's failed sign-ins must not lock out
    the next), and moderation's agreement figures are cached under a version that a rolled
    back test database can give again."""
    cache.clear()
    yield
    cache.clear()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgres_only (roles, pg_dump) are about PostgreSQL itself: on SQLite they
    are deselected, not skipped, and `.ci/run` runs the suite on both databases."""
    from django.conf import settings

    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    postgres = [item for item in items if item.get_closest_marker("postgres_only")]
    if postgres:
        config.hook.pytest_deselected(items=postgres)
        items[:] = [item for item in items if not item.get_closest_marker("postgres_only")]


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
