"""Tier 1 quality control (003): one check of each register record the framework's
quality-control tool applies to, and every move of it.

The tables keep the names they had when the checks lived in the audits app, so the move
to this app kept every row (see migrations/0001)."""

from __future__ import annotations

from django.db import models

from auditloop.actions.models import Action
from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Person
from auditloop.standards.models import ToolVersion


class QualityCheck(BaseModel, WorkflowModel):
    """Tier 1 quality control (003): every CAF assessment, TAF and closure that reaches the
    register is checked by the central team against the Tier 1 checklist."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for a check"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Sent back to the lead professional"
        # The lead professional says it is put right; the central team confirms (FIXED).
        REPORTED = "reported", "Put right, waiting for the central team to confirm"
        FIXED = "fixed", "Fixed and passed"

    event = models.OneToOneField("cases.CaseEvent", on_delete=models.CASCADE,
                                 related_name="quality_check")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    answers = models.JSONField(default=dict, blank=True)
    to_fix = models.TextField(blank=True)
    checked_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    checked_at = models.DateTimeField(null=True, blank=True)
    sent_to = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    fix_note = models.TextField(blank=True, help_text="What the lead professional put right.")
    action = models.ForeignKey(Action, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")

    class Meta:
        db_table = "audits_qualitycheck"
        ordering = ["status", "created_at"]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            models.Index(fields=["checked_at"]),
            models.Index(fields=["sent_to", "status"]),
        ]

    # 003: the central team passes a record or sends it back to its lead professional, who
    # says it is put right; the central team then confirms it or sends it back again.
    workflow = Workflow(Status, noun="quality check", allowed_from={
        Status.PASSED: {Status.WAITING},
        Status.FAILED: {Status.WAITING, Status.REPORTED},
        Status.REPORTED: {Status.FAILED},
        Status.FIXED: {Status.REPORTED},
    }, groups={
        "waiting": {Status.WAITING},
        "checked": {Status.PASSED, Status.FAILED, Status.REPORTED, Status.FIXED},
        # Sent back at some time, whether or not it is put right since.
        "sent_back": {Status.FAILED, Status.REPORTED, Status.FIXED},
        # Sent back and not yet confirmed as put right: on the lead professional's list.
        "being_put_right": {Status.FAILED, Status.REPORTED},
        "reported_fixed": {Status.REPORTED},
    }, history=lambda check, old, new, actor, reason: QualityCheckTransition.objects.create(
        quality_check=check, actor=actor, from_status=old, to_status=new, reason=reason))

    # The short words and colour of each state's tag in lists and on the check's page.
    TAGS = {
        Status.WAITING: ("Waiting", "blue"),
        Status.PASSED: ("Passed", "green"),
        Status.FAILED: ("Sent back", "red"),
        Status.REPORTED: ("Put right: to confirm", "yellow"),
        Status.FIXED: ("Fixed", "green"),
    }

    def __str__(self) -> str:
        return f"Quality check of event {self.event_id}: {self.status}"

    @property
    def is_waiting(self) -> bool:
        """Not checked yet: the checklist is still to be answered."""
        return self.status_in("waiting")

    @property
    def is_checked(self) -> bool:
        return self.status_in("checked")

    @property
    def was_sent_back(self) -> bool:
        return self.status_in("sent_back")

    @property
    def is_being_put_right(self) -> bool:
        return self.status_in("being_put_right")

    @property
    def awaits_confirmation(self) -> bool:
        """The lead professional says it is put right; the central team is to confirm."""
        return self.status_in("reported_fixed")

    @property
    def tag_text(self) -> str:
        return self.TAGS[self.Status(self.status)][0]

    @property
    def tag_colour(self) -> str:
        return self.TAGS[self.Status(self.status)][1]


class QualityCheckTransition(models.Model):
    """Every move of a quality check: who, when, from, to and why."""

    quality_check = models.ForeignKey(QualityCheck, on_delete=models.CASCADE,
                                      related_name="transitions")
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=8, blank=True)
    to_status = models.CharField(max_length=8)
    reason = models.TextField(blank=True)

    class Meta:
        db_table = "audits_qualitychecktransition"
        ordering = ["quality_check", "at", "id"]

    def __str__(self) -> str:
        return f"Quality check {self.quality_check_id}: {self.from_status} to {self.to_status}"
