"""The audit: the core noun. It owns who audits it (assignment rows), its answers and its
workflow, and knows nothing of cycles (the programme creates audits through services)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from auditloop.actions.models import Action
from auditloop.cases.models import Case
from auditloop.common.models import BaseModel
from auditloop.people.models import Person
from auditloop.standards.models import ToolVersion


class Audit(BaseModel):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ALLOCATED = "allocated", "Allocated"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"
        IN_MODERATION = "in_moderation", "In moderation"
        DISCUSSED = "discussed", "Discussed at the QA meeting"
        FEEDBACK_SENT = "feedback_sent", "Feedback sent"
        ACTIONS_AGREED = "actions_agreed", "Actions agreed"
        CLOSED = "closed", "Closed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Kind(models.TextChoices):
        CASE_AUDIT = "case_audit", "Case audit"
        REQUESTED = "requested", "Requested audit"
        RE_AUDIT = "re_audit", "Re-audit"
        REVISIT = "revisit", "Revisit"
        THEMATIC = "thematic", "Thematic audit"
        MULTI_AGENCY = "multi_agency", "Multi-agency audit"
        EXTERNAL = "external", "External audit"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="audits")
    covers_family = models.BooleanField(
        default=False, help_text="The audit covers every child in the case's family."
    )
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT,
                                     related_name="audits")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.CASE_AUDIT)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ALLOCATED)
    reason = models.CharField(max_length=300, blank=True,
                              help_text="Why this case: the theme, request or trigger.")
    period_start = models.DateField()
    period_end = models.DateField()
    due_on = models.DateField(null=True, blank=True)
    # A planned re-audit may not start before this day (the window's start).
    earliest_start_on = models.DateField(null=True, blank=True)
    re_audit_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="re_audits")
    overall_grade = models.CharField(max_length=40, blank=True)
    overall_reason = models.TextField(blank=True)
    impact_score = models.PositiveSmallIntegerField(null=True, blank=True)
    # The grade that counts: the auditor's, or the moderator's where moderation changed it.
    final_grade = models.CharField(max_length=40, blank=True)
    good_practice = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    completed_alone_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    actions = models.ManyToManyField(Action, through="AuditAction", related_name="audits")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["case", "status"]),
        ]

    def __str__(self) -> str:
        return f"Audit {self.pk} of case {self.case_id}"

    @property
    def is_open_for_editing(self) -> bool:
        return self.status in (self.Status.ALLOCATED, self.Status.IN_PROGRESS)


class AuditAssignment(models.Model):
    """Who audits: a row per assignment, ended (never overwritten) when it changes."""

    class Role(models.TextChoices):
        AUDITOR = "auditor", "Auditor"
        LEAD_AUDITOR = "lead_auditor", "Lead auditor"
        SHADOW = "shadow", "Shadowing"
        RE_AUDITOR = "re_auditor", "Senior manager re-auditing"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="audit_rows")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.AUDITOR)
    assigned_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["audit", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "person"], condition=Q(ended_at__isnull=True),
                                    name="assignment_once_while_current"),
        ]
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person} {self.role} on audit {self.audit_id}"


class Answer(models.Model):
    """One answer (or a section's grade, evidence or applicability) on an audit.

    One row per field, so two auditors of a pair writing different fields never touch the
    same row; `revision` catches two writes to the same field (see services.answer_save).
    """

    GRADE = "__grade__"
    EVIDENCE = "__evidence__"
    APPLIES = "__applies__"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="answers")
    section_key = models.CharField(max_length=60)
    item = models.PositiveSmallIntegerField(default=0, help_text="Which repeat (child, action).")
    question_key = models.CharField(max_length=60)
    value = models.JSONField(null=True, blank=True)
    comment = models.TextField(blank=True)
    revision = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["audit", "section_key", "item", "question_key"]
        constraints = [
            models.UniqueConstraint(fields=["audit", "section_key", "item", "question_key"],
                                    name="answer_once"),
        ]

    def __str__(self) -> str:
        return f"{self.section_key}.{self.question_key}[{self.item}] on audit {self.audit_id}"


class AuditTransition(models.Model):
    """Every move of an audit through its workflow: who, when, from, to and why."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["audit", "at", "id"]

    def __str__(self) -> str:
        return f"Audit {self.audit_id}: {self.from_status} to {self.to_status}"


class AuditAction(models.Model):
    """An action agreed from an audit (the action itself knows nothing of audits)."""

    class Source(models.TextChoices):
        AUDIT = "audit", "Agreed from the audit"
        IMMEDIATE_CONCERN = "immediate_concern", "Immediate safeguarding concern"
        REQUIRES_IMPROVEMENT = "requires_improvement", "Agreed by TM and practitioner"
        REPLY = "reply", "The lead professional's reply"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="action_links")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="audit_link")
    source = models.CharField(max_length=24, choices=Source.choices, default=Source.AUDIT)

    def __str__(self) -> str:
        return f"Action {self.action_id} from audit {self.audit_id}"
