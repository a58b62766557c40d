"""SMART actions: owner, due date, RAG status, sign-off by a named role with evidence.

Generic: an action knows nothing of audits or plans; they link to their actions.
"""

from __future__ import annotations

from django.db import models

from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Person
from auditloop.people.roles import Role


class Action(BaseModel, WorkflowModel):
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

    # 003's RAG: the owner moves between red and amber (sending it for sign-off makes it
    # amber); only a sign-off makes it green, and green is final.
    workflow = Workflow(Status, noun="action", allowed_from={
        Status.RED: {Status.RED, Status.AMBER},
        Status.AMBER: {Status.RED, Status.AMBER},
        Status.GREEN: {Status.AMBER},
    }, groups={"done": {Status.GREEN}, "open": {Status.RED, Status.AMBER}},
        history=lambda action, old, new, actor, reason, kind: ActionEvent.objects.create(
            action=action, actor=actor, kind=kind, note=reason, from_status=old,
            to_status=new))

    def __str__(self) -> str:
        return self.action[:80]

    RAG_COLOURS = {Status.RED: "red", Status.AMBER: "orange", Status.GREEN: "green"}

    @property
    def is_done(self) -> bool:
        return self.status_in("done")

    @property
    def rag_colour(self) -> str:
        return self.RAG_COLOURS[self.Status(self.status)]

    @property
    def awaiting_sign_off(self) -> bool:
        return self.completion_submitted_at is not None and not self.is_done

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


# ---------------------------------------------------------------- action plans and findings


class LearningSource(models.TextChoices):
    """Where a recommendation or a finding came from (004 6.1; 003 thematic audits)."""

    QA_MEETING = "qa_meeting", "QA meeting"
    THEMATIC_AUDIT = "thematic_audit", "Thematic audit"
    MODERATION = "moderation", "Moderation"
    REPORT = "report", "QA report"
    LEARNING_SESSION = "learning_session", "Learning session"
    OTHER = "other", "Other"


class ActionPlan(BaseModel, WorkflowModel):
    """A strategic lead's plan answering one recommendation (004 6.1): its own SMART
    actions, reviewed at the quarterly QA meeting by the strategic lead for QA."""

    Source = LearningSource

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    recommendation = models.TextField(help_text="The recommendation this plan answers.")
    source = models.CharField(max_length=20, choices=LearningSource.choices)
    source_label = models.CharField(
        max_length=200, help_text="For example: QA meeting, June 2026; thematic audit of "
        "neglect.")
    # Opaque to this app: the caller's own key ("cycle:12"), to find its plans again.
    source_key = models.CharField(max_length=100, blank=True, db_index=True)
    theme = models.CharField(max_length=120, blank=True, db_index=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    next_review_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closing_summary = models.TextField(blank=True)
    open_actions_reason = models.TextField(
        blank=True, help_text="Why the plan was closed with actions still open.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_review_on"])]
        constraints = [
            # One plan per recommendation title per source: a repeated POST or a retried
            # caller gets the first plan back instead of a second one.
            models.UniqueConstraint(
                fields=["source_key", "title"], condition=~models.Q(source_key=""),
                name="action_plan_once_per_source",
            )
        ]

    workflow = Workflow(Status, noun="action plan", allowed_from={
        Status.CLOSED: {Status.OPEN},
    }, groups={"open": {Status.OPEN}, "closed": {Status.CLOSED}},
        history=lambda plan, old, new, actor, reason: ActionPlanEvent.objects.create(
            plan=plan, actor=actor, kind=ActionPlanEvent.Kind.CLOSED, note=reason[:500]))

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status_in("open")

    @property
    def current_lead_row(self) -> ActionPlanLead | None:
        rows = [r for r in self.lead_rows.all() if r.ended_at is None]
        return rows[0] if rows else None

    @property
    def lead(self) -> Person | None:
        row = self.current_lead_row
        return row.person if row else None


class ActionPlanLead(models.Model):
    """Who leads a plan, and since when: a new row per change, never an overwrite."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="lead_rows")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="plan_lead_rows")
    assigned_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(ended_at__isnull=True),
                name="action_plan_one_current_lead",
            )
        ]
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person} leads plan {self.plan_id}"


class ActionPlanAction(models.Model):
    """A plan's own SMART action (the action itself knows nothing of plans)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="action_links")
    action = models.OneToOneField(Action, on_delete=models.CASCADE, related_name="plan_link")

    def __str__(self) -> str:
        return f"Action {self.action_id} of plan {self.plan_id}"


class ActionPlanReview(models.Model):
    """A progress review by the strategic lead for QA (004 6.1: quarterly)."""

    class Rag(models.TextChoices):
        RED = "red", "Red: not started or off track"
        AMBER = "amber", "Amber: in progress"
        GREEN = "green", "Green: achieved"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    rag = models.CharField(max_length=8, choices=Rag.choices)
    progress = models.TextField()
    changes = models.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["plan", "-reviewed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "reviewed_on"],
                                    name="action_plan_review_once_a_day")
        ]

    def __str__(self) -> str:
        return f"Review of plan {self.plan_id} on {self.reviewed_on}"


class ActionPlanEvent(models.Model):
    """The plan's history: who did what, when and why."""

    class Kind(models.TextChoices):
        CREATED = "created", "Plan made"
        LEAD_CHANGED = "lead_changed", "Lead changed"
        ACTION_ADDED = "action_added", "Action added"
        REVIEWED = "reviewed", "Reviewed"
        CLOSED = "closed", "Closed"

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["plan", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on plan {self.plan_id}"


class Finding(BaseModel):
    """Wider learning from QA activity (002): about practice, never about a child."""

    Source = LearningSource

    class Tag(models.TextChoices):
        # 002: learning feeds the People Strategy, the Training and Development Plan and
        # amendments to policy and procedure; 000/001: supervision.
        TRAINING_NEED = "training_need", "Training need"
        SERVICE_GAP = "service_gap", "Gap in service provision"
        POLICY = "policy", "Policy or procedure issue"
        SUPERVISION = "supervision", "Supervision issue"

    # The lists' headings: one page per kind of finding.
    TAG_LISTS = {
        "training_need": "Training needs",
        "service_gap": "Gaps in service provision",
        "policy": "Policy or procedure issues",
        "supervision": "Supervision issues",
    }

    text = models.TextField()
    source = models.CharField(max_length=20, choices=LearningSource.choices)
    source_label = models.CharField(max_length=200)
    source_key = models.CharField(max_length=100, blank=True, db_index=True)
    theme = models.CharField(max_length=120, blank=True, db_index=True)
    plan = models.ForeignKey(ActionPlan, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="findings")
    created_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # sha256 of the text: the same finding from the same source is recorded once.
    text_digest = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_key", "text_digest"], condition=~models.Q(source_key=""),
                name="finding_once_per_source",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def tag_values(self) -> list[str]:
        return sorted(r.tag for r in self.tag_rows.all())

    @property
    def tag_labels(self) -> list[str]:
        return [Finding.Tag(t).label for t in self.tag_values]


class FindingTag(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="tag_rows")
    tag = models.CharField(max_length=20, choices=Finding.Tag.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["finding", "tag"], name="finding_tag_once")
        ]
        indexes = [models.Index(fields=["tag", "finding"])]

    def __str__(self) -> str:
        return f"{self.finding_id}: {self.tag}"
