"""The audit: the core noun. It owns who audits it (assignment rows), its answers and its
workflow, and knows nothing of cycles (the programme creates audits through services)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from auditloop.actions.models import Action
from auditloop.cases.models import Case
from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Person
from auditloop.standards.models import ToolVersion


class Audit(BaseModel, WorkflowModel):
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

    # The states each move may start from. A carried-over audit (not submitted when its
    # cycle closed) goes back to planned and waits for the next allocation. Every move
    # writes an AuditTransition: who, when, from, to and why.
    workflow = Workflow(Status, noun="audit", allowed_from={
        Status.ALLOCATED: {Status.PLANNED},
        Status.IN_PROGRESS: {Status.ALLOCATED},
        Status.SUBMITTED: {Status.ALLOCATED, Status.IN_PROGRESS},
        Status.IN_MODERATION: {Status.SUBMITTED, Status.DISCUSSED, Status.FEEDBACK_SENT,
                               Status.ACTIONS_AGREED},
        Status.DISCUSSED: {Status.SUBMITTED, Status.IN_MODERATION},
        Status.FEEDBACK_SENT: {Status.SUBMITTED, Status.IN_MODERATION, Status.DISCUSSED},
        Status.ACTIONS_AGREED: {Status.FEEDBACK_SENT, Status.DISCUSSED},
        Status.CLOSED: {Status.ACTIONS_AGREED, Status.FEEDBACK_SENT, Status.DISCUSSED},
        Status.WITHDRAWN: {Status.PLANNED, Status.ALLOCATED, Status.IN_PROGRESS},
        Status.PLANNED: {Status.ALLOCATED, Status.IN_PROGRESS},
    }, groups={
        # Its auditors may still answer, record and submit.
        "open_for_editing": {Status.ALLOCATED, Status.IN_PROGRESS},
        # Submitted, so graded: its findings exist from here on.
        "submitted_or_later": {Status.SUBMITTED, Status.IN_MODERATION, Status.DISCUSSED,
                               Status.FEEDBACK_SENT, Status.ACTIONS_AGREED, Status.CLOSED},
        # Submitted and not yet closed: the practice may still reply or disagree.
        "findings_open": {Status.SUBMITTED, Status.IN_MODERATION, Status.DISCUSSED,
                          Status.FEEDBACK_SENT, Status.ACTIONS_AGREED},
        # Past the QA meeting's (or the QA team's) look.
        "discussed_or_later": {Status.DISCUSSED, Status.FEEDBACK_SENT, Status.ACTIONS_AGREED,
                               Status.CLOSED},
        # Submitted and waiting for the QA meeting.
        "ready_for_meeting": {Status.SUBMITTED, Status.IN_MODERATION},
        # Nothing more happens to it.
        "ended": {Status.CLOSED, Status.WITHDRAWN},
    }, history=lambda audit, old, new, actor, reason: AuditTransition.objects.create(
        audit=audit, actor=actor, from_status=old, to_status=new, reason=reason))

    def __str__(self) -> str:
        return f"Audit {self.pk} of case {self.case_id}"

    @property
    def is_open_for_editing(self) -> bool:
        return self.status_in("open_for_editing")

    @property
    def is_submitted_or_later(self) -> bool:
        return self.status_in("submitted_or_later")

    @property
    def is_findings_open(self) -> bool:
        return self.status_in("findings_open")

    @property
    def is_ended(self) -> bool:
        return self.status_in("ended")

    @property
    def is_withdrawn(self) -> bool:
        return self.status == self.Status.WITHDRAWN

    @property
    def is_planned(self) -> bool:
        return self.status == self.Status.PLANNED


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
    # The immediate concern that asked for it: an audit may have more than one concern.
    concern = models.ForeignKey("ImmediateConcern", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="action_links")
    # The action's row in the audit itself (a remedial action section, 003), so that
    # submitting again never tracks the same row twice. Empty for every other source.
    section_key = models.CharField(max_length=60, blank=True)
    item = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "section_key", "item"], condition=~models.Q(section_key=""),
                name="audit_action_once_per_row",
            )
        ]

    def __str__(self) -> str:
        return f"Action {self.action_id} from audit {self.audit_id}"


class ImmediateConcern(BaseModel):
    """The Immediate Concern Audit Review form (002): raised at any moment of an audit, it
    never waits for the audit to be finished."""

    class Practice(models.TextChoices):
        CURRENT = "current", "Current unsafe practice"
        PAST = "past", "Unsafe practice in the past"
        NONE = "none", "No unsafe practice, but a concern for the child's safety"

    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    summary = models.TextField(help_text="A clear summary of the concerns.")
    unsafe_practice = models.CharField(max_length=8, choices=Practice.choices)
    suggested_actions = models.TextField()
    mash_contacted = models.BooleanField(default=False)
    mash_note = models.CharField(max_length=300, blank=True)
    team_manager_told_verbally_at = models.DateTimeField(null=True, blank=True)
    team_manager_told_note = models.CharField(max_length=300, blank=True)
    wider_caseload_review = models.BooleanField(
        default=False, help_text="Ask for a wider look at the key worker's caseload.")
    # Who was told and how, as the framework's rules said when it was raised (the rules may
    # change later; the record of who was told must not).
    told = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Immediate concern on audit {self.audit_id}"


class SupervisionItem(BaseModel):
    """A case to discuss at a practitioner's next supervision with their team manager."""

    class Reason(models.TextChoices):
        IMMEDIATE_CONCERN = "immediate_concern", "Immediate safeguarding concern"
        REQUIRES_IMPROVEMENT = "requires_improvement", "Agree SMART actions (requires improvement)"
        REFLECTIVE_DISCUSSION = "reflective_discussion", "Reflective discussion of the audit"
        WIDER_CASELOAD = "wider_caseload", "A wider look at the key worker's caseload"

    supervisor = models.ForeignKey(Person, on_delete=models.PROTECT,
                                   related_name="supervision_items")
    supervisee = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="supervision_items")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    discussed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="The supervision or management oversight note.")

    class Meta:
        ordering = ["discussed_at", "created_at"]
        constraints = [
            # Per practitioner: two practitioners of one audit may share a team manager.
            models.UniqueConstraint(fields=["supervisor", "supervisee", "audit", "reason"],
                                    name="supervision_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} for {self.supervisee} with {self.supervisor}"


class WorkerPerspective(BaseModel):
    """The Perspective of Worker form (001): the practitioner's view, sent to the auditors."""

    audit = models.OneToOneField(Audit, on_delete=models.CASCADE, related_name="perspective")
    practitioner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Perspective of worker for audit {self.audit_id}"


class Conversation(BaseModel):
    """The learning conversation (at least an hour, pre-booked, 002), the IRO/CP Chair and
    team manager conversations, and contact with the family."""

    class Kind(models.TextChoices):
        LEARNING = "learning", "Learning conversation with the key worker"
        IRO = "iro", "Conversation with the IRO or CP Chair"
        TEAM_MANAGER = "team_manager", "Conversation with the team manager"
        FAMILY = "family", "Contact with the family"

    class Outcome(models.TextChoices):
        BOOKED = "booked", "Booked"
        HELD = "held", "Held"
        DECLINED = "declined", "Declined to engage"
        NOT_REACHED = "not_reached", "Could not be reached"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="conversations")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.BOOKED)
    booked_for = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    with_whom = models.CharField(max_length=300, blank=True)
    reason = models.TextField(blank=True, help_text="Why it did not happen.")
    interpreter_used = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The framework's minimum for this kind of conversation when it was recorded as held
    # (002: at least an hour with the key worker), so a later change of the setting does
    # not rewrite history; and why it was shorter, when it was.
    minutes_asked = models.PositiveSmallIntegerField(null=True, blank=True)
    short_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["audit", "kind", "created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for audit {self.audit_id}"

    @property
    def held_short(self) -> bool:
        """Held for less than the framework asked when it was recorded."""
        return (self.outcome == self.Outcome.HELD and self.minutes_asked is not None
                and self.minutes is not None and self.minutes < self.minutes_asked)


class FeedbackReply(BaseModel):
    """The practitioner's or team manager's reply to the audit (the LP's reply, 003)."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="replies")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    comments = models.TextField()
    agrees = models.BooleanField(default=True)

    class Meta:
        ordering = ["audit", "created_at"]

    def __str__(self) -> str:
        return f"Reply by {self.person} to audit {self.audit_id}"


class Disagreement(BaseModel, WorkflowModel):
    """A disagreement with the audit's findings and how it was settled (001, 002)."""

    class Outcome(models.TextChoices):
        OPEN = "open", "Waiting to be settled"
        UPHELD = "upheld", "The audit's findings stand"
        CHANGED = "changed", "The findings were changed"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="disagreements")
    raised_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    settled_by_route = models.CharField(max_length=20, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OPEN)
    outcome_note = models.TextField(blank=True)
    settled_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    # Settled once: the findings stand or change. Each settling writes a status change with
    # who settled it and what was decided.
    workflow = Workflow(Outcome, noun="disagreement", field="outcome", allowed_from={
        Outcome.UPHELD: {Outcome.OPEN},
        Outcome.CHANGED: {Outcome.OPEN},
    }, groups={"open": {Outcome.OPEN}, "settled": {Outcome.UPHELD, Outcome.CHANGED}})

    def __str__(self) -> str:
        return f"Disagreement on audit {self.audit_id}"

    @property
    def is_open(self) -> bool:
        return self.status_in("open")

    @property
    def is_settled(self) -> bool:
        return self.status_in("settled")


class SectionGradeChange(BaseModel):
    """A section's grade changed after submit (a settled disagreement): the auditor's own
    grade stays in its answer; this row says what counts now, who changed it and why."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE,
                              related_name="section_grade_changes")
    disagreement = models.ForeignKey(Disagreement, on_delete=models.CASCADE, null=True,
                                     blank=True, related_name="section_grade_changes")
    section_key = models.CharField(max_length=60)
    before = models.CharField(max_length=40, blank=True)
    after = models.CharField(max_length=40)
    reason = models.TextField(blank=True)
    changed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["audit", "created_at", "id"]

    def __str__(self) -> str:
        return f"{self.section_key} grade on audit {self.audit_id}: {self.before} to {self.after}"


class EarlierPracticeFeedback(BaseModel):
    """Feedback to an earlier key worker and their manager where their practice on the case
    stands out (001 2.15). Kept here, not in the notice: notices carry no child's details."""

    class StandsOut(models.TextChoices):
        STRENGTHS = "strengths", "It shows particular strengths"
        CONCERN = "concern", "It highlights areas of concern"
        REQUIRES_IMPROVEMENT = "requires_improvement", "It highlights areas requiring improvement"

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE,
                              related_name="earlier_practice_feedback")
    practitioner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    sent_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    stands_out = models.CharField(max_length=24, choices=StandsOut.choices)
    message = models.TextField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Feedback to {self.practitioner} from audit {self.audit_id}"


class ActionEscalation(models.Model):
    """One step of the framework's overdue_action_escalation taken for one audit action:
    who was told that it is overdue, and when (001 2.21: "non-compliance to be escalated to
    Senior Management"; 002: the service manager, then the assistant director). Once per
    action per step, so a daily run never tells anyone twice."""

    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="escalations")
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE,
                              related_name="action_escalations")
    after_days = models.PositiveSmallIntegerField(
        help_text="The step: days after the action's due date.")
    due_on = models.DateField(help_text="The action's due date when it was escalated.")
    escalated_on = models.DateField(help_text="The day the daily run escalated it.")
    at = models.DateTimeField(auto_now_add=True)
    # The step's recipients in the framework's words, and who they meant on the day: the
    # framework may change later; the record of who was told must not.
    to = models.JSONField(default=list, blank=True)
    told = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["action", "after_days"]
        constraints = [
            models.UniqueConstraint(fields=["action", "after_days"],
                                    name="action_escalation_once_per_step"),
        ]
        indexes = [models.Index(fields=["escalated_on"])]

    def __str__(self) -> str:
        return f"Action {self.action_id} escalated {self.after_days} days after its due date"

    @property
    def told_nobody(self) -> bool:
        return not self.told

    @property
    def told_names(self) -> list[str]:
        return [str(t.get("name", "")) for t in self.told]


import auditloop.audits.tracker_export_models  # noqa: E402, F401 - large tracker exports
