"""Running calls at the same moment: in two threads with their own connections on
PostgreSQL; one after the other on SQLite, which ignores row locks and must give the same
outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connections

from auditloop.common.errors import DomainError

ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call's result, or the domain error it raised."""
    results: list[Any] = [None] * len(calls)

    def attempt(i: int, call: Callable[[], Any]) -> None:
        try:
            results[i] = call()
        except DomainError as exc:
            results[i] = exc

    if not ON_POSTGRES:
        for i, call in enumerate(calls):
            attempt(i, call)
        return results
    barrier = threading.Barrier(len(calls))
    errors: list[BaseException] = []

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            attempt(i, call)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    return results
