"""Reports as records: a draft the QA manager writes on, approved and published through the
framework's route, frozen once published, reissued with a reason.

A `Report` is one report of one kind for one period and area. Its figures and files live in
`ReportVersion` rows: number 0 is the working draft (made again when the QA manager asks);
each publication adds a numbered version whose document (figures, charts, narrative) never
changes afterwards, whatever audits are added later. Files (PDF, Word, XLSX) are made by the
background worker and stored on the version, so a download never rebuilds them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from auditloop.common.models import BaseModel, MadeByTheWorker
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Locality, Person, Service, Team
from auditloop.programme.models import Cycle


class Report(BaseModel, WorkflowModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
        PUBLISHED = "published", "Published"
        REISSUED = "reissued", "Reissued"

    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    period_key = models.CharField(max_length=40)
    period_start = models.DateField()
    period_end = models.DateField()
    service = models.ForeignKey(Service, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    tool_key = models.CharField(max_length=60, blank=True)
    theme = models.CharField(max_length=200, blank=True)
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="reports")
    # The area as one value (ids and keys), so one report per kind, period and area.
    area_key = models.CharField(max_length=400, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    commentary = models.TextField(blank=True)
    recommendations = models.TextField(blank=True, help_text="One recommendation a line.")
    # From the framework's `reports` setting when the report was made: who approves it
    # (a role; empty: the QA team publishes it) and who it goes to.
    approver_role = models.CharField(max_length=40, blank=True)
    audiences = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    approved_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    # Bumped on every edit of the narrative: a stale form cannot overwrite a newer one.
    revision = models.PositiveIntegerField(default=1)

    S = Status
    workflow = Workflow(Status, noun="report", allowed_from={
        S.AWAITING_APPROVAL: {S.DRAFT},
        # Returned to its writer, or opened again after publication to be reissued.
        S.DRAFT: {S.AWAITING_APPROVAL, S.PUBLISHED, S.REISSUED},
        # Published once; every later publication is a reissue.
        S.PUBLISHED: {S.DRAFT, S.AWAITING_APPROVAL},
        S.REISSUED: {S.DRAFT, S.AWAITING_APPROVAL},
    }, groups={
        "editable": {S.DRAFT},
        "awaiting_approval": {S.AWAITING_APPROVAL},
        "published": {S.PUBLISHED, S.REISSUED},
        "unpublished": {S.DRAFT, S.AWAITING_APPROVAL},
    })
    TAG_COLOURS: dict[str, str] = {S.DRAFT: "grey", S.AWAITING_APPROVAL: "yellow",
                                   S.PUBLISHED: "green", S.REISSUED: "turquoise"}

    class Meta:
        ordering = ["-period_end", "-created_at"]
        constraints = [
            # One report of a kind for a period and area: a second "make" opens the first.
            models.UniqueConstraint(fields=["kind", "period_key", "area_key"],
                                    name="report_once_per_period_and_area"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.period_key})"

    @property
    def tag_colour(self) -> str:
        return self.TAG_COLOURS.get(self.status, "grey")

    @property
    def period_label(self) -> str:
        """The period in words: "March 2026", "January to March 2026"."""
        from auditloop.insight.services import period_of

        return period_of(self).label

    def recommendation_lines(self) -> list[str]:
        return [line.strip() for line in self.recommendations.splitlines() if line.strip()]

    @property
    def source_key(self) -> str:
        """The key plans made from this report carry (actions.ActionPlan.source_key)."""
        return f"report:{self.pk}"


class ReportVersion(MadeByTheWorker, BaseModel):
    """A report's figures and files: number 0 the working draft, 1 and up what was
    published, frozen."""

    class State(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready"
        FAILED = "failed", "Could not be made"

    worker_task = "auditloop.insight.tasks.make_report"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(default=0)
    document = models.JSONField(null=True, blank=True)  # insight.document.Document, whole
    state = models.CharField(max_length=12, choices=State.choices, default=State.QUEUED)
    done = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    made_at = models.DateTimeField(null=True, blank=True)
    # The figures are worked out again (a draft's "make the figures again"), or only the
    # files (a narrative edit, a publication: the figures stay as they were).
    refresh_figures = models.BooleanField(default=True)
    pdf = models.BinaryField(null=True, blank=True)
    docx = models.BinaryField(null=True, blank=True)
    xlsx = models.BinaryField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    reason = models.TextField(blank=True, help_text="Why it was reissued.")

    class Meta:
        ordering = ["report", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="report_version_once"),
            models.CheckConstraint(condition=Q(number=0) | Q(published_at__isnull=False),
                                   name="report_version_published_has_a_date"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of report {self.report_id}"

    @property
    def percent_done(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


class ReportExcerpt(BaseModel):
    """A short quote from an auditor's written evidence, chosen by the QA manager for one
    report: a strength or an area for development. The words are kept as chosen (the
    audit may be edited later); the name scan runs before publication."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="excerpts")
    audit_id = models.PositiveIntegerField()
    section = models.CharField(max_length=200)
    theme = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    strength = models.BooleanField(default=True)
    chosen_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["report", "-strength", "section", "pk"]

    def __str__(self) -> str:
        return f"Quote from audit {self.audit_id} in report {self.report_id}"


class ReportDistribution(BaseModel):
    """Who a published version went to: a role's people by notice, or a named group (a
    contact from the settings) that the QA manager sends the PDF to."""

    version = models.ForeignKey(ReportVersion, on_delete=models.CASCADE,
                                related_name="distribution")
    audience = models.CharField(max_length=80)  # a role or contact:<key>, as in the settings
    label = models.CharField(max_length=200)
    people_told = models.PositiveIntegerField(default=0)
    mailbox = models.CharField(max_length=254, blank=True)

    class Meta:
        ordering = ["version", "pk"]

    def __str__(self) -> str:
        return f"{self.label} for {self.version}"
