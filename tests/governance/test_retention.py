"""The retention job keeps each kind of record no longer than the framework's `retention`
setting says: just inside its period a record stays, just past it goes; each run is recorded
with its counts; a dry run removes nothing; the access log is only counted; and removing an
old audit leaves the case and every other audit whole. Time is frozen throughout."""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command

from auditloop.actions.models import Action
from auditloop.audits.models import Answer, Audit, AuditAction, ImmediateConcern
from auditloop.cases.models import Case, ImportFile, ImportJob
from auditloop.common.models import AccessLog
from auditloop.governance.models import RetentionRun
from auditloop.governance.retention import retention_apply
from auditloop.insight.models import Report
from auditloop.moderation.models import ModerationReview, SampledAudit
from auditloop.notifications.models import Notification
from auditloop.people.models import SignInEvent, UserSession
from auditloop.programme.models import CycleCase
from auditloop.standards.services import framework_setting_change
from tests.factories import (
    CaseFactory,
    PersonFactory,
    UserFactory,
    finish_audit,
    make_action,
    make_audit,
    make_immediate_concern,
)
from tests.moderation.factories import make_cycle, review_of, set_framework, submitted_audit

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
# "Now" for every run: the cutoffs are the starts of these days.
NOW = dt.datetime(2033, 6, 15, 9, 0, tzinfo=LONDON)
SIX_YEARS = dt.datetime(2027, 6, 15, tzinfo=LONDON)  # audits
ONE_YEAR = dt.datetime(2032, 6, 15, tzinfo=LONDON)  # notices, sign-in events, sessions
THREE_MONTHS = dt.datetime(2033, 3, 15, tzinfo=LONDON)  # uploads
TWO_YEARS = dt.datetime(2031, 6, 15, tzinfo=LONDON)  # the access log
INSIDE = dt.timedelta(minutes=30)  # just after the cutoff: stays
PAST = -dt.timedelta(minutes=30)  # just before it: goes


def at(when: dt.datetime) -> time_machine.travel:
    return time_machine.travel(when, tick=False)


def run(*args: str) -> str:
    out = io.StringIO()
    with at(NOW):
        call_command("retention", *args, stdout=out)
    return out.getvalue()


def audit_submitted(when: dt.datetime, **kwargs):  # type: ignore[no-untyped-def]
    with at(when):
        return finish_audit(make_audit(**kwargs), to="closed")


def notice(when: dt.datetime) -> Notification:
    with at(when):
        return Notification.objects.create(recipient=PersonFactory(), subject="An audit is due")


def upload(when: dt.datetime, status: str = ImportJob.Status.SUCCEEDED) -> ImportFile:
    with at(when):
        job = ImportJob.objects.create(format=ImportJob.Format.MONTHLY, status=status)
        return ImportFile.objects.create(job=job, name="cases.csv", content=b"reference\n")


def sign_in(when: dt.datetime) -> SignInEvent:
    with at(when):
        return SignInEvent.objects.create(user=UserFactory(), kind=SignInEvent.Kind.SIGNED_IN)


def session(ended: dt.datetime | None, key: str) -> UserSession:
    with at(ended or NOW):
        return UserSession.objects.create(user=UserFactory(), key_hash=key, ended_at=ended,
                                          ended_because="signed_out" if ended else "")


def looked_at(when: dt.datetime) -> AccessLog:
    with at(when):
        return AccessLog.objects.create(user=UserFactory(), object_type="case", object_id="1")


def set_retention(**periods: str) -> None:
    framework_setting_change(setting="retention", value=periods, actor=None,
                             reason="The council's retention schedule")


def test_records_just_inside_their_period_stay_and_those_just_past_go():
    audit_kept, audit_gone = (audit_submitted(SIX_YEARS + INSIDE),
                              audit_submitted(SIX_YEARS + PAST))
    notice_kept, notice_gone = notice(ONE_YEAR + INSIDE), notice(ONE_YEAR + PAST)
    upload_kept, upload_gone = upload(THREE_MONTHS + INSIDE), upload(THREE_MONTHS + PAST)
    failed_gone = upload(THREE_MONTHS + PAST, status=ImportJob.Status.FAILED)
    event_kept, event_gone = sign_in(ONE_YEAR + INSIDE), sign_in(ONE_YEAR + PAST)
    session_kept = session(ONE_YEAR + INSIDE, "a" * 64)
    session_gone = session(ONE_YEAR + PAST, "b" * 64)
    session_open = session(None, "c" * 64)  # not ended: never removed

    run()

    assert list(Audit.objects.all()) == [audit_kept]
    assert not Answer.objects.filter(audit_id=audit_gone.pk).exists()
    assert list(Notification.objects.all()) == [notice_kept]
    assert list(ImportFile.objects.all()) == [upload_kept]
    # The import jobs stay as the record that the import happened; only the files go.
    assert ImportJob.objects.filter(pk__in=[upload_gone.job_id, failed_gone.job_id]).count() == 2
    assert list(SignInEvent.objects.all()) == [event_kept]
    assert set(UserSession.objects.all()) == {session_kept, session_open}
    del notice_gone, event_gone, session_gone


def test_each_run_is_recorded_with_its_cutoffs_and_counts():
    audit_submitted(SIX_YEARS + PAST)
    notice(ONE_YEAR + PAST)
    notice(ONE_YEAR + PAST)
    upload(THREE_MONTHS + PAST)
    looked_at(TWO_YEARS + PAST)

    out = run()

    retention_run = RetentionRun.objects.get()
    assert retention_run.source == RetentionRun.Source.COMMAND
    assert retention_run.started_at == NOW and retention_run.finished_at is not None
    lines = {line.record_type: line for line in retention_run.lines.all()}
    assert set(lines) == {"audits", "notices", "uploads", "sign_in_events", "sessions",
                          "access_log", "reports", "families_feedback", "complaints",
                          "practice_alerts", "observations", "staff_surveys"}
    assert (lines["audits"].removed, lines["audits"].cutoff) == (1, SIX_YEARS)
    assert (lines["notices"].removed, lines["notices"].cutoff) == (2, ONE_YEAR)
    assert (lines["uploads"].removed, lines["uploads"].cutoff) == (1, THREE_MONTHS)
    assert lines["sign_in_events"].removed == 0 and lines["sessions"].removed == 0
    assert lines["reports"].cutoff is None and lines["reports"].period == "keep"
    assert retention_run.removed == 4
    assert f"Retention run {retention_run.pk}" in out
    assert "notices: 2 removed, from before 2032-06-15 00:00 (1 year)" in out
    # The command prints the recorded runs for the information governance lead too.
    printed = io.StringIO()
    call_command("retention", "--runs", "1", stdout=printed)
    assert "notices: 2 removed" in printed.getvalue()
    assert "access log: 1 past 2 years, for the owner to remove" in printed.getvalue()


def test_a_dry_run_lists_what_would_go_and_removes_nothing():
    audit_submitted(SIX_YEARS + PAST)
    notice(ONE_YEAR + PAST)
    sign_in(ONE_YEAR + PAST)

    out = run("--dry-run")

    assert "audits: 1 would go" in out and "notices: 1 would go" in out
    assert "sign in events: 1 would go" in out
    assert Audit.objects.count() == 1 and Notification.objects.count() == 1
    assert SignInEvent.objects.count() == 1
    assert not RetentionRun.objects.exists()


def test_the_access_log_is_never_removed_by_the_job_only_counted_for_the_owner():
    old = [looked_at(TWO_YEARS + PAST) for _ in range(3)]
    recent = looked_at(TWO_YEARS + INSIDE)

    out = run()

    assert AccessLog.objects.count() == 4
    assert set(AccessLog.objects.all()) == {*old, recent}
    line = RetentionRun.objects.get().lines.get(record_type="access_log")
    assert (line.removed, line.past_period, line.reported_only) == (0, 3, True)
    assert "access log: 3 rows from before 2031-06-15 00:00 (2 years); the job removes none" \
        in out
    assert "auditloop purge_access_log --before 2031-06-15" in out


def test_a_changed_retention_setting_changes_what_goes():
    seven_years_ago = dt.datetime(2026, 6, 15, tzinfo=LONDON)
    audit = audit_submitted(SIX_YEARS + PAST)
    older = audit_submitted(seven_years_ago + PAST)
    kept_notice = notice(ONE_YEAR + PAST)

    set_retention(audits="7 years", notices="keep")
    run()
    assert set(Audit.objects.all()) == {audit}  # six and a half years old: kept for seven
    assert list(Notification.objects.all()) == [kept_notice]
    assert not Audit.objects.filter(pk=older.pk).exists()

    set_retention(audits="6 years", notices="6 months")
    run()
    assert not Audit.objects.exists() and not Notification.objects.exists()


def test_reports_are_kept_unless_the_framework_gives_them_a_period():
    report = Report.objects.create(kind="monthly", title="Monthly QA report",
                                   period_key="2024-01", period_start=dt.date(2024, 1, 1),
                                   period_end=dt.date(2024, 1, 31))
    run()
    assert Report.objects.filter(pk=report.pk).exists()
    set_retention(reports="6 years")
    run()
    assert not Report.objects.exists()


def test_removing_an_old_audit_leaves_the_case_and_its_other_audits_whole():
    set_framework()
    auditor = PersonFactory(roles=["auditor"])
    case = CaseFactory(key_worker=PersonFactory(), team_manager=PersonFactory())
    with at(SIX_YEARS + PAST):
        cycle = make_cycle(year=2027, number=6)
        old = submitted_audit(cycle, case=case, auditor=auditor)
        review = review_of(old)
        own_action = make_action()
        AuditAction.objects.create(audit=old, action=own_action)
        concern = make_immediate_concern(audit=old, raised_by=auditor)
    with at(SIX_YEARS + INSIDE + dt.timedelta(days=60)):
        recent = audit_submitted(SIX_YEARS + INSIDE + dt.timedelta(days=60), case=case,
                                 auditors=[auditor])
        Audit.objects.filter(pk=recent.pk).update(re_audit_of=old)
        recent_action = make_action()
        AuditAction.objects.create(audit=recent, action=recent_action)
    other_case_audit = audit_submitted(SIX_YEARS + INSIDE)
    recent_answers = Answer.objects.filter(audit=recent).count()

    run()

    assert Case.objects.filter(pk=case.pk).exists()
    assert set(Audit.objects.all()) == {recent, other_case_audit}
    recent.refresh_from_db()
    assert recent.re_audit_of is None and recent.case_id == case.pk
    assert Answer.objects.filter(audit=recent).count() == recent_answers
    assert not Answer.objects.filter(audit_id=old.pk).exists()
    # The old audit's action goes; the recent audit's stays with it.
    assert not Action.objects.filter(pk=own_action.pk).exists()
    assert list(recent.actions.all()) == [recent_action]
    assert not ImmediateConcern.objects.filter(pk=concern.pk).exists()
    assert not ModerationReview.objects.filter(pk=review.pk).exists()
    assert not SampledAudit.objects.filter(audit_id=old.pk).exists()
    # The cycle keeps that the case was chosen, no longer which audit.
    assert CycleCase.objects.get(cycle=cycle, case=case).audit_id is None


def test_running_twice_removes_nothing_more():
    audit_submitted(SIX_YEARS + PAST)
    kept = audit_submitted(SIX_YEARS + INSIDE)
    notice(ONE_YEAR + PAST)

    run()
    run()

    first, second = RetentionRun.objects.order_by("pk")
    assert first.removed == 2 and second.removed == 0
    assert list(Audit.objects.all()) == [kept]


def test_the_background_task_runs_the_same_job_and_is_recorded_as_the_task():
    notice(ONE_YEAR + PAST)
    out = run("--queue")  # tests run tasks at once
    assert "Queued the retention run" in out
    retention_run = RetentionRun.objects.get()
    assert retention_run.source == RetentionRun.Source.TASK
    assert retention_run.removed == 1 and not Notification.objects.exists()


def test_the_service_records_who_ran_it():
    with at(NOW):
        retention_run, lines = retention_apply(source=RetentionRun.Source.COMMAND,
                                               ran_by="auditloop")
    assert retention_run.ran_by == "auditloop"
    assert [line.record_type for line in lines][:3] == ["audits", "notices", "uploads"]
