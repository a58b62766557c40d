"""`/healthz` (the process is up) and `/readyz` (the database answers, migrations are applied
and the background worker keeps up): open to anyone, and they say nothing more than that."""

import datetime as dt
import json

import pytest
from django.db import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from auditloop.common import views

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_migration_check(monkeypatch):
    monkeypatch.setattr(views, "_migrations_applied", False)


def _queue(*, enqueued_at: dt.datetime, run_after: dt.datetime | None = None,
           status: str = "READY") -> DBTaskResult:
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="auditloop.notifications.tasks.send_notification_email",
        backend_name="default",
        run_after=run_after or get_date_max(),
        status=status,
    )
    DBTaskResult.objects.filter(pk=task.pk).update(enqueued_at=enqueued_at)
    return task


def test_the_old_address_is_gone():
    assert Client().get("/health").status_code in (302, 404)


def test_healthz_says_ok_to_anyone_without_touching_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_ready_with_a_database_migrations_and_an_empty_queue():
    response = Client().get(reverse("readyz"))
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_readyz_is_not_ready_when_the_database_does_not_answer(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise DatabaseError("could not connect to server: secret-host.internal")

    monkeypatch.setattr(views.connection, "cursor", broken)
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "not ready"}
    assert b"secret-host" not in response.content  # no error text
    assert "the database did not answer" in caplog.text


def test_readyz_is_not_ready_while_a_migration_is_unapplied(monkeypatch):
    monkeypatch.setattr(
        views.MigrationExecutor, "migration_plan",
        lambda self, targets: [("a migration", False)])
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "not ready"}


def test_once_migrations_are_seen_applied_they_are_not_checked_again(
        django_assert_num_queries):
    assert Client().get(reverse("readyz")).status_code == 200
    assert views._migrations_applied
    with django_assert_num_queries(2):  # SELECT 1 and the queue
        assert Client().get(reverse("readyz")).status_code == 200


def test_readyz_is_not_ready_when_queued_work_has_waited_too_long_for_the_worker():
    now = timezone.now()
    _queue(enqueued_at=now - views.WORKER_LAG - dt.timedelta(minutes=1))
    response = Client().get(reverse("readyz"))
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "not ready"}


def test_a_delayed_task_counts_from_its_run_after_time():
    now = timezone.now()
    # Queued long ago but not due until a minute ago: the worker has had a minute.
    _queue(enqueued_at=now - dt.timedelta(days=1), run_after=now - dt.timedelta(minutes=1))
    # Due next week: nobody is waiting for it.
    _queue(enqueued_at=now - dt.timedelta(days=1), run_after=now + dt.timedelta(days=7))
    assert Client().get(reverse("readyz")).status_code == 200
    _queue(enqueued_at=now - dt.timedelta(days=1),
           run_after=now - views.WORKER_LAG - dt.timedelta(seconds=1))
    assert Client().get(reverse("readyz")).status_code == 503


def test_fresh_queued_work_and_old_finished_or_running_work_leave_it_ready():
    now = timezone.now()
    _queue(enqueued_at=now - dt.timedelta(seconds=30))
    long_ago = now - dt.timedelta(days=3)
    for status in ("SUCCESSFUL", "FAILED", "RUNNING"):
        _queue(enqueued_at=long_ago, status=status)
    assert Client().get(reverse("readyz")).status_code == 200


def test_neither_check_needs_sign_in_or_reveals_the_version():
    for name in ("healthz", "readyz"):
        response = Client().get(reverse(name))
        assert response.status_code == 200, name
        body = response.content.decode().lower()
        assert "django" not in body and "version" not in body and "auditloop" not in body
        assert "Server" not in response.headers or "django" not in response["Server"].lower()
