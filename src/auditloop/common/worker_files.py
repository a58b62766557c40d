"""Files the background worker makes (common.models.MadeByTheWorker: a report's version, a
large tracker export) that the worker stopped making.

A worker killed part way (out of memory, a restart of the machine, `kill -9`) leaves its
row QUEUED or RUNNING for ever: the page would say "being made" and the person could not
ask again. A job counts as stuck when

- it is RUNNING and has shown no progress (its `updated_at`, which the worker moves on as it
  goes) for `running_stale_after()` (settings.WORKER_FILE_STALE_AFTER, minutes; 30 unless
  set),
- it is QUEUED and no worker has started it for `queued_stale_after()`
  (settings.WORKER_FILE_QUEUED_STALE_AFTER, minutes; 120 unless set), or
- it is RUNNING while the queue (django-tasks-db) says its latest task has finished (failed,
  or ended without saying so on the row), or, with the database queue in use, holds no
  task for it at all.

A stuck job is marked FAILED with `STUCK` as its error by one conditional UPDATE (... WHERE
state IN (queued, running) AND ...), so two people looking at it at once do not both act,
and a worker that moved it on meanwhile is not overruled. Its page then says what to do, and
asking again queues it afresh. `fail_if_stuck` is called when a job is shown or asked for
again; `fail_stuck` by the daily retention run (governance.retention), for every job.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

logger = logging.getLogger(__name__)

STUCK = "The file was not made: the background worker stopped. Ask for it again."
# Minutes, unless settings say otherwise (docs/operators-guide.md).
RUNNING_STALE_AFTER = 30
QUEUED_STALE_AFTER = 120


def running_stale_after() -> dt.timedelta:
    """How long a job being made may show no progress before it counts as stuck."""
    return dt.timedelta(minutes=int(getattr(settings, "WORKER_FILE_STALE_AFTER",
                                            RUNNING_STALE_AFTER)))


def queued_stale_after() -> dt.timedelta:
    """How long a job may wait for a worker to start it before it counts as stuck."""
    return dt.timedelta(minutes=int(getattr(settings, "WORKER_FILE_QUEUED_STALE_AFTER",
                                            QUEUED_STALE_AFTER)))


def _stale(model: Any, now: dt.datetime) -> Q:
    state = model.State
    return (Q(state=state.RUNNING, updated_at__lt=now - running_stale_after())
            | Q(state=state.QUEUED, updated_at__lt=now - queued_stale_after()))


def _queue_holds_tasks() -> bool:
    """Whether tasks are queued in the database (django-tasks-db), so a running job with
    no task there has lost it."""
    from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends
    from django_tasks_db.backend import DatabaseBackend

    return isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend)


def task_stopped(model: Any, pk: int) -> bool:
    """Whether the queue says the worker is no longer making this job: its latest task (the
    model's `worker_task`, with the job's id) has finished, or, with tasks queued in the
    database, there is none."""
    if not apps.is_installed("django_tasks_db"):
        return False
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    latest = (DBTaskResult.objects
              .filter(task_path=model.worker_task, args_kwargs__args=[pk])
              .order_by("-enqueued_at").values_list("status", flat=True).first())
    if latest is None:
        return _queue_holds_tasks()
    return latest in (TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL)


def _mark_failed(model: Any, condition: Q, now: dt.datetime) -> int:
    state = model.State
    return (model.objects.filter(condition)
            .filter(state__in=[state.QUEUED, state.RUNNING])
            .update(state=state.FAILED, error=STUCK, updated_at=now))


def fail_if_stuck(job: Any, *, now: dt.datetime | None = None) -> bool:
    """Mark this job FAILED if it is stuck, and say so on the instance too. Returns whether
    this call marked it (False if it was not stuck, or someone else marked it first)."""
    if not job.is_working:
        return False
    now = now or timezone.now()
    model = type(job)
    condition = _stale(model, now)
    if job.state == model.State.RUNNING and task_stopped(model, job.pk):
        condition |= Q(state=model.State.RUNNING)
    if not _mark_failed(model, Q(pk=job.pk) & condition, now):
        return False
    logger.warning("%s %s was stuck (the background worker stopped): marked failed",
                   model.__name__, job.pk)
    job.state, job.error, job.updated_at = model.State.FAILED, STUCK, now
    return True


def fail_stuck(model: Any, *, now: dt.datetime | None = None) -> int:
    """Mark every stuck job of the model FAILED (the daily retention run). Returns how many
    were marked."""
    now = now or timezone.now()
    marked = _mark_failed(model, _stale(model, now), now)
    for pk in model.objects.filter(state=model.State.RUNNING).values_list("pk", flat=True):
        if task_stopped(model, pk):
            marked += _mark_failed(model, Q(pk=pk, state=model.State.RUNNING), now)
    if marked:
        logger.warning("%s %s stuck (the background worker stopped): marked failed", marked,
                       model._meta.verbose_name_plural)
    return marked
