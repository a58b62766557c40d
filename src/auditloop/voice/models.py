"""The voice app's models: the log of complaints and compliments (002) and the versioned
feedback question sets."""

from __future__ import annotations

from typing import Any

from django.db import models

from auditloop.common.models import BaseModel


class ComplaintCompliment(BaseModel):
    """A complaint or a compliment the council received (002: "findings from complaints and
    compliments are compiled into an annual report"), with what came of it and the learning.

    It may name a case in the register; who sees that link is the case's own rule."""

    class Kind(models.TextChoices):
        COMPLAINT = "complaint", "Complaint"
        COMPLIMENT = "compliment", "Compliment"

    class Source(models.TextChoices):
        # Our list, not the seed's: 002 names the log, not who it comes from.
        PARENT_OR_CARER = "parent_or_carer", "A parent or carer"
        CHILD = "child", "A child or young person"
        FAMILY_MEMBER = "family_member", "Another family member"
        PARTNER_AGENCY = "partner_agency", "A partner agency"
        STAFF = "staff", "A member of staff"
        OTHER = "other", "Someone else"

    class Decision(models.TextChoices):
        # The usual decisions on a complaint; our list, not the seed's.
        UPHELD = "upheld", "Upheld"
        PARTLY_UPHELD = "partly_upheld", "Partly upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"
        WITHDRAWN = "withdrawn", "Withdrawn"

    # Decided complaints count towards the share upheld; a withdrawn one was not decided.
    DECIDED = (Decision.UPHELD, Decision.PARTLY_UPHELD, Decision.NOT_UPHELD)
    UPHELD_IN_PART_OR_WHOLE = (Decision.UPHELD, Decision.PARTLY_UPHELD)

    kind = models.CharField(max_length=12, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    theme = models.CharField(max_length=200, blank=True)
    service = models.ForeignKey("people.Service", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("people.Team", null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    received_on = models.DateField()
    summary = models.TextField()
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    recorded_by = models.ForeignKey("people.Person", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    outcome = models.TextField(blank=True)
    learning = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey("people.Person", null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["received_on"]), models.Index(fields=["theme"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} received {self.received_on:%d %B %Y}"

    @property
    def has_outcome(self) -> bool:
        return self.outcome_recorded_at is not None

    @property
    def is_complaint(self) -> bool:
        return self.kind == self.Kind.COMPLAINT


class QuestionSetVersion(BaseModel):
    """One version of a feedback question set (voice/question_sets/*.yaml): answers keep
    the version they answered, as audits keep their tool's."""

    key = models.CharField(max_length=100)
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=200)
    seed = models.CharField(max_length=10, blank=True)
    audience = models.CharField(max_length=30)
    definition = models.JSONField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["name", "-version"]
        constraints = [models.UniqueConstraint(fields=["key", "version"],
                                               name="voice_question_set_version_unique")]

    def __str__(self) -> str:
        return f"{self.name}, version {self.version}"

    @property
    def audience_label(self) -> str:
        from auditloop.voice.questions import AUDIENCES

        return AUDIENCES.get(self.audience, self.audience)

    @property
    def questions(self) -> list[Any]:
        from auditloop.voice.questions import questions_of

        return questions_of(self.definition)

    @property
    def has_drafts(self) -> bool:
        return any(q["origin"] == "draft" for q in self.definition["questions"])


class FeedbackInvitation(BaseModel):
    """A one-time link for a family to give feedback after their case closed (000). Only a
    hash of the link's token is kept: the link itself exists only in what the family got."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    question_set = models.ForeignKey(QuestionSetVersion, on_delete=models.PROTECT,
                                     related_name="+")
    class Channel(models.TextChoices):
        LINK = "link", "A link, given by hand"
        EMAIL = "email", "E-mail"
        SMS = "sms", "Text message"
        LETTER = "letter", "Letter"

    token_hash = models.CharField(max_length=64, unique=True)
    # A letter's short code, typed at /voice/feedback/: a keyed hash of it, never the code.
    code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    expires_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey("people.Person", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Feedback invitation {self.pk}"


class FeedbackResponse(BaseModel):
    """A family's or child's answers to a question set, from their link or recorded by a
    worker with them."""

    class CompletedBy(models.TextChoices):
        FAMILY = "family", "The family, from their link"
        WORKER = "worker", "A worker, with the family"
        PHONE = "phone", "By phone, after a random selection"  # 000

    class Interpreter(models.TextChoices):
        NONE = "none", "No"
        INTERPRETER = "interpreter", "Yes, an interpreter"
        LANGUAGE_LINE = "language_line", "Yes, Language Line"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    question_set = models.ForeignKey(QuestionSetVersion, on_delete=models.PROTECT,
                                     related_name="+")
    invitation = models.OneToOneField(FeedbackInvitation, null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="response")
    completed_by = models.CharField(max_length=10, choices=CompletedBy.choices)
    answers = models.JSONField()
    interpreter = models.CharField(max_length=20, choices=Interpreter.choices)
    consent_to_quote = models.BooleanField(default=False)
    recorded_by = models.ForeignKey("people.Person", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Feedback {self.pk}"


class CallSelection(BaseModel):
    """000: "the Early Help Team randomly select families to capture their views": a random
    draw of closed cases to call, reproducible from its seed and the cases it could draw."""

    closed_from = models.DateField()
    closed_to = models.DateField()
    size = models.PositiveIntegerField()
    seed = models.BigIntegerField()
    eligible = models.PositiveIntegerField()
    case_ids = models.JSONField()
    drawn_by = models.ForeignKey("people.Person", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Calls to families, drawn {self.created_at:%d %B %Y}"


class ClosureFeedbackDue(BaseModel):
    """A case an import recorded as closed, waiting for its family to be invited to give
    feedback (000: "once an Early Help Assessment has been recorded as closed the family will
    be invited"). Nothing is sent by itself: the register holds no contact details, so the
    key worker invites the family, or records that they declined."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting for an invitation"
        INVITED = "invited", "Invited"
        DECLINED = "declined", "The family declined"

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    closed_on = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.WAITING)
    invitation = models.ForeignKey(FeedbackInvitation, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey("people.Person", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["closed_on", "id"]
        indexes = [models.Index(fields=["state", "closed_on"])]
        constraints = [models.UniqueConstraint(fields=["case", "closed_on"],
                                               name="voice_closure_due_once_per_closure")]

    def __str__(self) -> str:
        return f"Feedback due after the closure on {self.closed_on:%d %B %Y}"


class ClosureForm(BaseModel):
    """000's closure form: "at the end of the Early Help assessment the co-ordinator
    completes a closure form with the family", recorded against the case. The questions
    asked are kept with the answers (voice.closures holds the current ones)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    completed_on = models.DateField()
    definition = models.JSONField()
    answers = models.JSONField()
    interpreter = models.CharField(max_length=20, choices=FeedbackResponse.Interpreter.choices)
    recorded_by = models.ForeignKey("people.Person", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return f"Closure form completed {self.completed_on:%d %B %Y}"


import auditloop.voice.survey_models  # noqa: E402, F401 - staff surveys, the audit process
