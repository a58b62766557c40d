"""Practice alerts: what an IRO or CP Chair saw on a case they review or chair, the team
manager's answer, and each escalation step taken when the answer is late (002, 004)."""

from __future__ import annotations

import datetime as dt
from typing import Any

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


# --- Observations of practice (002: "Observations of practice", "Practice Week") ---------


class ObservationToolVersion(BaseModel):
    """One version of an observation tool (practice/observation_tools/*.yaml): a recorded
    observation keeps the version it was recorded with, as audits keep their tool's."""

    key = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    seed = models.CharField(max_length=10, blank=True)
    definition = models.JSONField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"],
                                               name="practice_observation_tool_version")]

    def __str__(self) -> str:
        return f"{self.name}, version {self.version}"

    @property
    def kinds(self) -> list[str]:
        return list(self.definition.get("kinds") or [])

    @property
    def questions(self) -> list[Any]:
        from auditloop.practice.observation_tool_files import questions_of

        return questions_of(self.definition)

    @property
    def from_seed(self) -> bool:
        return self.definition.get("source") == "seed"


class AsyeYear(BaseModel):
    """A newly qualified social worker's Assessed and Supported Year in Employment (002:
    "observed by their Team Manager or nominated Practice Assessor lead in line with
    National and Local ASYE policy"): while it runs they are on the ASYE schedule."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    assessor = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+",
                                 help_text="The nominated practice assessor, if not the "
                                           "team manager.")
    starts_on = models.DateField()
    ends_on = models.DateField()

    class Meta:
        ordering = ["-starts_on", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(ends_on__gt=models.F("starts_on")),
            name="practice_asye_ends_after_start",
            violation_error_message="The ASYE year must end after it starts.")]

    def __str__(self) -> str:
        return f"ASYE year {self.pk}"


class Observation(BaseModel, WorkflowModel):
    """An observation of practice (002): planned with a date, an observer and the person
    observed; recorded with the tool's answers, strengths, areas to develop and the feedback
    given; read and answered by the person observed."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    class Kind(models.TextChoices):
        # 002 names direct work with a child, young person or family member, supervision,
        # a peer observation or reflection (for Social Work England registration) and, for
        # Practice Week, "direct observations of practice and teamwork".
        DIRECT_WORK = "direct_work", "Direct work with a child, young person or family"
        SUPERVISION = "supervision", "Supervision"
        TEAM_MEETING = "team_meeting", "Team meeting or teamwork"
        PEER = "peer", "Peer observation or reflection (registration)"
        MEETING = "meeting", "Meeting with the family or partners (for example a TAF or core group)"

    class Purpose(models.TextChoices):
        SCHEDULE = "schedule", "Twice-yearly observation"
        ASYE = "asye", "ASYE observation"
        REGISTRATION = "registration", "Peer observation for registration"
        ACTION = "action", "Agreed as an action (audit, supervision or PDR)"
        PRACTICE_WEEK = "practice_week", "Practice Week"

    observed = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    observer = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # The observed person's team when planned: the summaries count by it.
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    purpose = models.CharField(max_length=20, choices=Purpose.choices,
                               default=Purpose.SCHEDULE)
    planned_for = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    action = models.ForeignKey(Action, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    planned_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    # Recorded by the observer.
    observed_on = models.DateField(null=True, blank=True)
    tool = models.ForeignKey(ObservationToolVersion, on_delete=models.PROTECT, null=True,
                             blank=True, related_name="+")
    answers = models.JSONField(default=dict, blank=True)
    themes = models.JSONField(default=list, blank=True)
    strengths = models.TextField(blank=True)
    areas_to_develop = models.TextField(blank=True)
    feedback_given = models.TextField(blank=True)
    recorded_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.TextField(blank=True)
    # The person observed answers.
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    workflow = Workflow(
        Status, noun="observation",
        allowed_from={Status.DONE: [Status.PLANNED], Status.CANCELLED: [Status.PLANNED]},
        groups={"open": [Status.PLANNED], "finished": [Status.DONE, Status.CANCELLED]},
    )

    class Meta:
        ordering = ["-planned_for", "-id"]
        indexes = [models.Index(fields=["status", "planned_for"]),
                   models.Index(fields=["observed", "status"]),
                   models.Index(fields=["observer", "status"])]
        constraints = [models.CheckConstraint(
            condition=~models.Q(observer=models.F("observed")),
            name="practice_observation_not_self",
            violation_error_message="Someone else observes the practice.")]

    def __str__(self) -> str:
        return f"Observation {self.pk}"

    @property
    def when(self) -> dt.date:
        """The day it was done, or the day it is planned for."""
        return self.observed_on or self.planned_for


# The multi-agency contribution to conferences and reviews (002), in its own module.
from auditloop.practice.meetings import MultiAgencyMeeting  # noqa: E402, F401
