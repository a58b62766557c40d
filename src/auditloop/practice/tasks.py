"""Background work of the practice app: arguments are ids or nothing, never personal data."""

from django.tasks import task
from django.utils import timezone

from auditloop.practice.services import practice_alerts_escalate


@task()
def escalate_practice_alerts() -> int:
    """The daily escalation of practice alerts not answered in time (`auditloop
    escalate_practice_alerts --queue`). Returns how many steps were taken."""
    return len(practice_alerts_escalate(today=timezone.localdate()))
