"""Keeping records no longer than the framework's `retention` setting says.

Each kind of record has a period (standards.settings_spec.RECORD_TYPES); a record from
before the cutoff (the start of the day that many years or months before today) goes:

- audits: the case audit record goes whole. An audit counts from when it was submitted (one
  never submitted, from when it was made). With it go its answers, assignments, history,
  conversations, family feedback, practitioner's perspective and replies, disagreements,
  immediate concerns, supervision items, moderation (sampled rows and reviews), its place on
  a QA meeting's agenda and in a revisit, and the actions that belong to it alone. Kept: the
  case (the register is the council's, kept by its own schedule), the cycle (its list keeps
  that the case was chosen, no longer which audit), other audits (a re-audit kept loses its
  link to the earlier audit), actions shared with another audit or an action plan, and
  published reports, whose figures were frozen anonymously when they were published: they
  are not worked out again. Deleted rather than anonymised: an audit's answers are about a
  child and a worker, so no part of it can stay without being personal data.
- notices, sign-in events, ended sessions: deleted (nothing is counted from them).
- uploads: the uploaded files are deleted (cases.services.delete_upload_files; an import
  running now keeps its files); the import job (who, when, how many rows) stays as the
  record that the import happened.
- reports: kept unless a period is set; then a report whose period ended before the cutoff
  goes with its versions.
- families' feedback after a case closed: the answers (from when they were given), the
  invitations (from when they were made), 000's closure forms (from the day completed) and
  the closed cases' waits for an invitation (from the day the case closed).
- complaints and compliments (from the day received), practice alerts with their
  escalations (from when raised), observations of practice (from the day observed, or
  planned when never done): deleted with their workflow history.
- staff surveys: the answers to a survey that closed before the cutoff, and who answered it
  (the survey itself stays, as the record that it ran); feedback on the audit process from
  months before the cutoff.
- large tracker exports made by the background worker (audits.tracker_exports): their files
  go 24 hours after they were made, whatever the framework says (they are copies of the
  tracker, kept only for their owner to download); each background export removes them too.
  The export rows (who asked for what, when) stay, with no file.
- files the background worker stopped making (a report's version, a large tracker export
  left "being made" by a worker that was killed: common.worker_files): marked failed, saying
  so, so they do not linger and can be asked for again.
- the access log: never removed here (the application cannot delete its rows, by design).
  The job counts the rows past their period and names the command the owner runs.

Every run that removes (not a dry run) is recorded as a RetentionRun with a line for each
kind of record: its period, its cutoff and how many went. Running it twice removes nothing
the second time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from auditloop.actions.models import Action, ActionPlanAction
from auditloop.audits.models import (
    Audit,
    AuditAction,
    Disagreement,
    ImmediateConcern,
)
from auditloop.audits.tracker_export_models import TrackerExport
from auditloop.audits.tracker_exports import exports_purge
from auditloop.cases import services as case_services
from auditloop.cases.models import ImportFile
from auditloop.common.dates import add_months
from auditloop.common.models import AccessLog, StatusChange
from auditloop.common.worker_files import fail_stuck
from auditloop.governance.models import RetentionRun, RetentionRunLine
from auditloop.insight.models import Report, ReportVersion
from auditloop.moderation.models import ModerationReview, SampledAudit
from auditloop.notifications.models import Notification
from auditloop.people.models import SignInEvent, UserSession
from auditloop.practice.models import Observation, PracticeAlert
from auditloop.programme.models import CycleCase, MeetingItem, RevisitCase
from auditloop.standards.models import RETENTION_DEFAULTS
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.settings_spec import RECORD_TYPES, retention_period
from auditloop.voice.models import (
    ClosureFeedbackDue,
    ClosureForm,
    ComplaintCompliment,
    FeedbackInvitation,
    FeedbackResponse,
)
from auditloop.voice.survey_models import (
    AuditProcessResponse,
    SurveyParticipation,
    SurveyResponse,
)

BATCH = 200
ACCESS_LOG = "access_log"


@dataclass(frozen=True)
class Line:
    """One kind of record in a run or a dry run."""

    record_type: str
    label: str
    period: str
    cutoff: dt.datetime | None  # None: kept, no period
    count: int  # removed (or, in a dry run, that would go); for the access log: past period
    reported_only: bool = False

    @property
    def kept(self) -> bool:
        return self.cutoff is None

    @property
    def purge_command(self) -> str:
        """For the access log: the command the owner runs to remove what is past its period."""
        if not self.reported_only or self.cutoff is None:
            return ""
        day = timezone.localtime(self.cutoff).date()
        return f"auditloop purge_access_log --before {day.isoformat()}"


def periods() -> dict[str, str]:
    """Each kind of record's period as the framework gives it."""
    value = dict(framework_settings_row().retention or {})
    return {key: str(value.get(key) or RETENTION_DEFAULTS[key]) for key in RECORD_TYPES}


def cutoff_for(period: str, now: dt.datetime) -> dt.datetime | None:
    """The start of the day `period` before today: records from before it go."""
    parsed = retention_period(period)
    if parsed is None:
        return None
    years, months = parsed
    day = add_months(timezone.localtime(now).date(), -(years * 12 + months))
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- What is past its period, kind by kind.

def _audits(cutoff: dt.datetime) -> models.QuerySet[Audit]:
    return (Audit.objects.annotate(retention_at=Coalesce("submitted_at", "created_at"))
            .filter(retention_at__lt=cutoff))


def _notices(cutoff: dt.datetime) -> models.QuerySet[Notification]:
    return Notification.objects.filter(created_at__lt=cutoff)


def _uploads(cutoff: dt.datetime) -> models.QuerySet[ImportFile]:
    return case_services.uploads_older_than(cutoff)


def _sign_in_events(cutoff: dt.datetime) -> models.QuerySet[SignInEvent]:
    return SignInEvent.objects.filter(at__lt=cutoff)


def _sessions(cutoff: dt.datetime) -> models.QuerySet[UserSession]:
    return UserSession.objects.filter(ended_at__isnull=False, ended_at__lt=cutoff)


def _access_log(cutoff: dt.datetime) -> models.QuerySet[AccessLog]:
    return AccessLog.objects.filter(at__lt=cutoff)


def _reports(cutoff: dt.datetime) -> models.QuerySet[Report]:
    return Report.objects.filter(period_end__lt=timezone.localtime(cutoff).date())


def _day(cutoff: dt.datetime) -> dt.date:
    return timezone.localtime(cutoff).date()


def _families_feedback(cutoff: dt.datetime) -> tuple[models.QuerySet, ...]:  # type: ignore[type-arg]
    return (FeedbackResponse.objects.filter(created_at__lt=cutoff),
            FeedbackInvitation.objects.filter(created_at__lt=cutoff),
            ClosureForm.objects.filter(completed_on__lt=_day(cutoff)),
            ClosureFeedbackDue.objects.filter(closed_on__lt=_day(cutoff)))


def _complaints(cutoff: dt.datetime) -> models.QuerySet[ComplaintCompliment]:
    return ComplaintCompliment.objects.filter(received_on__lt=_day(cutoff))


def _practice_alerts(cutoff: dt.datetime) -> models.QuerySet[PracticeAlert]:
    return PracticeAlert.objects.filter(created_at__lt=cutoff)


def _observations(cutoff: dt.datetime) -> models.QuerySet[Observation]:
    day = _day(cutoff)
    return Observation.objects.filter(
        models.Q(observed_on__lt=day) | models.Q(observed_on__isnull=True, planned_for__lt=day))


def _staff_surveys(cutoff: dt.datetime) -> tuple[models.QuerySet, ...]:  # type: ignore[type-arg]
    day = _day(cutoff)
    return (SurveyResponse.objects.filter(survey__closes_on__lt=day),
            SurveyParticipation.objects.filter(survey__closes_on__lt=day),
            AuditProcessResponse.objects.filter(month__lt=day.replace(day=1)))


PAST: dict[str, Callable[[dt.datetime], Any]] = {
    "audits": _audits,
    "notices": _notices,
    "uploads": _uploads,
    "sign_in_events": _sign_in_events,
    "sessions": _sessions,
    "access_log": _access_log,
    "reports": _reports,
    "families_feedback": _families_feedback,
    "complaints": _complaints,
    "practice_alerts": _practice_alerts,
    "observations": _observations,
    "staff_surveys": _staff_surveys,
}
# Kinds whose rows move through a workflow: their history goes with them.
WITH_HISTORY = {"reports", "complaints", "practice_alerts", "observations"}


def _count(found: Any) -> int:
    return sum(qs.count() for qs in found) if isinstance(found, tuple) else found.count()


# --- Removing.

def _ids_in_batches(qs: models.QuerySet, size: int = BATCH) -> Iterable[list[int]]:  # type: ignore[type-arg]
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _history_delete(model: type[models.Model], ids: Iterable[int]) -> None:
    """The workflow history (common.StatusChange) of rows that go."""
    keys = [str(i) for i in ids]
    if keys:
        StatusChange.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                    object_id__in=keys).delete()


def _audits_delete(ids: list[int]) -> int:
    """Delete these audits and everything that is theirs alone (module docstring)."""
    with transaction.atomic():
        action_ids = set(AuditAction.objects.filter(audit_id__in=ids)
                         .values_list("action_id", flat=True))
        shared = set(AuditAction.objects.filter(action_id__in=action_ids)
                     .exclude(audit_id__in=ids).values_list("action_id", flat=True))
        in_plans = set(ActionPlanAction.objects.filter(action_id__in=action_ids)
                       .values_list("action_id", flat=True))
        own_actions = sorted(action_ids - shared - in_plans)
        disagreements = list(Disagreement.objects.filter(audit_id__in=ids)
                             .values_list("pk", flat=True))
        sampled = list(SampledAudit.objects.filter(audit_id__in=ids).values_list("pk", flat=True))
        reviews = list(ModerationReview.objects.filter(audit_id__in=ids)
                       .values_list("pk", flat=True))
        # Links from what stays.
        Audit.objects.filter(re_audit_of_id__in=ids).update(re_audit_of=None)
        CycleCase.objects.filter(audit_id__in=ids).update(audit=None)
        CycleCase.objects.filter(planned_audit_id__in=ids).update(planned_audit=None)
        RevisitCase.objects.filter(revisit_audit_id__in=ids).update(revisit_audit=None)
        # Rows that are about these audits only.
        RevisitCase.objects.filter(earlier_audit_id__in=ids).delete()
        MeetingItem.objects.filter(audit_id__in=ids).delete()
        ModerationReview.objects.filter(pk__in=reviews).delete()
        SampledAudit.objects.filter(pk__in=sampled).delete()
        AuditAction.objects.filter(audit_id__in=ids).delete()
        ImmediateConcern.objects.filter(audit_id__in=ids).delete()
        _history_delete(Disagreement, disagreements)
        _history_delete(SampledAudit, sampled)
        _history_delete(ModerationReview, reviews)
        _history_delete(Action, own_actions)
        _history_delete(Audit, ids)
        Action.objects.filter(pk__in=own_actions).delete()
        _, per_model = Audit.objects.filter(pk__in=ids).delete()
        return per_model.get(Audit._meta.label, 0)


def _plain_delete(model: type[models.Model], qs: models.QuerySet,  # type: ignore[type-arg]
                  with_history: bool = False) -> int:
    removed = 0
    for ids in _ids_in_batches(qs):
        with transaction.atomic():
            if with_history:
                _history_delete(model, ids)
            _, per_model = model._default_manager.filter(pk__in=ids).delete()
            removed += per_model.get(model._meta.label, 0)
    return removed


def _remove(record_type: str, cutoff: dt.datetime) -> int:
    qs = PAST[record_type](cutoff)
    if record_type == "audits":
        return sum(_audits_delete(ids) for ids in _ids_in_batches(qs))
    if record_type == "uploads":
        return case_services.delete_upload_files(cutoff)
    parts = qs if isinstance(qs, tuple) else (qs,)
    return sum(_plain_delete(part.model, part, with_history=record_type in WITH_HISTORY)
               for part in parts)


# --- The job.

def retention_plan(*, now: dt.datetime | None = None) -> list[Line]:
    """What a run would do now, kind by kind: nothing is removed or recorded (--dry-run)."""
    now = now or timezone.now()
    out = []
    for record_type, period in periods().items():
        cutoff = cutoff_for(period, now)
        count = _count(PAST[record_type](cutoff)) if cutoff else 0
        out.append(Line(record_type, RECORD_TYPES[record_type], period, cutoff, count,
                        reported_only=record_type == ACCESS_LOG))
    return out


def retention_apply(*, source: str, ran_by: str = "",
                    now: dt.datetime | None = None) -> tuple[RetentionRun, list[Line]]:
    """Remove every record past its period and record the run. The access log is counted,
    never removed. Each kind is removed in batches, each batch in its own transaction, so a
    run that stops part way leaves whole records and is finished by the next run."""
    now = now or timezone.now()
    run = RetentionRun.objects.create(started_at=now, source=source, ran_by=ran_by[:150])
    lines = []
    for record_type, period in periods().items():
        cutoff = cutoff_for(period, now)
        reported_only = record_type == ACCESS_LOG
        if cutoff is None:
            count = 0
        elif reported_only:
            count = _access_log(cutoff).count()
        else:
            count = _remove(record_type, cutoff)
        line = Line(record_type, RECORD_TYPES[record_type], period, cutoff, count,
                    reported_only=reported_only)
        RetentionRunLine.objects.create(
            run=run, record_type=record_type, period=period, cutoff=cutoff,
            removed=0 if reported_only else count,
            past_period=count if reported_only else 0, reported_only=reported_only)
        lines.append(line)
    exports_purge(now=now)
    for made_by_the_worker in (TrackerExport, ReportVersion):
        fail_stuck(made_by_the_worker, now=now)
    run.finished_at = timezone.now()
    run.save(update_fields=["finished_at"])
    return run, lines

