"""SMART actions: owner, due date, RAG status, sign-off by a named role with evidence.

Generic: an action knows nothing of audits or plans; they link to their actions.
"""

from __future__ import annotations

from django.db import models

from auditloop.common.models import BaseModel
from auditloop.people.models import Person
from auditloop.people.roles import Role


class Action(BaseModel):
    class Status(models.TextChoices):
        # 003: Red not started, Amber in progress, Green done.
        RED = "red", "Red: not started"
        AMBER = "amber", "Amber: in progress"
        GREEN = "green", "Green: done"

    issue = models.TextField()
    action = models.TextField(help_text="What will be done.")
    by_whom = models.CharField(
        max_length=300, help_text="Who will do it, in the plan's words (may include the family)."
    )
    due_on = models.DateField()
    desired_outcome = models.TextField()
    success_measure = models.TextField(help_text="How will we know the plan has worked?")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RED)
    sign_off_role = models.CharField(max_length=32, choices=Role.choices)
    sign_off_person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        help_text="A named person who must sign off, e.g. the case's team manager.",
    )
    completion_evidence = models.TextField(blank=True)
    completion_submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.action[:80]

    @property
    def awaiting_sign_off(self) -> bool:
        return self.completion_submitted_at is not None and self.status != self.Status.GREEN

    @property
    def current_owner_row(self) -> ActionOwner | None:
        rows = [r for r in self.owner_rows.all() if r.ended_at is None]
        return rows[0] if rows else None

    @property
    def owner(self) -> Person | None:
        row = self.current_owner_row
        return row.person if row else None


class ActionOwner(models.Model):
    """Who owns an action, and since when: a new row per change, never an overwrite."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="owner_rows")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="action_rows")
    assigned_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["action", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["action"], condition=models.Q(ended_at__isnull=True),
                name="action_one_current_owner",
            )
        ]
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person} owns {self.action_id}"


class ActionEvent(models.Model):
    """The action's history: every change and comment, with who and when."""

    class Kind(models.TextChoices):
        CREATED = "created", "Agreed"
        OWNER_CHANGED = "owner_changed", "Owner changed"
        PROGRESS = "progress", "Progress updated"
        SUBMITTED = "submitted", "Sent for sign-off"
        SIGNED_OFF = "signed_off", "Signed off"
        SIGN_OFF_REFUSED = "sign_off_refused", "Sign-off refused"
        COMMENT = "comment", "Comment"

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["action", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.action_id}"
