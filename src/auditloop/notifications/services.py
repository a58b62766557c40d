"""Telling people things: a tray entry now, an e-mail after the transaction commits."""

import logging
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from auditloop.notifications import email
from auditloop.notifications.models import EmailStatus, Notification
from auditloop.people.models import Person

logger = logging.getLogger(__name__)


@transaction.atomic
def notify(
    *, recipients: Iterable[Person], subject: str, body: str = "", link: str = "",
    urgent: bool = False, kind: str = "", about: str = "",
) -> list[Notification]:
    """Put a notice in each recipient's tray now, and e-mail it after the transaction
    commits. Subject and body say what to do, never a child's details: they go by e-mail.
    A notice that asks for work names it (`kind`, and `about`: "audit:12"), so that once the
    work is done the notice says so (notifications/done.py)."""
    rows = [
        Notification(recipient=p, subject=subject, body=body, link=link, is_urgent=urgent,
                     kind=kind, about=about,
                     email_status=EmailStatus.QUEUED if p.email else EmailStatus.NOT_SENT)
        for p in {p.pk: p for p in recipients}.values()
    ]
    created = Notification.objects.bulk_create(rows)
    for row in created:
        if row.email_status == EmailStatus.QUEUED:
            transaction.on_commit(partial(_enqueue_email, row.pk))
    return created


def _enqueue_email(notification_id: int) -> None:
    from auditloop.notifications.tasks import send_notification_email

    send_notification_email.enqueue(notification_id)


def notification_send_email(*, notification_id: int) -> None:
    """Send one notice by e-mail. A failure is recorded on the notice (the tray still has
    it) and logged by id only."""
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if notification.email_status == EmailStatus.SENT or not notification.recipient.email:
        return
    try:
        email.backend().send(
            to=notification.recipient.email,
            subject=notification.subject,
            body=notification.body,
            link=email.absolute_link(notification),
            reference=f"notice-{notification.pk}",
        )
    except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded, not raised
        notification.email_status = EmailStatus.FAILED
        notification.email_error = type(exc).__name__[:300]
        logger.warning("E-mail for notice %s failed: %s", notification.pk, type(exc).__name__)
    else:
        notification.email_status = EmailStatus.SENT
        notification.emailed_at = timezone.now()
        notification.email_error = ""
    notification.save(update_fields=["email_status", "emailed_at", "email_error", "updated_at"])


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
