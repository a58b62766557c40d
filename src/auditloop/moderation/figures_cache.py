"""The agreement figures, worked out once per change rather than on every request.

The figures (selectors.agreement_report, and the moderated and moved counts behind
selectors.auditor_figures) are read from Django's cache under a key made of:

- the token of the AgreementVersion row, read with one query by primary key. It changes
  whenever a review is saved as completed, or a completed review is deleted (retention, the
  demo's reset, a cascade): the receivers below, in the same transaction as the change, so
  every process sees it as soon as the change is committed. The token is random, not a
  counter, so a rolled-back change never brings back a token already used;
- the day (the 12-month window moves with the date) and the framework settings the figures
  read (the window's months, the floor, the mentoring threshold), so changing a setting
  needs no signal.

Nothing else can change them: a completed review is final (no transition leaves
"completed"), its grades are written before it is saved as completed and never after, and an
audit's auditors change only while it is open for editing, before it is submitted and so
before it is moderated. Auditors' names are not cached: the page reads them afresh.

The default cache is each process's own memory; the token in the database is what keeps
several processes right. A shared cache (operators' guide) is shared here too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from auditloop.moderation.models import AgreementVersion, ModerationReview

PREFIX = "moderation.agreement"
TIMEOUT = 60 * 60 * 25  # a key names its day, so it is not asked for after it


def version() -> str:
    """The current token (one query by primary key); empty before the first change."""
    return AgreementVersion.objects.filter(pk=1).values_list("token", flat=True).first() or ""


def bump() -> None:
    """A new token: every cached figure is out of date."""
    token, now = uuid.uuid4().hex, timezone.now()
    if AgreementVersion.objects.filter(pk=1).update(token=token, changed_at=now):
        return
    _, created = AgreementVersion.objects.get_or_create(
        pk=1, defaults={"token": token, "changed_at": now})
    if not created:  # made by another transaction meanwhile: change it after all
        AgreementVersion.objects.filter(pk=1).update(token=token, changed_at=now)


def key(name: str, token: str, *parts: dt.date | int | bool | Decimal | str | None) -> str:
    return ":".join([PREFIX, name, token or "-", *(str(p) for p in parts)])


def cached[T](cache_key: str, compute: Callable[[], T]) -> tuple[T, bool]:
    """The value under the key, or computed and stored. With whether it was computed."""
    found: Any = cache.get(cache_key)
    if found is not None:
        return found, False
    value = compute()
    cache.set(cache_key, value, TIMEOUT)
    return value, True


@receiver(post_save, sender=ModerationReview, dispatch_uid="moderation-agreement-saved")
def _review_saved(sender: Any, instance: ModerationReview, **kwargs: Any) -> None:
    if instance.status == ModerationReview.Status.COMPLETED:
        bump()


@receiver(post_delete, sender=ModerationReview, dispatch_uid="moderation-agreement-deleted")
def _review_deleted(sender: Any, instance: ModerationReview, **kwargs: Any) -> None:
    if instance.status == ModerationReview.Status.COMPLETED:
        bump()
