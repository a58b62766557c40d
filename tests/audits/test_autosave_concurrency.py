"""Both auditors of a pair saving one audit at the same moment: nothing is lost, and a clash
on one field comes back as a conflict for the auditor to settle, never as an overwrite.

On PostgreSQL the saves run in two threads with their own connections, through the audit
page's autosave; each save holds the audit's row lock a little longer than usual, so the
second really waits for the first. SQLite ignores row locks: there the same saves run one
after the other.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from django.urls import reverse

from auditloop.audits import services
from auditloop.audits.models import Answer, Audit
from tests.factories import PersonFactory, make_audit

# Two threads need committed rows (a transactional test) on PostgreSQL. SQLite runs the saves
# one after the other inside the test's transaction (its append-only triggers would refuse
# the flush a transactional test ends with).
ON_POSTGRES = "postgresql" in settings.DATABASES["default"]["ENGINE"]
pytestmark = pytest.mark.django_db(transaction=ON_POSTGRES)


def run_together(calls: list[Callable[[], Any]]) -> list[Any]:
    if not ON_POSTGRES:
        return [call() for call in calls]
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def worker(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = call()
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


@pytest.fixture
def slow_lock():  # type: ignore[no-untyped-def]
    """Hold the audit's lock a little while inside each save, so two saves overlap."""
    real = services.is_current_auditor

    def slow(audit: Audit, person: Any) -> bool:
        time.sleep(0.15)
        return real(audit, person)

    with mock.patch.object(services, "is_current_auditor", slow):
        yield


@pytest.fixture
def pair() -> tuple[Audit, Client, Client]:
    first, second = PersonFactory(), PersonFactory()
    audit = make_audit(auditors=[first, second])
    a, b = Client(), Client()
    a.force_login(first.user)
    b.force_login(second.user)
    return audit, a, b


def save(client: Client, audit: Audit, field: str, value: str,
         revision: str = "") -> Callable[[], Any]:
    url = reverse("audits:audit_autosave", args=[audit.pk])

    def call() -> Any:
        response = client.post(url, {"field": field, field: value,
                                     f"{field}-comment": f"Said {value}",
                                     f"{field}-revision": revision})
        return response.status_code, response.json()

    return call


def test_two_auditors_saving_different_answers_at_once_lose_nothing(pair, slow_lock):
    audit, a, b = pair
    mine = ["plan", "clear_actions", "contribution", "contingency"]
    theirs = ["present", "timescales", "updated", "involvement"]
    for q, r in zip(mine, theirs, strict=True):
        results = run_together([
            save(a, audit, f"help_protection_stability.0.{q}", "yes"),
            save(b, audit, f"assessment.0.{r}", "no"),
        ])
        assert [status for status, _ in results] == [200, 200]
    saved = {(x.section_key, x.question_key): (x.value, x.comment, x.revision)
             for x in Answer.objects.filter(audit=audit)}
    assert len(saved) == 8
    for q, r in zip(mine, theirs, strict=True):
        assert saved[("help_protection_stability", q)] == ("yes", "Said yes", 1)
        assert saved[("assessment", r)] == ("no", "Said no", 1)
    audit.refresh_from_db()
    assert audit.status == Audit.Status.IN_PROGRESS
    # Moved into progress once, by whichever save came first.
    assert audit.transitions.filter(to_status=Audit.Status.IN_PROGRESS).count() == 1


def test_two_auditors_saving_the_same_answer_at_once_get_a_conflict_not_an_overwrite(
        pair, slow_lock):
    audit, a, b = pair
    field = "assessment.0.present"
    results = run_together([save(a, audit, field, "yes"), save(b, audit, field, "no")])
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 409]
    (won_status, won), (lost_status, lost) = sorted(results, key=lambda r: r[0])
    assert won["status"] == "saved" and lost["status"] == "conflict"
    answer = Answer.objects.get(audit=audit, question_key="present")
    assert answer.revision == 1
    # The saved answer is the winner's, whole; the loser sees it as "theirs".
    assert lost["theirs"]["display"] == {"yes": "Yes", "no": "No"}[answer.value]
    assert answer.comment == f"Said {answer.value}"


def test_both_editing_a_saved_answer_at_once_keeps_one_and_shows_it_to_the_other(
        pair, slow_lock):
    audit, a, b = pair
    first = audit.assignments.order_by("id").first().person
    services.answer_save(audit=audit, actor=first, section_key="assessment",
                         question_key="timescales", value="partly", seen_revision=None)
    field = "assessment.0.timescales"
    results = run_together([save(a, audit, field, "yes", revision="1"),
                            save(b, audit, field, "no", revision="1")])
    assert sorted(status for status, _ in results) == [200, 409]
    answer = Answer.objects.get(audit=audit, question_key="timescales")
    assert answer.revision == 2 and answer.value in ("yes", "no")
    lost = next(body for status, body in results if status == 409)
    assert lost["revision"] == 2
