"""Families' feedback when a case closes (000): "once an Early Help Assessment has been
recorded as closed the family will be invited to complete an Early Help Service User Feedback
form", and the closure form the coordinator completes with the family.

- An import that records a closure puts the case on the list of closed cases waiting for a
  feedback invitation (the register's `register_imported` signal: the register imports
  nothing of voice). Nothing is sent by itself: the register holds no contact details, so
  the key worker (or their team manager) invites the family by e-mail, text message or
  letter, or records that the family declined.
- A text message goes through GOV.UK Notify: the mobile number is used for that one message
  and kept nowhere, not on a row, not in a task, not in a log line.
- A letter carries the link and a short code the family can type at /voice/feedback/ instead:
  10 characters from an alphabet without look-alike characters (about 47 bits), kept only as
  a keyed hash, used once, expiring with the link; wrong guesses are counted for each address
  and refused past a few.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from auditloop.cases.models import Case, Involvement
from auditloop.common.attention import AttentionItem, AttentionPanel
from auditloop.common.errors import DomainError
from auditloop.people.models import Person
from auditloop.voice import questions
from auditloop.voice.models import (
    ClosureFeedbackDue,
    ClosureForm,
    FeedbackInvitation,
    FeedbackResponse,
    QuestionSetVersion,
)

D = ClosureFeedbackDue.State
HOLDER_ROLES = (Involvement.Role.KEY_WORKER, Involvement.Role.TEAM_MANAGER)
CASES_PER_QUERY = 500

# --- The short code on a letter -------------------------------------------------------------

# No 0/O, 1/I/L, 5/S or 8/B: a code read off paper and typed in is typed right.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXYZ234679"
CODE_LENGTH = 10  # 27**10: about 47 bits, with wrong guesses limited (below)
# Wrong codes from one address before it must wait; the sign-in pages lock after a handful
# of wrong passwords for a quarter of an hour too (settings.LOGIN_LOCKOUT_*).
WRONG_CODES_ALLOWED = 5
WRONG_CODES_WINDOW_SECONDS = 15 * 60


def code_make() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_shown(code: str) -> str:
    """The code as printed: two groups of five, easier to read out and type."""
    return f"{code[:5]}-{code[5:]}"


def code_normalise(typed: str) -> str:
    """What the family typed, as the code: upper case, without spaces or dashes."""
    return re.sub(r"[\s\-]", "", typed or "").upper()


def code_hash(code: str) -> str:
    """A keyed hash (the service's secret key): the stored hashes alone cannot be tried
    against every possible code."""
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), code.encode("utf-8"),
                    hashlib.sha256).hexdigest()


def _client_address(request: HttpRequest) -> str:
    from allauth.account.adapter import get_adapter

    # The address the sign-in pages' limits count by (behind the council's proxies too).
    address = get_adapter().get_client_ip(request) or "unknown"
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


def _wrong_key(request: HttpRequest) -> str:
    return f"voice-wrong-code:{_client_address(request)}"


def code_guesses_left(request: HttpRequest) -> int:
    return max(0, WRONG_CODES_ALLOWED - int(cache.get(_wrong_key(request), 0)))


def invitation_for_code(request: HttpRequest, typed: str) -> FeedbackInvitation | None:
    """The invitation a letter's short code opens, or None (no such code, used, expired, or
    too many wrong codes from this address: the caller checks code_guesses_left first). A
    wrong code counts against the address."""
    code = code_normalise(typed)
    invitation = None
    if len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET):
        invitation = (FeedbackInvitation.objects.select_related("question_set", "case")
                      .filter(code_hash=code_hash(code)).first())
    if invitation is None or invitation.answered_at is not None \
            or invitation.expires_at <= timezone.now():
        key = _wrong_key(request)
        if not cache.add(key, 1, WRONG_CODES_WINDOW_SECONDS):
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.add(key, 1, WRONG_CODES_WINDOW_SECONDS)
        return None
    return invitation


# --- Closed cases waiting for an invitation -------------------------------------------------


@transaction.atomic
def closures_scan(*, case_ids: Collection[int]) -> int:
    """Each of these cases that is closed, with a closing date, joins the list of closed cases
    waiting for a feedback invitation, once for each closure: a case closed again after
    reopening waits again. A family already invited, or whose feedback was recorded, since
    the closure is not asked again. Returns how many joined."""
    ids = sorted(case_ids)
    made = 0
    for start in range(0, len(ids), CASES_PER_QUERY):
        chunk = ids[start:start + CASES_PER_QUERY]
        closed: dict[int, dt.date] = {
            pk: day for pk, day in Case.objects.filter(
                pk__in=chunk, status=Case.Status.CLOSED, closed_on__isnull=False,
            ).values_list("pk", "closed_on") if day is not None}
        if not closed:
            continue
        known = set(ClosureFeedbackDue.objects.filter(case_id__in=closed)
                    .values_list("case_id", "closed_on"))
        asked: dict[int, dt.date] = {}
        for model in (FeedbackInvitation, FeedbackResponse):
            for case_id, created in model.objects.filter(case_id__in=closed).values_list(
                    "case_id", "created_at"):
                day = timezone.localdate(created)
                asked[case_id] = max(asked.get(case_id, day), day)
        rows = [ClosureFeedbackDue(case_id=pk, closed_on=day) for pk, day in closed.items()
                if (pk, day) not in known and not (pk in asked and asked[pk] >= day)]
        ClosureFeedbackDue.objects.bulk_create(rows, ignore_conflicts=True)
        made += len(rows)
    return made


def closures_imported(sender: Any, *, job_id: int, case_ids: Collection[int],
                      **kwargs: Any) -> None:
    """Receiver of cases.signals.register_imported: an import finished, and the cases it
    closed wait for their family's invitation."""
    closures_scan(case_ids=case_ids)


def _held_at_closure(person: Person | None = None) -> QuerySet[Involvement]:
    """The key worker and team manager involvements of a due's case that were open on the
    day it closed (the register ends them on that day and empties Case.key_worker and
    team_manager), for Exists and Subquery against a ClosureFeedbackDue."""
    rows = Involvement.objects.filter(
        case_id=OuterRef("case_id"), role__in=HOLDER_ROLES, started_on__lte=OuterRef("closed_on"),
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gte=OuterRef("closed_on")))
    return rows if person is None else rows.filter(person=person)


def dues_waiting_for(person: Person | None) -> QuerySet[ClosureFeedbackDue]:
    """The closed cases waiting for an invitation where this person was the key worker
    (coordinator) or the team manager when the case closed, or holds it now; oldest closure
    first, each with `key_worker_name`: who held it when it closed."""
    if person is None:
        return ClosureFeedbackDue.objects.none()
    key_worker = (_held_at_closure().filter(role=Involvement.Role.KEY_WORKER)
                  .order_by("-started_on", "-id").values("person__full_name")[:1])
    return (ClosureFeedbackDue.objects.filter(state=D.WAITING)
            .filter(Q(case__key_worker=person) | Q(case__team_manager=person)
                    | Exists(_held_at_closure(person)))
            .annotate(key_worker_name=Coalesce(Subquery(key_worker),
                                               F("case__key_worker__full_name")))
            .select_related("case")
            .order_by("closed_on", "id"))


def home_panel(user: Any) -> list[AttentionPanel]:
    """On the home page of a key worker or team manager with closed cases waiting: how many
    families to invite, linking to the list (practitioners have no navigation entry for it).
    One query."""
    from django.urls import reverse

    from auditloop.cases.views import CASE_READERS

    person = getattr(user, "person_or_none", None)
    if person is None or not any(user.has_capability(c) for c in CASE_READERS):
        return []
    waiting = dues_waiting_for(person).count()
    if not waiting:
        return []
    text = (f"{waiting:,} closed case{'' if waiting == 1 else 's'} waiting for the family to "
            "be invited to give feedback")
    return [AttentionPanel(title="Families' feedback", order=21, items=[
        AttentionItem(text, reverse("voice:closures_waiting"), waiting)])]


def get_due(due_id: int) -> ClosureFeedbackDue:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ClosureFeedbackDue.objects.select_related("case"), pk=due_id)


@transaction.atomic
def due_invited(*, due: ClosureFeedbackDue, invitation: FeedbackInvitation,
                actor: Person | None) -> ClosureFeedbackDue:
    due = ClosureFeedbackDue.objects.select_for_update().get(pk=due.pk)
    if due.state != D.WAITING:
        raise DomainError("The family has already been invited, or declined.")
    due.state, due.invitation = D.INVITED, invitation
    due.decided_at, due.decided_by = timezone.now(), actor
    due.save(update_fields=["state", "invitation", "decided_at", "decided_by", "updated_at"])
    return due


@transaction.atomic
def due_declined(*, due: ClosureFeedbackDue, actor: Person | None) -> ClosureFeedbackDue:
    """The family said they do not want to give feedback: nobody asks them again for this
    closure."""
    due = ClosureFeedbackDue.objects.select_for_update().get(pk=due.pk)
    if due.state != D.WAITING:
        raise DomainError("The family has already been invited, or declined.")
    due.state = D.DECLINED
    due.decided_at, due.decided_by = timezone.now(), actor
    due.save(update_fields=["state", "decided_at", "decided_by", "updated_at"])
    return due


# --- Text messages and letters --------------------------------------------------------------

UK_MOBILE = re.compile(r"^07\d{9}$")


def mobile_normalise(typed: str) -> str:
    """A UK mobile number as 07xxxxxxxxx, or DomainError."""
    number = re.sub(r"[\s\-().]", "", typed or "")
    if number.startswith("+44"):
        number = "0" + number[3:]
    elif number.startswith("0044"):
        number = "0" + number[4:]
    if not UK_MOBILE.match(number):
        raise DomainError("Enter a UK mobile number, like 07700 900 982.", field="mobile")
    return number


@transaction.atomic
def feedback_invitation_sms(
    *, case: Case, question_set: QuestionSetVersion, actor: Person | None, mobile: str,
) -> FeedbackInvitation:
    """Send the family their one-time link by text message through GOV.UK Notify. The number
    is used for this one message and kept nowhere: not on a row, not in a queued task (the
    message goes now, inside the transaction, so a failure makes no invitation), not in a
    log line."""
    from auditloop.notifications.sms import backend
    from auditloop.voice.services import feedback_invitation_create, feedback_link

    number = mobile_normalise(mobile)
    invitation, token = feedback_invitation_create(
        case=case, question_set=question_set, actor=actor,
        channel=FeedbackInvitation.Channel.SMS)
    try:
        backend().send(
            to=number,
            body=("Your family's work with children's services has ended. Tell us what you "
                  "thought of the help you had. The link works once:"),
            link=feedback_link(token), reference=f"feedback-{invitation.pk}")
    except Exception as exc:  # noqa: BLE001 - any failure of the text message service
        raise DomainError("The text message could not be sent. Check the number, or send a "
                          "letter instead.", field="mobile") from exc
    return invitation


@transaction.atomic
def feedback_invitation_letter(
    *, case: Case, question_set: QuestionSetVersion, actor: Person | None,
) -> tuple[FeedbackInvitation, str, str]:
    """A one-time link and short code for a printed letter: both returned once, to print,
    and only their hashes kept."""
    from auditloop.voice.services import feedback_invitation_create

    invitation, token = feedback_invitation_create(
        case=case, question_set=question_set, actor=actor,
        channel=FeedbackInvitation.Channel.LETTER)
    while True:
        code = code_make()
        digest = code_hash(code)
        if not FeedbackInvitation.objects.filter(code_hash=digest).exists():
            break
    invitation.code_hash = digest
    invitation.save(update_fields=["code_hash", "updated_at"])
    return invitation, token, code


def letter_matches(invitation: FeedbackInvitation, token: str, code: str) -> bool:
    """Whether a letter's link and code (posted back to make its PDF) are this invitation's."""
    from auditloop.voice.services import token_hash

    return (hmac.compare_digest(invitation.token_hash, token_hash(token))
            and invitation.code_hash is not None
            and hmac.compare_digest(invitation.code_hash, code_hash(code_normalise(code))))


# --- 000's closure form ---------------------------------------------------------------------

# The questions of the closure form: the seed's three ("records qualitative information about
# the support that the family has received and what impact they feel it has had on their
# lives"; section three of its standards: "the reason for the closure ... is clearly
# evidenced"), then drafts of our own, marked as the question sets mark them.
CLOSURE_FORM_YAML = """
format: 1
key: 000-closure-form
name: Early Help closure form
seed: "000"
audience: family
about: >-
  000: at the end of the Early Help assessment the co-ordinator completes a closure form with
  the family, recording the support the family has received and what impact they feel it has
  had on their lives.
questions:
  - key: reason_for_closure
    text: Why is the Early Help Assessment closing?
    answer: text
    required: yes
    origin: seed
  - key: support_received
    text: What support has the family received?
    answer: text
    required: yes
    origin: seed
  - key: impact
    text: What impact does the family feel the support has had on their lives?
    hint: In the family's own words where you can.
    answer: text
    required: yes
    origin: seed
  - key: better_now
    text: How much better are things for the family now than when the support started?
    answer: scale
    low: No better
    high: Much better
    required: yes
    origin: draft
  - key: know_where_to_go
    text: Does the family know where to go for help if things get harder again?
    answer: yes_no
    required: yes
    origin: draft
  - key: anything_else
    text: Is there anything else the family wants to say?
    answer: text
    required: no
    origin: draft
"""
CLOSURE_FORM = questions.parse(CLOSURE_FORM_YAML, source="the closure form")


class ClosureFormQuestions:
    """The closure form's questions in the shape voice.forms.FeedbackForm asks of a set."""

    def __init__(self, definition: dict[str, Any]) -> None:
        self.definition = definition
        self.name = definition["name"]

    @property
    def questions(self) -> list[questions.Question]:
        return questions.questions_of(self.definition)


@transaction.atomic
def closure_form_record(
    *, case: Case, answers: dict[str, Any], interpreter: str, completed_on: dt.date,
    actor: Person | None,
) -> ClosureForm:
    """Record 000's closure form against the case, with the questions it asked."""
    if completed_on > timezone.localdate():
        raise DomainError("The date must be today or in the past.", field="completed_on")
    if case.opened_on is not None and completed_on < case.opened_on:
        raise DomainError("The date must be on or after the day the case opened.",
                          field="completed_on")
    if interpreter not in FeedbackResponse.Interpreter.values:
        raise DomainError("Say whether an interpreter or Language Line was used.",
                          field="interpreter")
    asked = ClosureFormQuestions(CLOSURE_FORM)
    for q in asked.questions:
        if q.required and answers.get(q.key) in (None, ""):
            raise DomainError("Answer this question.", field=q.key)
    return ClosureForm.objects.create(
        case=case, completed_on=completed_on, definition=CLOSURE_FORM,
        answers={q.key: answers.get(q.key) for q in asked.questions},
        interpreter=interpreter, recorded_by=actor)


def closure_forms_of(case: Case) -> QuerySet[ClosureForm]:
    return ClosureForm.objects.filter(case=case).select_related("recorded_by")


def get_closure_form(case: Case, form_id: int) -> ClosureForm:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(ClosureForm.objects.select_related("recorded_by"), case=case,
                             pk=form_id)


def closure_form_rows(form: ClosureForm) -> list[dict[str, Any]]:
    """Each question as it was asked, with its answer, for the page that reads the form."""
    rows = []
    for q in questions.questions_of(form.definition):
        value = form.answers.get(q.key)
        if q.answer == "scale" and value not in (None, ""):
            shown = f"{value} out of 5 (1: {q.low}, 5: {q.high})"
        elif q.answer == "yes_no":
            shown = {"yes": "Yes", "no": "No"}.get(str(value), "Not answered")
        else:
            shown = str(value) if value not in (None, "") else "Not answered"
        rows.append({"text": q.text, "answer": shown, "draft": not q.from_seed})
    return rows
