"""A file the background worker makes (a large tracker export, a report's version) never
stays "being made" for ever: when the worker stopped part way (killed, out of memory, a
restart) the job counts as stuck after a time without progress, or at once when the queue
says its task ended, and is shown as failed, saying what to do; the person can ask again,
and the daily retention run marks the ones nobody looks at."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from auditloop.audits.tracker_export_models import TrackerExport
from auditloop.common.worker_files import STUCK, fail_if_stuck, fail_stuck
from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import retention_apply
from auditloop.insight import services
from auditloop.insight.models import Report, ReportVersion
from auditloop.insight.tasks import make_version
from auditloop.people.roles import Role
from tests.audits.test_tracker import CSV, NOW, REASON, XLSX, frozen, two_teams  # noqa: F401
from tests.insight.test_report_lifecycle import MARCH, march  # noqa: F401

pytestmark = pytest.mark.django_db

LATER = dt.timedelta(minutes=31)  # past the 30 minutes a job may show no progress
SOON = dt.timedelta(minutes=29)


@pytest.fixture
def small_limit(settings):  # type: ignore[no-untyped-def]
    """Any export of more than one row goes to the background worker."""
    settings.TRACKER_EXPORT_INLINE_ROWS = 1


def running(job: TrackerExport | ReportVersion, at: dt.datetime) -> None:
    """The worker started the job at `at`, and was then killed (it said nothing more)."""
    type(job).objects.filter(pk=job.pk).update(state=job.State.RUNNING, updated_at=at)
    job.refresh_from_db()


def export_page(job: TrackerExport) -> str:
    return reverse("audits:tracker_export", args=[job.pk])


def export_status(job: TrackerExport) -> str:
    return reverse("audits:tracker_export_status", args=[job.pk])


def queued_export(client, capture) -> TrackerExport:  # type: ignore[no-untyped-def]
    """Asked for; the task is queued on commit, and never run."""
    with capture():
        client.post(f"{XLSX}?view=cases", REASON)
    return TrackerExport.objects.get()


def task_result(task_path: str, pk: int, status: str) -> DBTaskResult:
    """The queue's record of the job's task (django-tasks-db), as the worker leaves it."""
    now = timezone.now()
    return DBTaskResult.objects.create(
        status=status, args_kwargs={"args": [pk], "kwargs": {}}, task_path=task_path,
        backend_name="default", run_after=now, started_at=now,
        finished_at=now if status != TaskResultStatus.RUNNING else None,
        exception_class_path="", traceback="")


# --- A large tracker export ------------------------------------------------------------------

def test_an_export_the_worker_stopped_making_is_shown_failed_and_can_be_made_again(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    with time_machine.travel(NOW + LATER, tick=False):
        client = client_for(north.qa)  # signed in again: half an hour idle ends a session
        page = client.get(export_page(job)).content.decode()
        # Failed, saying what to do; the page no longer asks for itself again.
        assert "Your export could not be made" in page and STUCK in page
        assert "Your export is being prepared" not in page
        assert "hx-get" not in page and 'http-equiv="refresh"' not in page
        assert "Try again" in page
        polled = client.get(export_status(job)).content.decode()
        assert STUCK in polled and "hx-get" not in polled
        job.refresh_from_db()
        assert job.state == TrackerExport.State.FAILED and job.error == STUCK
        # Tried again: queued afresh and made.
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(reverse("audits:tracker_export_again", args=[job.pk]))
        assert again.status_code == 302 and again["Location"] == export_page(job)
        job.refresh_from_db()
        assert job.state == TrackerExport.State.READY and job.data and not job.error
        # And a new export of the same view is made without a word about the old one.
        with django_capture_on_commit_callbacks(execute=True):
            new = client.post(f"{CSV}?view=cases", REASON)
        made = TrackerExport.objects.exclude(pk=job.pk).get()
        assert new["Location"] == export_page(made) and made.is_ready


def test_an_export_within_the_limit_is_still_being_made(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    with time_machine.travel(NOW + SOON, tick=False):
        client = client_for(north.qa)
        page = client.get(export_page(job)).content.decode()
        assert "Your export is being prepared" in page and STUCK not in page
        assert f'hx-get="{export_status(job)}"' in page
        # Trying again is only for a failed export: this one is left to the worker.
        client.post(reverse("audits:tracker_export_again", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == TrackerExport.State.RUNNING and not job.error


def test_progress_keeps_an_export_alive(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks, monkeypatch):  # type: ignore[no-untyped-def]
    """The worker moves the time on as it writes rows, so a long export is not taken for
    a stuck one."""
    from auditloop.audits import tracker_exports

    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    monkeypatch.setattr(tracker_exports, "CHUNK", 1)  # progress saved at every row
    seen: list[dt.datetime] = []
    real_rows, real_file = tracker_exports.export_rows, tracker_exports.export_file
    start = NOW + dt.timedelta(hours=3)
    with time_machine.travel(start, tick=False) as clock:
        def slow_rows(**kwargs):  # type: ignore[no-untyped-def]
            for row in real_rows(**kwargs):
                clock.shift(dt.timedelta(minutes=20))  # each row takes 20 minutes
                yield row

        def file(*args, **kwargs):  # type: ignore[no-untyped-def]
            made = real_file(*args, **kwargs)
            seen.append(TrackerExport.objects.get(pk=job.pk).updated_at)
            return made

        monkeypatch.setattr(tracker_exports, "export_rows", slow_rows)
        monkeypatch.setattr(tracker_exports, "export_file", file)
        tracker_exports.export_make(job.pk)
    # Three rows, an hour: the last row's progress is when the export was last heard from.
    assert seen == [start + dt.timedelta(hours=1)]
    job.refresh_from_db()
    assert job.is_ready


def test_a_queued_export_no_worker_starts_is_stuck_after_two_hours(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    with time_machine.travel(NOW + dt.timedelta(minutes=119), tick=False):
        page = client_for(north.qa).get(export_page(job)).content.decode()
        assert "It is waiting to start" in page and STUCK not in page
    with time_machine.travel(NOW + dt.timedelta(minutes=121), tick=False):
        page = client_for(north.qa).get(export_page(job)).content.decode()
        assert STUCK in page and "hx-get" not in page


def test_the_limits_are_settings(
        two_teams, small_limit, client_for, settings,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    settings.WORKER_FILE_STALE_AFTER = 5
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        assert STUCK in client_for(north.qa).get(export_page(job)).content.decode()


def test_two_viewers_mark_a_stuck_export_once(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    first, second = TrackerExport.objects.get(pk=job.pk), TrackerExport.objects.get(pk=job.pk)
    with time_machine.travel(NOW + LATER, tick=False):
        assert fail_if_stuck(first) is True
        assert fail_if_stuck(second) is False
    # A worker that finished meanwhile is not overruled.
    TrackerExport.objects.filter(pk=job.pk).update(state=TrackerExport.State.READY, error="")
    with time_machine.travel(NOW + LATER, tick=False):
        assert fail_if_stuck(second) is False
    job.refresh_from_db()
    assert job.state == TrackerExport.State.READY


# --- The queue's own record (django-tasks-db) ---------------------------------------------------

def test_a_running_export_whose_task_failed_is_stuck_at_once(
        two_teams, small_limit, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    # An earlier try's task, finished, does not count: the latest one is still running.
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        task_result(TrackerExport.worker_task, job.pk, TaskResultStatus.FAILED)
    latest = task_result(TrackerExport.worker_task, job.pk, TaskResultStatus.RUNNING)
    client = client_for(north.qa)
    assert "Your export is being prepared" in client.get(export_page(job)).content.decode()
    # The worker's task failed outside the export's own care: the row still says running.
    DBTaskResult.objects.filter(pk=latest.pk).update(status=TaskResultStatus.FAILED)
    page = client.get(export_page(job)).content.decode()
    assert STUCK in page and "hx-get" not in page
    job.refresh_from_db()
    assert job.state == TrackerExport.State.FAILED


def test_a_running_export_with_no_task_in_the_database_queue_is_stuck(
        two_teams, small_limit, client_for, settings,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    job = queued_export(client_for(north.qa), django_capture_on_commit_callbacks)
    running(job, NOW)
    client = client_for(north.qa)
    # Tasks run in the request (as in tests): no record in the queue is expected.
    assert "Your export is being prepared" in client.get(export_page(job)).content.decode()
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Queued in the database, a running export's task is always there: its loss means the
    # worker's record went (and the worker with it).
    assert STUCK in client.get(export_page(job)).content.decode()


# --- A report's version ------------------------------------------------------------------------

def queued_report(qa) -> Report:  # type: ignore[no-untyped-def]
    """Opened; its draft's task is queued on commit, and never run."""
    report, _ = services.report_open(kind="monthly", period=MARCH, actor=qa)
    return report


def test_a_report_the_worker_stopped_making_is_shown_failed_and_can_be_made_again(
        march, person_with_role, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    qa = person_with_role(Role.QA_MANAGER)
    report = queued_report(qa)
    draft = report.versions.get(number=0)
    started = timezone.now()
    running(draft, started)
    url = reverse("insight:report", args=[report.pk])
    with time_machine.travel(started + LATER, tick=False):
        client = client_for(qa)
        polled = client.get(reverse("insight:report_status", args=[report.pk]),
                            headers={"HX-Request": "true"})
        # Failed: the poll stops, and the whole page loads again to say so.
        assert STUCK in polled.content.decode() and "hx-get" not in polled.content.decode()
        assert polled["HX-Refresh"] == "true"
        page = client.get(url).content.decode()
        assert "The report could not be made" in page and STUCK in page
        assert "every 2s" not in page and "Make it again" in page
        draft.refresh_from_db()
        assert draft.state == ReportVersion.State.FAILED and draft.error == STUCK
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(reverse("insight:report_again", args=[report.pk]),
                                {"version": "0"})
        assert again.status_code == 302 and again["Location"] == url
    draft.refresh_from_db()
    assert draft.is_ready and not draft.error and bytes(draft.pdf).startswith(b"%PDF")


def test_making_the_figures_again_is_not_refused_by_a_stuck_draft(
        march, person_with_role, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    qa = person_with_role(Role.QA_MANAGER)
    report = queued_report(qa)
    draft = report.versions.get(number=0)
    started = timezone.now()
    running(draft, started)
    with time_machine.travel(started + LATER, tick=False):
        # Nobody looked at the page: the button itself finds the draft stuck and makes it.
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(qa).post(reverse("insight:report_refresh", args=[report.pk]))
        assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_ready


def test_progress_keeps_a_report_alive(march, person_with_role, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The worker moves the time on at each step, so a long report is not taken for a
    stuck one."""
    from auditloop.insight import render

    report = queued_report(person_with_role(Role.QA_MANAGER))
    draft = report.versions.get(number=0)
    seen: list[dt.datetime] = []
    real_pdf, real_docx = render.pdf, render.docx
    start = timezone.now() + dt.timedelta(hours=3)
    with time_machine.travel(start, tick=False) as clock:
        def slow_pdf(doc):  # type: ignore[no-untyped-def]
            clock.shift(dt.timedelta(minutes=40))  # the PDF takes 40 minutes
            return real_pdf(doc)

        def docx(doc):  # type: ignore[no-untyped-def]
            seen.append(ReportVersion.objects.get(pk=draft.pk).updated_at)
            return real_docx(doc)

        monkeypatch.setattr(render, "pdf", slow_pdf)
        monkeypatch.setattr(render, "docx", docx)
        make_version(draft.pk)
    assert seen == [start + dt.timedelta(minutes=40)]


def test_a_report_within_the_limit_is_still_being_made(
        march, person_with_role, client_for) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    qa = person_with_role(Role.QA_MANAGER)
    report = queued_report(qa)
    draft = report.versions.get(number=0)
    started = timezone.now()
    running(draft, started)
    with time_machine.travel(started + SOON, tick=False):
        page = client_for(qa).get(reverse("insight:report", args=[report.pk])).content.decode()
        assert "every 2s" in page and STUCK not in page
    draft.refresh_from_db()
    assert draft.state == ReportVersion.State.RUNNING


def test_a_published_version_the_worker_stopped_making_can_be_made_again(
        march, person_with_role, client_for,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    qa = person_with_role(Role.QA_MANAGER)
    with django_capture_on_commit_callbacks(execute=True):
        report, _ = services.report_open(kind="monthly", period=MARCH, actor=qa)
    report.refresh_from_db()
    with django_capture_on_commit_callbacks():  # the published files are never made
        services.publish(report=report, actor=qa)
    version = report.versions.get(number=1)
    started = timezone.now()
    running(version, started)
    with time_machine.travel(started + LATER, tick=False):
        client = client_for(qa)
        page = client.get(reverse("insight:report", args=[report.pk])).content.decode()
        assert STUCK in page and "Make it again" in page
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("insight:report_again", args=[report.pk]), {"version": "1"})
    version.refresh_from_db()
    assert version.is_ready and bytes(version.pdf).startswith(b"%PDF")
    assert version.published_at is not None  # still the version that was published


def test_a_running_version_whose_task_failed_is_stuck(
        march, person_with_role, client_for) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    qa = person_with_role(Role.QA_MANAGER)
    report = queued_report(qa)
    draft = report.versions.get(number=0)
    running(draft, timezone.now())
    task_result(ReportVersion.worker_task, draft.pk, TaskResultStatus.FAILED)
    page = client_for(qa).get(reverse("insight:report", args=[report.pk])).content.decode()
    assert STUCK in page and "every 2s" not in page


# --- The daily retention run -------------------------------------------------------------------

def test_the_retention_run_marks_stuck_jobs_failed(
        two_teams, small_limit, client_for, march, person_with_role,  # noqa: F811
        django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    north, _ = two_teams
    with django_capture_on_commit_callbacks():
        for _ in range(3):
            client_for(north.qa).post(f"{XLSX}?view=cases", REASON)
    stuck, fresh, waiting = TrackerExport.objects.order_by("pk")
    running(stuck, NOW)
    running(fresh, NOW + dt.timedelta(hours=1))
    qa = person_with_role(Role.QA_MANAGER)
    draft = queued_report(qa).versions.get(number=0)
    running(draft, NOW)
    with time_machine.travel(NOW + dt.timedelta(hours=1, minutes=10), tick=False):
        retention_apply(source=RetentionRun.Source.COMMAND)
    for job in (stuck, fresh, waiting, draft):
        job.refresh_from_db()
    assert (stuck.state, stuck.error) == (TrackerExport.State.FAILED, STUCK)
    assert (draft.state, draft.error) == (ReportVersion.State.FAILED, STUCK)
    assert fresh.state == TrackerExport.State.RUNNING  # ten minutes without progress
    assert waiting.state == TrackerExport.State.QUEUED  # an hour and ten minutes waiting
    # Running it again marks nothing more.
    with time_machine.travel(NOW + dt.timedelta(hours=1, minutes=10), tick=False):
        assert fail_stuck(TrackerExport) == fail_stuck(ReportVersion) == 0
