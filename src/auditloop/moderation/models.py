"""Moderation (002: "a third of each month's audits will be moderated", plus every disputed
one): the sample of a cycle's audits and how it was drawn, who moderates each (assignment
rows), the moderator's blind grades and their decisions, the panel's meeting, and
calibration exercises (004 4.5: the quality of the audits themselves)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from auditloop.audits.models import Audit, Disagreement
from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Person
from auditloop.programme.models import Cycle
from auditloop.standards.models import ToolVersion

OVERALL = "__overall__"  # the section key of the overall grade's row (as audits.submission)


class ModerationSample(BaseModel):
    """A cycle's moderation sample. Draws are kept (ModerationDraw); the audits in it are
    rows (SampledAudit) that are removed, never deleted."""

    class Mode(models.TextChoices):
        MEETING = "meeting", "The panel meets to moderate the audits together"
        ONE_BY_ONE = "one_by_one", "Each moderator reviews their audits on their own"

    cycle = models.OneToOneField(Cycle, on_delete=models.PROTECT,
                                 related_name="moderation_sample")
    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.ONE_BY_ONE)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Moderation sample of cycle {self.cycle_id}"


class ModerationDraw(models.Model):
    """One draw of the sample: the seed, the eligible audits and the disputed ones as they
    were, so anyone can re-run it and get the same audits (programme.sampling.draw)."""

    sample = models.ForeignKey(ModerationSample, on_delete=models.CASCADE, related_name="draws")
    seed = models.BigIntegerField()
    method = models.CharField(max_length=20)
    share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    submitted_count = models.PositiveIntegerField()
    population = models.JSONField(default=list, help_text="Eligible audit ids, sorted.")
    random_count = models.PositiveIntegerField()
    chosen = models.JSONField(default=list, help_text="The audits drawn at random, in order.")
    disputed = models.JSONField(default=list, help_text="The disputed audits, always in.")
    reason = models.CharField(max_length=500, blank=True, help_text="Why it was drawn again.")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sample", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"Draw {self.pk} of moderation sample {self.sample_id}"


class SampledAudit(BaseModel, WorkflowModel):
    """An audit in the sample, why it is there, and its place on the panel's agenda."""

    class Source(models.TextChoices):
        RANDOM = "random", "Drawn at random"
        DISPUTED = "disputed", "Disputed"
        ADDED = "added", "Added by the QA manager"

    class Status(models.TextChoices):
        CURRENT = "current", "In the sample"
        REMOVED = "removed", "Taken out"

    sample = models.ForeignKey(ModerationSample, on_delete=models.CASCADE,
                               related_name="audits")
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="+")
    draw = models.ForeignKey(ModerationDraw, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.CURRENT)
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    removed_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_reason = models.CharField(max_length=500, blank=True)
    # The panel meeting's note on this audit.
    discussion = models.TextField(blank=True)
    discussed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sample", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sample", "audit"], condition=Q(status="current"),
                                    name="sampled_audit_once_while_current"),
        ]
        indexes = [models.Index(fields=["audit", "status"])]

    # An audit is taken out of the sample once, and never comes back as the same row: it is
    # added again as a new row.
    S = Status
    workflow = Workflow(Status, noun="audit in the sample", allowed_from={
        S.REMOVED: {S.CURRENT},
    }, groups={"current": {S.CURRENT}, "removed": {S.REMOVED}})

    def __str__(self) -> str:
        return f"Audit {self.audit_id} in moderation sample {self.sample_id}"

    @property
    def is_current(self) -> bool:
        return self.status_in("current")


class ModeratorAssignment(models.Model):
    """Who moderates a sampled audit: a row per assignment, ended (never overwritten) when
    the QA manager reassigns it or takes the audit out of the sample."""

    sampled = models.ForeignKey(SampledAudit, on_delete=models.CASCADE,
                                related_name="assignments")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    assigned_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=500, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["sampled", "assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sampled"], condition=Q(ended_at__isnull=True),
                                    name="one_current_moderator"),
        ]
        indexes = [models.Index(fields=["person", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.person} moderates sampled audit {self.sampled_id}"


class ModerationReview(BaseModel, WorkflowModel):
    """One moderator's review of one audit: blind grades first (locked once saved), then,
    beside the auditor's, agree or change for each section and the overall grade."""

    class Status(models.TextChoices):
        BLIND = "blind", "Grading blind"
        REVEALED = "revealed", "Comparing with the auditor's grades"
        COMPLETED = "completed", "Completed"
        ENDED = "ended", "Ended: reassigned or taken out of the sample"

    assignment = models.OneToOneField(ModeratorAssignment, on_delete=models.CASCADE,
                                      related_name="review")
    audit = models.ForeignKey(Audit, on_delete=models.PROTECT, related_name="+")
    moderator = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.BLIND)
    blind_saved_at = models.DateTimeField(null=True, blank=True)
    blind_overall_evidence = models.TextField(blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    overall_changed = models.BooleanField(default=False)
    # The disagreement this review settled (002: disputed audits are presented for
    # moderation), so the audit's own workflow moves on.
    settled = models.ForeignKey(Disagreement, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["moderator", "status"]),
            models.Index(fields=["status", "completed_at"]),
            models.Index(fields=["audit", "status"]),
        ]

    # Blind grades first, then the comparison, then complete; a review that is not complete
    # ends when its audit is reassigned or taken out of the sample.
    S = Status
    workflow = Workflow(Status, noun="moderation review", allowed_from={
        S.REVEALED: {S.BLIND},
        S.COMPLETED: {S.REVEALED},
        S.ENDED: {S.BLIND, S.REVEALED},
    }, groups={
        "blind": {S.BLIND},
        "comparing": {S.REVEALED},
        "in_progress": {S.BLIND, S.REVEALED},
        "completed": {S.COMPLETED},
    })
    TAG_COLOURS = {S.BLIND: "purple", S.REVEALED: "blue", S.COMPLETED: "green",
                   S.ENDED: "grey"}

    def __str__(self) -> str:
        return f"Review of audit {self.audit_id} by {self.moderator_id}"

    @property
    def is_blind(self) -> bool:
        return self.status_in("blind")

    @property
    def is_comparing(self) -> bool:
        """The moderator's own grades are saved and shown beside the auditor's."""
        return self.status_in("comparing")

    @property
    def is_in_progress(self) -> bool:
        return self.status_in("in_progress")

    @property
    def is_completed(self) -> bool:
        return self.status_in("completed")

    @property
    def tag_colour(self) -> str:
        return self.TAG_COLOURS[self.Status(self.status)]


class ModerationGrade(models.Model):
    """One graded section (or the overall grade, OVERALL) of a review: the moderator's blind
    grade, the auditor's grade as it was at the reveal, and the moderator's decision. Both
    grades are kept whatever the decision."""

    review = models.ForeignKey(ModerationReview, on_delete=models.CASCADE,
                               related_name="grades")
    section_key = models.CharField(max_length=60)
    section_title = models.CharField(max_length=300)
    position = models.PositiveSmallIntegerField(default=0)
    scale = models.CharField(max_length=60, help_text="The tool's scale the grades are on.")
    moderator_grade = models.CharField(max_length=40)
    auditor_grade = models.CharField(max_length=40, blank=True)
    # Places on the scale (0 = its best grade) and its number of grades, fixed when the
    # grades are compared, so the agreement figures need no tool definitions.
    levels = models.PositiveSmallIntegerField(default=0)
    moderator_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    auditor_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    agrees = models.BooleanField(null=True, help_text="Empty until the moderator decides.")
    moderated_grade = models.CharField(max_length=40, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "section_key"],
                                               name="moderation_grade_once")]

    def __str__(self) -> str:
        return f"{self.section_key} of review {self.review_id}"

    @property
    def is_overall(self) -> bool:
        return self.section_key == OVERALL


class ModerationMeeting(BaseModel):
    """The panel's meeting for a sample: who came, and its record with learning points."""

    sample = models.OneToOneField(ModerationSample, on_delete=models.CASCADE,
                                  related_name="meeting")
    held_on = models.DateField(null=True, blank=True)
    attendees = models.ManyToManyField(Person, blank=True, related_name="+")
    others_attending = models.CharField(
        max_length=500, blank=True,
        help_text="Anyone else who came, for example a manager whose knowledge was asked for.")
    record = models.TextField(blank=True)
    learning_points = models.TextField(blank=True)
    recorded_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")

    def __str__(self) -> str:
        return f"Moderation meeting of sample {self.sample_id}"


class CalibrationExercise(BaseModel, WorkflowModel):
    """Every auditor grades the same anonymised case, written as a vignette: never a real
    case record, so the exercise has no link to one."""

    class Status(models.TextChoices):
        OPEN = "open", "Open for grading"
        CLOSED = "closed", "Closed"

    title = models.CharField(max_length=200)
    tool_version = models.ForeignKey(ToolVersion, on_delete=models.PROTECT, related_name="+")
    vignette = models.TextField(help_text="The anonymised case, written as text.")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    # The panel's agreed grade per section key (and OVERALL), once it sets one.
    reference_grades = models.JSONField(default=dict, blank=True)
    reference_note = models.TextField(blank=True)
    reference_set_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+")
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]

    S = Status
    workflow = Workflow(Status, noun="calibration exercise", allowed_from={
        S.CLOSED: {S.OPEN},
    }, groups={"open": {S.OPEN}, "closed": {S.CLOSED}})

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        """Open for grading: participants may still submit their grades."""
        return self.status_in("open")


class CalibrationParticipant(models.Model):
    """One auditor taking part, and their grades once submitted (locked then)."""

    exercise = models.ForeignKey(CalibrationExercise, on_delete=models.CASCADE,
                                 related_name="participants")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    invited_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    invited_at = models.DateTimeField(auto_now_add=True)
    grades = models.JSONField(default=dict, blank=True, help_text="Section key -> grade.")
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["exercise", "id"]
        constraints = [models.UniqueConstraint(fields=["exercise", "person"],
                                               name="calibration_participant_once")]
        indexes = [models.Index(fields=["person", "submitted_at"])]

    def __str__(self) -> str:
        return f"{self.person} in {self.exercise_id}"


class AgreementVersion(models.Model):
    """One row whose token changes whenever what the agreement figures are worked out from
    changes: a review is completed, or a completed review is deleted (retention, the demo's
    reset). The figures are cached under the token (moderation.figures_cache), so every
    process sees a change at once and works them out again, once."""

    token = models.CharField(max_length=32)
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Agreement figures version {self.token}"
