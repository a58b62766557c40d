"""Sign-in tests share Django's cache with allauth's rate limits and used TOTP codes: each
test starts with it empty, so one test's failed sign-ins cannot lock out the next."""

from collections.abc import Iterator

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()
