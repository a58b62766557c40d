"""Practice alerts: what an IRO or CP Chair saw on a case they review or chair, the team
manager's answer, and each escalation step taken when the answer is late (002, 004)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from auditloop.actions.models import Action
from auditloop.cases.models import Case
from auditloop.common.models import BaseModel
from auditloop.common.workflow import Workflow, WorkflowModel
from auditloop.people.models import Person, Team


class PracticeAlert(BaseModel, WorkflowModel):
    """A formal practice alert (002: "the route of formal practice alerts"; 004: "management
    alerts when concerns are identified")."""

    class Status(models.TextChoices):
        RAISED = "raised", "Raised"
        ANSWERED = "answered", "Answered"
        RESOLVED = "resolved", "Resolved"

    class Theme(models.TextChoices):
        # The seeds name no categories of alert: these are our choice, from the areas 002
        # audits and 004's findings name; the raiser picks the nearest.
        PLANNING = "planning", "Plans and planning"
        DRIFT = "drift", "Drift and delay"
        RISK = "risk", "Response to risk"
        CHILD_SEEN = "child_seen", "Child seen and heard"
        OVERSIGHT = "oversight", "Management oversight and supervision"
        RECORDING = "recording", "Recording"
        MULTI_AGENCY = "multi_agency", "Multi-agency working"
        OTHER = "other", "Other"

    class Severity(models.TextChoices):
        ROUTINE = "routine", "Routine"
        SERIOUS = "serious", "Serious"
        URGENT = "urgent", "Urgent: the child may not be safe"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The case's team manager and team when the alert was raised: whose tray it reached.
    team_manager = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    seen = models.TextField(help_text="What the IRO or CP Chair saw.")
    theme = models.CharField(max_length=20, choices=Theme.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    response_wanted = models.TextField()
    respond_by = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RAISED)
    response = models.TextField(blank=True)
    answered_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    resolution = models.TextField(blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    workflow = Workflow(
        Status, noun="practice alert",
        allowed_from={Status.ANSWERED: [Status.RAISED],
                      Status.RESOLVED: [Status.ANSWERED]},
        groups={"open": [Status.RAISED, Status.ANSWERED], "waiting": [Status.RAISED]},
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "respond_by"]),
                   models.Index(fields=["team_manager", "status"]),
                   models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"Practice alert {self.pk}"

    @property
    def waiting_past_date(self) -> bool:
        """Still waiting for the team manager's answer after the date it was wanted by."""
        return self.status_in("waiting") and self.respond_by < timezone.localdate()


class PracticeAlertEscalation(BaseModel):
    """One escalation step taken for an alert not answered by its date: once per step."""

    alert = models.ForeignKey(PracticeAlert, on_delete=models.CASCADE,
                              related_name="escalations")
    step = models.PositiveSmallIntegerField()
    escalated_on = models.DateField()
    told = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+")

    class Meta:
        ordering = ["alert", "step"]
        constraints = [models.UniqueConstraint(fields=["alert", "step"],
                                               name="practice_alert_step_once")]


class TeamLink(BaseModel):
    """An IRO's or CP Chair's team link (002: "each IRO and CP Chair act as a liaison to an
    individual team or service area"): its own row, with who set it and when it ended."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["person", "-started_on", "-id"]
        constraints = [models.UniqueConstraint(
            fields=["person"], condition=models.Q(ended_on__isnull=True),
            name="practice_one_current_team_link")]
