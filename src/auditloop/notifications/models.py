"""The in-app tray: what a person has been told and must act on."""

from django.db import models

from auditloop.common.models import BaseModel
from auditloop.people.models import Person


class EmailStatus(models.TextChoices):
    NOT_SENT = "not_sent", "No e-mail"
    QUEUED = "queued", "E-mail waiting to go"
    SENT = "sent", "E-mail sent"
    FAILED = "failed", "E-mail failed"


class Notification(BaseModel):
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    is_urgent = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(
        max_length=12, choices=EmailStatus.choices, default=EmailStatus.NOT_SENT
    )
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=300, blank=True)
    # What the notice asks of its recipient ("agree_actions") and what about ("audit:12"):
    # keys and ids only, so the app that raised it can say when the work is done
    # (notifications/done.py). Blank for a notice that only tells.
    kind = models.CharField(max_length=40, blank=True)
    about = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject
