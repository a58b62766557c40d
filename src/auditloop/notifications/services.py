"""Telling people things: a tray entry now, an e-mail after the transaction commits."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from auditloop.notifications.models import Notification
from auditloop.people.models import Person


@transaction.atomic
def notify(
    *, recipients: Iterable[Person], subject: str, body: str = "", link: str = "",
    urgent: bool = False,
) -> list[Notification]:
    """Put a notice in each recipient's tray. Subject and body say what to do, never a
    child's details (they also go by e-mail)."""
    rows = [
        Notification(recipient=p, subject=subject, body=body, link=link, is_urgent=urgent)
        for p in {p.pk: p for p in recipients}.values()
    ]
    return Notification.objects.bulk_create(rows)


@transaction.atomic
def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
