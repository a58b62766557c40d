"""The multi-agency contribution to a child protection conference or a looked-after review
(002: the Safeguarding Unit's monthly report "will also include information on multi-agency
contribution to the meetings and planning involving our Cared For Children and those
subject to Child Protection planning"), recorded by the IRO or CP Chair who chaired it.

Imported at the bottom of practice.models, so Django finds the model there.
"""

from __future__ import annotations

from django.db import models

from auditloop.cases.models import Case
from auditloop.common.models import BaseModel
from auditloop.people.models import Person


class MultiAgencyMeeting(BaseModel):
    """One conference or review: which agencies were invited, which attended and which sent
    a report. The agencies are kept as lists of the keys below."""

    class Kind(models.TextChoices):
        CP_INITIAL = "cp_initial", "Initial child protection conference"
        CP_REVIEW = "cp_review", "Review child protection conference"
        LOOKED_AFTER_REVIEW = "looked_after_review", "Looked-after review"

    class Agency(models.TextChoices):
        # The seeds name no list of agencies: ours, from those a conference or review
        # usually invites (Working Together to Safeguard Children); "other" for the rest.
        POLICE = "police", "Police"
        GP = "gp", "GP"
        HEALTH_VISITING = "health_visiting", "Health visiting or school nursing"
        HEALTH_OTHER = "health_other", "Other health services (hospital, mental health)"
        EDUCATION = "education", "School, college or early years setting"
        PROBATION = "probation", "Probation"
        HOUSING = "housing", "Housing"
        YOUTH_JUSTICE = "youth_justice", "Youth justice"
        SUBSTANCE_MISUSE = "substance_misuse", "Drug and alcohol services"
        DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse services"
        OTHER = "other", "Another agency"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    held_on = models.DateField()
    chaired_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    invited = models.JSONField(default=list)
    attended = models.JSONField(default=list)
    sent_report = models.JSONField(default=list)

    class Meta:
        ordering = ["-held_on", "-id"]
        indexes = [models.Index(fields=["held_on"]),
                   models.Index(fields=["chaired_by", "held_on"])]
        constraints = [models.UniqueConstraint(fields=["case", "kind", "held_on"],
                                               name="practice_meeting_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} held {self.held_on:%-d %B %Y}"

    @classmethod
    def agency_label(cls, key: str) -> str:
        return str(dict(cls.Agency.choices).get(key, key))
