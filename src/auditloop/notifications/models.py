"""The in-app tray: what a person has been told and must act on."""

from django.db import models

from auditloop.common.models import BaseModel
from auditloop.people.models import Person


class Notification(BaseModel):
    recipient = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=300, blank=True)
    is_urgent = models.BooleanField(default=False)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.subject
