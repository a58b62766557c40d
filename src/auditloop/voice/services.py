"""Writes of the voice app: recording complaints and compliments and their outcome; loading
the feedback question sets."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from auditloop.cases.models import Case
from auditloop.common.errors import DomainError
from auditloop.people.models import Person, Service, Team
from auditloop.voice import questions
from auditloop.voice.models import (
    CallSelection,
    ComplaintCompliment,
    FeedbackInvitation,
    FeedbackResponse,
    QuestionSetVersion,
)


@transaction.atomic
def complaint_compliment_record(
    *, actor: Person | None, kind: str, source: str, received_on: dt.date, summary: str,
    theme: str = "", service: Service | None = None, team: Team | None = None,
    case: Case | None = None,
) -> ComplaintCompliment:
    """Log a complaint or compliment as it is received."""
    if kind not in ComplaintCompliment.Kind.values:
        raise DomainError("Choose whether it is a complaint or a compliment.", field="kind")
    if source not in ComplaintCompliment.Source.values:
        raise DomainError("Choose who it came from.", field="source")
    if received_on > timezone.localdate():
        raise DomainError("The date received must be today or in the past.",
                          field="received_on")
    if not summary.strip():
        raise DomainError("Write what it says.", field="summary")
    if team is not None and service is None:
        service = team.service
    if team is not None and service is not None and team.service_id != service.pk:
        raise DomainError(f"{team.name} is not in {service.name}: choose its service or "
                          "leave the service empty.", field="team")
    return ComplaintCompliment.objects.create(
        kind=kind, source=source, received_on=received_on, summary=summary.strip(),
        theme=theme.strip()[:200], service=service, team=team, case=case, recorded_by=actor)


@transaction.atomic
def complaint_compliment_outcome(
    *, entry: ComplaintCompliment, actor: Person | None, outcome: str, learning: str,
    decision: str = "",
) -> ComplaintCompliment:
    """Record (or correct) what came of it and what the service learnt; a complaint also
    its decision (upheld, partly upheld, not upheld or withdrawn)."""
    entry = ComplaintCompliment.objects.select_for_update().get(pk=entry.pk)
    if entry.is_complaint and decision not in ComplaintCompliment.Decision.values:
        raise DomainError("Choose the decision on the complaint.", field="decision")
    if not entry.is_complaint and decision:
        raise DomainError("A compliment has no decision.", field="decision")
    if not outcome.strip():
        raise DomainError("Write the outcome.", field="outcome")
    entry.decision = decision
    entry.outcome = outcome.strip()
    entry.learning = learning.strip()
    entry.outcome_recorded_at = timezone.now()
    entry.outcome_recorded_by = actor
    entry.save(update_fields=["decision", "outcome", "learning", "outcome_recorded_at",
                              "outcome_recorded_by", "updated_at"])
    return entry


@transaction.atomic
def question_sets_load() -> list[QuestionSetVersion]:
    """Each question set file whose text changed becomes the set's next version; an
    unchanged file makes nothing. Runs after every migrate. Returns the versions made."""
    made = []
    for path in questions.preset_files():
        text = path.read_text(encoding="utf-8")
        digest = questions.file_sha(text)
        definition = questions.parse(text, source=path.name)
        latest = (QuestionSetVersion.objects.select_for_update()
                  .filter(key=definition["key"]).order_by("-version").first())
        if latest is not None and latest.sha256 == digest:
            continue
        made.append(QuestionSetVersion.objects.create(
            key=definition["key"], version=(latest.version + 1) if latest else 1,
            name=definition["name"], seed=definition["seed"], audience=definition["audience"],
            definition=definition, sha256=digest))
    return made


def link_days() -> int:
    """How long a family's link (and a letter's short code) works: the framework's
    feedback_link_days (28 unless the council changes it: long enough for a letter to
    arrive and be answered)."""
    from auditloop.standards.selectors import framework_settings_row

    return framework_settings_row().feedback_link_days


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@transaction.atomic
def feedback_invitation_create(
    *, case: Case, question_set: QuestionSetVersion, actor: Person | None,
    channel: str = FeedbackInvitation.Channel.LINK,
) -> tuple[FeedbackInvitation, str]:
    """A one-time link for the family of a closed case: the token is returned once, to be
    given to the family, and only its hash is kept."""
    if case.status != Case.Status.CLOSED:
        raise DomainError("Families are invited when their case has closed.")
    token = secrets.token_urlsafe(32)
    invitation = FeedbackInvitation.objects.create(
        case=case, question_set=question_set, token_hash=token_hash(token),
        expires_at=timezone.now() + dt.timedelta(days=link_days()), created_by=actor,
        channel=channel)
    return invitation, token


def invitation_for_token(token: str) -> FeedbackInvitation | None:
    """The invitation this token opens, or None when there is none, it was used or it
    expired: the family's page says the same in each case."""
    if not token or len(token) > 100:
        return None
    invitation = (FeedbackInvitation.objects.select_related("question_set")
                  .filter(token_hash=token_hash(token)).first())
    if invitation is None or invitation.answered_at is not None \
            or invitation.expires_at <= timezone.now():
        return None
    return invitation


@transaction.atomic
def feedback_record(
    *, case: Case, question_set: QuestionSetVersion, answers: dict[str, Any],
    interpreter: str, consent_to_quote: bool, actor: Person | None,
    invitation: FeedbackInvitation | None = None, by_phone: bool = False,
) -> FeedbackResponse:
    """Record the answers: from the family's link (which then works no more) or by a worker
    with the family."""
    if invitation is not None:
        invitation = FeedbackInvitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.answered_at is not None or invitation.expires_at <= timezone.now():
            raise DomainError("This link has expired or has already been used.")
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["answered_at", "updated_at"])
    if interpreter not in FeedbackResponse.Interpreter.values:
        raise DomainError("Say whether an interpreter or Language Line was used.",
                          field="interpreter")
    for q in question_set.questions:
        if q.required and answers.get(q.key) in (None, ""):
            raise DomainError("Answer this question.", field=q.key)
    return FeedbackResponse.objects.create(
        case=case, question_set=question_set, invitation=invitation,
        completed_by=(FeedbackResponse.CompletedBy.FAMILY if invitation is not None
                      else FeedbackResponse.CompletedBy.PHONE if by_phone
                      else FeedbackResponse.CompletedBy.WORKER),
        answers={q.key: answers.get(q.key) for q in question_set.questions},
        interpreter=interpreter, consent_to_quote=consent_to_quote,
        recorded_by=None if invitation is not None else actor)


def feedback_link(token: str) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.SERVICE_BASE_URL.rstrip("/") + reverse("voice:feedback", args=[token])


@transaction.atomic
def feedback_invitation_email(
    *, case: Case, question_set: QuestionSetVersion, actor: Person | None, email: str,
) -> FeedbackInvitation:
    """Send the family their one-time link by e-mail (GOV.UK Notify or the council's mail,
    as notices are sent). The address is used for this one message and kept nowhere: not on
    a row, not in a queued task (the message goes now, inside the transaction, so a failure
    makes no invitation)."""
    from auditloop.notifications.email import backend

    invitation, token = feedback_invitation_create(case=case, question_set=question_set,
                                                   actor=actor,
                                                   channel=FeedbackInvitation.Channel.EMAIL)
    try:
        backend().send(
            to=email.strip(), subject="Tell us what you thought of our help",
            body=("Your family's work with children's services has ended. We would like to "
                  "know what you thought of the help you had. The link works once, needs no "
                  "account and takes about 5 minutes."),
            link=feedback_link(token), reference=f"feedback-{invitation.pk}")
    except Exception as exc:  # noqa: BLE001 - any failure of the mail service
        raise DomainError("The e-mail could not be sent. Check the address, or make a link "
                          "to print in a letter.", field="email") from exc
    return invitation


@transaction.atomic
def call_selection_draw(
    *, eligible: list[Case], closed_from: dt.date, closed_to: dt.date, size: int,
    actor: Person | None, seed: int | None = None,
) -> CallSelection:
    """Draw `size` of the eligible closed cases at random to call (000). The seed is kept, so
    the same seed and the same eligible cases draw the same families again."""
    if closed_from > closed_to:
        raise DomainError("The first day must be on or before the last.", field="closed_from")
    if size < 1:
        raise DomainError("Draw at least one family.", field="size")
    seed = seed if seed is not None else secrets.randbelow(2**31)
    ordered = sorted(c.pk for c in eligible)
    chosen = sorted(random.Random(seed).sample(ordered, min(size, len(ordered))))
    return CallSelection.objects.create(
        closed_from=closed_from, closed_to=closed_to, size=size, seed=seed,
        eligible=len(ordered), case_ids=chosen, drawn_by=actor)
