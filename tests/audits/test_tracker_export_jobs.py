"""Large tracker exports are made by the background worker: the request records what was
asked and queues a task with the export's id only, the page says the export is being
prepared and then offers the file, only the person who asked sees it, the download is
logged, a failure can be tried again, and the file goes after its retention."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from auditloop.audits import tracker_exports
from auditloop.audits.tasks import make_tracker_export
from auditloop.audits.tracker_export_models import TrackerExport
from auditloop.common.models import AccessLog
from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import retention_apply
from auditloop.people.roles import Role
from tests.audits.test_tracker import (  # noqa: F401
    CSV,
    NOW,
    REASON,
    TODAY,
    XLSX,
    frozen,
    two_teams,
)
from tests.audits.tracker_factories import quick_action
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_limit(settings):  # type: ignore[no-untyped-def]
    """Any export of more than one row goes to the background worker."""
    settings.TRACKER_EXPORT_INLINE_ROWS = 1


def page(job: TrackerExport) -> str:
    return reverse("audits:tracker_export", args=[job.pk])


def download(job: TrackerExport) -> str:
    return reverse("audits:tracker_export_download", args=[job.pk])


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def queued(client, url, capture):  # type: ignore[no-untyped-def]
    """Ask for the export; the task is queued on commit, and not run yet."""
    with capture() as callbacks:
        response = client.post(url, REASON)
    job = TrackerExport.objects.get()
    assert response.status_code == 302 and response["Location"] == page(job)
    return job, callbacks


def sheet_values(data: bytes) -> list[list[object]]:
    return [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]


def test_a_large_export_is_queued_and_not_made_in_the_request(
        two_teams, small_limit, client_for, monkeypatch,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams

    def not_here(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("the workbook was made in the request")

    monkeypatch.setattr(tracker_exports, "tracker_xlsx", not_here)
    job, callbacks = queued(client_for(north.qa), f"{XLSX}?view=cases&team={north.team.pk}",
                            django_capture_on_commit_callbacks)
    assert job.state == TrackerExport.State.QUEUED and job.data is None
    assert (job.requested_by, job.view, job.format, job.rows_total) == (
        north.qa.user, "cases", "xlsx", 2)
    # Ids and keys only: the filters as the query string has them, and one task to run.
    assert job.filters == {"team": str(north.team.pk)}
    assert len(callbacks) == 1
    # Logged as an inline export is: who, why, which view and filters.
    log = AccessLog.objects.get()
    assert (log.user, log.action, log.object_type, log.object_id, log.reason) == (
        north.qa.user, AccessLog.Action.EXPORT, "audit_tracker_cases",
        f"team={north.team.pk}", "The performance meeting")


def test_a_small_export_is_still_made_in_the_request(two_teams, client_for, settings):  # noqa: F811
    north, _ = two_teams
    settings.TRACKER_EXPORT_INLINE_ROWS = 3  # the three rows of the audited cases
    response = client_for(north.qa).post(f"{XLSX}?view=cases", REASON)
    assert response.status_code == 200 and not TrackerExport.objects.exists()


@pytest.mark.parametrize("url", [XLSX, CSV])
def test_the_worker_makes_the_same_file_as_the_request(
        url, two_teams, client_for, settings,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    inline = client.post(f"{url}?view=cases", REASON)
    assert inline.status_code == 200
    settings.TRACKER_EXPORT_INLINE_ROWS = 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{url}?view=cases", REASON)
    job = TrackerExport.objects.get()
    assert job.state == TrackerExport.State.READY and job.rows_total == job.rows_done == 3
    made = client.get(download(job))
    assert made.status_code == 200
    assert made["Content-Disposition"] == inline["Content-Disposition"]
    assert made["Content-Type"] == inline["Content-Type"]
    if url == CSV:
        # The same rows, and the same stamp: who asked, and when.
        assert made.content == inline.content
        rows = list(csv.reader(io.StringIO(made.content.decode("utf-8-sig"))))
        assert len(rows) == 1 + 3 + 2
    else:
        assert sheet_values(made.content) == sheet_values(inline.content)


def test_the_page_says_the_export_is_being_prepared_then_offers_the_file(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    job, callbacks = queued(client, f"{XLSX}?view=actions", django_capture_on_commit_callbacks)
    waiting = text(client.get(page(job)))
    assert "Your export is being prepared" in waiting
    # Announced (role="status"), asks for itself again, and refreshes without JavaScript.
    assert '<div role="status">' in waiting
    status_url = reverse("audits:tracker_export_status", args=[job.pk])
    assert f'hx-get="{status_url}"' in waiting
    assert '<meta http-equiv="refresh" content="5">' in waiting
    assert download(job) not in waiting
    # The worker runs the task (the captured on-commit callback queues it; tests run tasks
    # at once).
    for callback in callbacks:
        callback()
    partial = text(client.get(status_url))
    assert "Your export is ready" in partial and "hx-get" not in partial
    ready = text(client.get(page(job)))
    assert f'href="{download(job)}"' in ready and "http-equiv" not in ready
    assert "Download outstanding actions (Excel workbook (XLSX), 2 rows)" in ready


def test_only_the_person_who_asked_sees_the_export(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    with django_capture_on_commit_callbacks(execute=True):
        client_for(north.qa).post(f"{CSV}?view=cases", REASON)
    job = TrackerExport.objects.get()
    urls = [page(job), download(job),
            reverse("audits:tracker_export_status", args=[job.pk])]
    other_qa = client_for(PersonFactory(roles=[Role.HEAD_OF_QA]))
    for url in urls:
        assert other_qa.get(url).status_code == 404, url
    assert other_qa.post(reverse("audits:tracker_export_again", args=[job.pk])
                         ).status_code == 404
    # Those who may not export the tracker at all are refused before that.
    assert client_for(north.tm).get(page(job)).status_code == 403
    assert not AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD).exists()


def test_the_download_is_logged_each_time(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{XLSX}?view=cases&team={north.team.pk}", REASON)
    job = TrackerExport.objects.get()
    for _ in range(2):
        response = client.get(download(job))
        assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    logs = AccessLog.objects.filter(action=AccessLog.Action.DOWNLOAD)
    assert logs.count() == 2
    log = logs.first()
    assert log is not None
    assert (log.user, log.object_type, log.object_id, log.reason) == (
        north.qa.user, "audit_tracker_cases", f"export={job.pk}", "The performance meeting")
    job.refresh_from_db()
    assert job.downloads == 2


def test_the_task_carries_the_exports_id_only(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job, callbacks = queued(client_for(north.qa), f"{CSV}?view=cases",
                            django_capture_on_commit_callbacks)
    (callback,) = callbacks
    assert callback.func == make_tracker_export.enqueue
    assert (callback.args, callback.keywords) == ((job.pk,), {})


def test_the_worker_checks_again_that_the_person_may_export(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    job, callbacks = queued(client, f"{CSV}?view=cases", django_capture_on_commit_callbacks)
    north.qa.user.is_active = False  # left the council before the worker got to it
    north.qa.user.save(update_fields=["is_active"])
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    assert job.state == TrackerExport.State.FAILED and job.data is None
    assert job.error == tracker_exports.NOT_ALLOWED


def test_the_worker_reads_the_tracker_as_it_is_when_it_runs(
        two_teams, client_for, settings,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """The page's own selectors and filters, read when the worker runs: an action added to
    South's case after the export was asked for is in the file; North's are not."""
    north, south = two_teams
    settings.TRACKER_EXPORT_INLINE_ROWS = 0
    job, callbacks = queued(client_for(north.qa), f"{CSV}?view=actions&team={south.team.pk}",
                            django_capture_on_commit_callbacks)
    later = quick_action(south.audit, owner=south.kw, due_on=TODAY + dt.timedelta(days=3))
    for callback in callbacks:
        callback()
    job.refresh_from_db()
    rows = list(csv.reader(io.StringIO(bytes(job.data).decode("utf-8-sig"))))
    found = [dict(zip(rows[0], row, strict=True)) for row in rows[1:-2]]
    assert {row["Case reference"] for row in found} == {"C-SOUTH-1"}
    assert {row["Action"] for row in found} == {str(south.open.pk), str(later.pk)}
    assert job.rows_total == 2


def test_a_failure_says_what_to_do_and_trying_again_loses_nothing(
        two_teams, small_limit, client_for, monkeypatch,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(tracker_exports, "tracker_xlsx", broken)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(f"{XLSX}?view=cases&team={north.team.pk}", REASON)
    job = TrackerExport.objects.get()
    assert job.state == TrackerExport.State.FAILED
    failed = text(client.get(page(job)))
    assert "Your export could not be made" in failed and "try again" in failed
    assert "Try again</button>" in failed
    # The download waits on the page, which says why.
    assert client.get(download(job))["Location"] == page(job)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("audits:tracker_export_again", args=[job.pk]))
    assert response["Location"] == page(job)
    job.refresh_from_db()
    assert job.state == TrackerExport.State.READY and job.filters == {
        "team": str(north.team.pk)}
    assert job.reason == "The performance meeting"
    assert len(sheet_values(bytes(job.data))) == 1 + 2 + 2


def test_files_go_after_their_retention_downloaded_or_not(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{CSV}?view=cases", REASON)
        client.post(f"{XLSX}?view=cases", REASON)
    downloaded, kept = TrackerExport.objects.order_by("pk")
    assert client.get(download(downloaded)).status_code == 200
    assert kept.expires_at == NOW + dt.timedelta(hours=24)
    # A day later, to the minute: still there.
    with time_machine.travel(NOW + dt.timedelta(hours=23, minutes=59), tick=False):
        retention_apply(source=RetentionRun.Source.COMMAND)
    assert TrackerExport.objects.filter(data__isnull=False).count() == 2
    # Past it: the daily retention run removes both files; the rows stay, with no file.
    with time_machine.travel(NOW + dt.timedelta(hours=25), tick=False):
        retention_apply(source=RetentionRun.Source.COMMAND)
        client = client_for(north.qa)  # signed in again: a day's idle ends a session
        for job in (downloaded, kept):
            job.refresh_from_db()
            assert job.state == TrackerExport.State.EXPIRED and job.data is None
            assert "has been removed" in text(client.get(page(job)))
            assert client.get(download(job))["Location"] == page(job)


def test_each_background_export_removes_the_expired_files_first(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    client = client_for(north.qa)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{CSV}?view=cases", REASON)
    with (time_machine.travel(NOW + dt.timedelta(days=2), tick=False),
          django_capture_on_commit_callbacks(execute=True)):
        client_for(north.qa).post(f"{CSV}?view=cases", REASON)
    old, new = TrackerExport.objects.order_by("pk")
    assert old.state == TrackerExport.State.EXPIRED and old.data is None
    assert new.state == TrackerExport.State.READY and new.data
