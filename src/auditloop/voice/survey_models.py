"""Staff surveys (002: "feedback will be gathered through the annual survey from our teams
and managers") and feedback on the audit process (002: "feedback on the audit process to be
obtained"), imported by voice/models.py.

Anonymity is kept by the tables' shape, not by a promise: an anonymous answer row holds no
person, no user, no audit and no time; who has answered is kept apart, as (survey, person)
or (audit, person) only, to stop a second answer, with nothing leading from it to the
answer. Answer rows have random keys and are placed in a random order
(voice.surveys._place_at_random), so neither their keys nor their order match the order
people answered in."""

from __future__ import annotations

import uuid

from django.db import models

from auditloop.common.models import BaseModel


class Survey(BaseModel):
    """A staff survey the QA team opens: the annual survey or a pulse survey, with its
    question set, dates, whether it is anonymous and who is invited."""

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual staff survey"
        PULSE = "pulse", "Pulse survey"

    class Invites(models.TextChoices):
        ALL_STAFF = "all", "All staff"
        SERVICE = "service", "A service"
        TEAMS = "teams", "Teams"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    question_set = models.ForeignKey("voice.QuestionSetVersion", on_delete=models.PROTECT,
                                     related_name="+")
    opens_on = models.DateField()
    closes_on = models.DateField()
    anonymous = models.BooleanField(default=True)
    invites = models.CharField(max_length=10, choices=Invites.choices)
    service = models.ForeignKey("people.Service", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="+")
    teams = models.ManyToManyField("people.Team", blank=True, related_name="+")
    # How many were invited when it opened: the share who answered is of these.
    invited_count = models.PositiveIntegerField(default=0)
    opened_by = models.ForeignKey("people.Person", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-opens_on", "-id"]

    def __str__(self) -> str:
        return self.name


class SurveyResponse(models.Model):
    """One person's answers to a survey. No person, no user and no time: the groups the
    results show (team, service and a broad role) are all it keeps of who answered. A named
    (not anonymous) survey's answers are tied to the person from their participation row."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    question_set = models.ForeignKey("voice.QuestionSetVersion", on_delete=models.PROTECT,
                                     related_name="+")
    answers = models.JSONField()
    team = models.ForeignKey("people.Team", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    service = models.ForeignKey("people.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    role_group = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"Answers to survey {self.survey_id}"


class SurveyParticipation(models.Model):
    """That a person has answered a survey: only to stop a second answer. Nothing here leads
    to the answers of an anonymous survey; a named survey's row names its answers."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    response = models.OneToOneField(SurveyResponse, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"],
                                               name="voice_survey_answered_once")]

    def __str__(self) -> str:
        return f"Answered survey {self.survey_id}"


class AuditProcessResponse(models.Model):
    """Answers about the audit process from the practitioner audited or an auditor (002). No
    person, no audit and no day: only which side answered, the month and the case's
    service."""

    class Side(models.TextChoices):
        AUDITED = "audited", "Practitioners audited"
        AUDITOR = "auditor", "Auditors"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    question_set = models.ForeignKey("voice.QuestionSetVersion", on_delete=models.PROTECT,
                                     related_name="+")
    answers = models.JSONField()
    side = models.CharField(max_length=10, choices=Side.choices)
    month = models.DateField()  # the first day of the month it was answered in
    service = models.ForeignKey("people.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"Audit process feedback, {self.month:%B %Y}"


class AuditProcessParticipation(models.Model):
    """That a person has given feedback on one audit: only to stop a second answer."""

    audit = models.ForeignKey("audits.Audit", on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["audit", "person"],
                                               name="voice_audit_process_answered_once")]

    def __str__(self) -> str:
        return f"Feedback on audit {self.audit_id}"
