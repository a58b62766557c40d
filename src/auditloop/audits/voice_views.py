"""The voices around an audit: the worker's perspective, conversations, the practice's
feedback and replies, disagreements, feedback to earlier practitioners, and the audit's
exports (PDF, Word, case note). Every page that shows an audit writes an access-log row."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.actions.deadline import action_deadline
from auditloop.actions.models import Action
from auditloop.audits import exports, selectors, services, voices
from auditloop.audits.blinding import is_blind, reviewing_audit_ids
from auditloop.audits.models import (
    Audit,
    Conversation,
    Disagreement,
    EarlierPracticeFeedback,
    FeedbackReply,
    WorkerPerspective,
)
from auditloop.cases.selectors import cases_for_user, reaches_case
from auditloop.common.access import log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.exports import ExportStamp, ask_for_reason, stamp_docx
from auditloop.common.idempotency import TOKEN_FIELD, IdempotentForm, create_once
from auditloop.common.models import AccessLog
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.standards.schema import RAG, YES_NO
from auditloop.standards.selectors import framework_settings_row

S = Audit.Status
K = Conversation.Kind
O = Conversation.Outcome  # noqa: E741 - the model's own name for it
YES_NO_CHOICES = [("yes", "Yes"), ("no", "No")]
RECORD_TEXT: dict[str, str] = {
    K.LEARNING: "Book or record the learning conversation with the key worker",
    K.IRO: "Record the conversation with the IRO or CP Chair",
    K.TEAM_MANAGER: "Record the conversation with the team manager",
    K.FAMILY: "Record contact with the family",
}


def _person(request: HttpRequest) -> Person | None:
    return request.user.person_or_none  # type: ignore[union-attr]


def _log(request: HttpRequest, audit_id: int, action: str = AccessLog.Action.VIEW) -> None:
    log_access(request, object_type="audit", object_id=audit_id, action=action)


def _audit(request: HttpRequest, audit_id: int, *, edit: bool = False,
           allow: Callable[[Audit, Person | None], bool] | None = None) -> Audit:
    """The audit (404 for anyone with no relationship to it), then 403 where `allow` says
    this person may see the audit but not do this; the view is logged once let in."""
    audit = selectors.get_audit_for_user(request.user, audit_id, edit=edit)
    if allow is not None and not allow(audit, _person(request)):
        raise PermissionDenied
    _log(request, audit.pk)
    return audit


def _is_team_manager(audit: Audit, person: Person | None) -> bool:
    return person is not None and person.pk in {p.pk for p in voices.team_managers(audit)}


def _audit_url(audit: Audit) -> str:
    """The audit page (another part of the audits app), where it exists."""
    try:
        return reverse("audits:audit_detail", args=[audit.pk])
    except NoReverseMatch:
        return ""


def _case_url(request: HttpRequest, audit: Audit) -> str:
    """The case's page, where this reader may open it (the register's own rule)."""
    user: Any = request.user
    if reaches_case(user, audit.case) or cases_for_user(user=user).filter(
            pk=audit.case_id).exists():
        return reverse("cases:case_detail", args=[audit.case_id])
    return ""


def _reads_voices(request: HttpRequest, audit: Audit) -> bool:
    """The auditors, the QA team (everyone whose role reaches the case) and the moderator
    assigned to review the audit, once their blind grades are saved, read the voices; the
    practice sees its own form only."""
    user: Any = request.user
    person = _person(request)
    return (services.is_current_auditor(audit, person)
            or reaches_case(user, audit.case)
            or (user.has_capability(Capability.MODERATE)
                and audit.pk in reviewing_audit_ids(person, [audit.pk])
                and not is_blind(person, audit)))


def _may_export(request: HttpRequest, audit: Audit) -> bool:
    person = _person(request)
    return voices.is_qa_team(person) or services.is_current_auditor(audit, person)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


# The voices page --------------------------------------------------------------------------

def _perspective_rows(perspective: WorkerPerspective) -> list[tuple[str, str, bool]]:
    rows = []
    for s, q in voices.perspective_questions(perspective.tool_version):
        got = perspective.answers.get(voices.answer_key(s, q)) or {}
        answer = voices.answer_text(q, got.get("value"))
        if got.get("comment"):
            answer = f"{answer}. {got['comment']}"
        rows.append((q["text"], answer, not q.get("required", True)))
    return rows


@require_GET
def voices_page(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, allow=lambda a, _p: _reads_voices(request, a))
    person = _person(request)
    settings = framework_settings_row()
    perspective = (WorkerPerspective.objects.select_related("practitioner", "tool_version")
                   .filter(audit=audit).first())
    conversations = voices.in_kind_order(audit.conversations.select_related("recorded_by"))
    is_auditor = services.is_current_auditor(audit, person)
    has_iro = voices.case_has_iro(audit)
    kinds = [(k, RECORD_TEXT[k]) for k in K.values if k != K.IRO or has_iro]
    earlier = list(audit.earlier_practice_feedback.select_related("practitioner", "manager",
                                                                  "sent_by"))
    expected = []
    if settings.learning_conversation_minutes:
        expected.append(f"A learning conversation with the key worker, booked for at least "
                        f"{settings.learning_conversation_minutes} minutes")
    if has_iro:
        expected.append("A conversation with the IRO or CP Chair")
    if settings.family_contact:
        expected.append("Contact with the family and, if appropriate, the child")
    return render(request, "audits/voice_page.html", {
        "audit": audit,
        "audit_url": _audit_url(audit),
        "may_raise_concern": is_auditor or voices.is_qa_team(person),
        "perspective": perspective,
        "perspective_rows": _perspective_rows(perspective) if perspective
        and perspective.submitted_at else [],
        "perspective_asked": settings.worker_perspective_form,
        "conversations": conversations,
        "may_record": is_auditor and audit.is_open_for_editing,
        "kinds": kinds,
        "expected": expected,
        "earlier": earlier,
        "may_send_earlier": is_auditor and settings.feedback_to_previous_practitioner
        and not audit.is_withdrawn,
        "may_export": _may_export(request, audit) and audit.is_submitted_or_later,
    })


# The Perspective of Worker form (001 2.13) ------------------------------------------------

def _field_name(key: str) -> str:
    return key.replace(".", "__")


def perspective_form_class(perspective: WorkerPerspective) -> type[forms.Form]:
    """A form built from the tool's questions. Nothing is required to save a draft: the
    service checks the required answers when the form is sent."""
    fields: dict[str, forms.Field] = {}
    definition = perspective.tool_version.definition
    for s, q in voices.perspective_questions(perspective.tool_version):
        name = _field_name(voices.answer_key(s, q))
        label = q["text"] + ("" if q.get("required", True) else " (optional)")
        common: dict[str, Any] = {"label": label, "required": False,
                                  "help_text": q.get("guidance") or ""}
        kind = q["answer"]
        field: forms.Field
        if kind == "yes_no":
            field = forms.ChoiceField(choices=[(o, YES_NO[o]) for o in q["options"]],
                                      widget=forms.RadioSelect, **common)
        elif kind == "rag":
            field = forms.ChoiceField(choices=list(RAG.items()), widget=forms.RadioSelect,
                                      **common)
        elif kind == "choice":
            field = forms.ChoiceField(choices=[(c["key"], c["label"]) for c in q["choices"]],
                                      widget=forms.RadioSelect, **common)
        elif kind == "multiple_choice":
            field = forms.MultipleChoiceField(
                choices=[(c["key"], c["label"]) for c in q["choices"]],
                widget=forms.CheckboxSelectMultiple, **common)
        elif kind == "grade":
            levels = definition["scales"].get(q.get("scale") or "", {}).get("levels", [])
            field = forms.ChoiceField(choices=[(lv["key"], lv["label"]) for lv in levels],
                                      widget=forms.RadioSelect, **common)
        elif kind == "number":
            field = forms.IntegerField(min_value=q.get("min"), max_value=q.get("max"),
                                       **common)
        elif kind == "date":
            field = forms.DateField(widget=DateInput(), **common)
        else:
            field = forms.CharField(widget=forms.Textarea, **common)
        fields[name] = field
        if q.get("comment") in ("required", "optional"):
            fields[name + "__comment"] = forms.CharField(
                widget=forms.Textarea, required=False, label="Comments")
    return type("PerspectiveForm", (forms.Form,), fields)


def _answers_from(form: forms.Form, perspective: WorkerPerspective) -> dict[str, Any]:
    out = {}
    for s, q in voices.perspective_questions(perspective.tool_version):
        key = voices.answer_key(s, q)
        value = form.cleaned_data.get(_field_name(key))
        if isinstance(value, dt.date):
            value = value.isoformat()
        out[key] = {"value": value if value not in ("", None) else None,
                    "comment": form.cleaned_data.get(_field_name(key) + "__comment") or ""}
    return out


def _initial_from(perspective: WorkerPerspective) -> dict[str, Any]:
    initial = {}
    for key, got in (perspective.answers or {}).items():
        initial[_field_name(key)] = got.get("value")
        initial[_field_name(key) + "__comment"] = got.get("comment", "")
    return initial


@require_http_methods(["GET", "POST"])
def perspective_edit(request: HttpRequest, audit_id: int) -> HttpResponse:
    """Only the practitioner asked for it opens the form: their own answers, before and after
    they send them."""
    person = _person(request)
    perspective = (WorkerPerspective.objects
                   .select_related("audit__case", "tool_version", "practitioner")
                   .filter(audit_id=audit_id).first())
    if perspective is None or person is None or perspective.practitioner_id != person.pk:
        raise Http404
    _log(request, audit_id)
    form_class = perspective_form_class(perspective)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            send = request.POST.get("send") == "yes"
            try:
                voices.perspective_save(perspective=perspective, actor=person,
                                        answers=_answers_from(form, perspective), send=send)
            except voices.PerspectiveIncomplete as exc:
                texts = {voices.answer_key(s, q): q["text"]
                         for s, q in voices.perspective_questions(perspective.tool_version)}
                for key in exc.fields:
                    form.add_error(_field_name(key), f"Answer “{texts[key].rstrip('?')}” "
                                                     "before you send the form")
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Your perspective has been sent to the auditors."
                                 if send else "Your answers are saved. Send the form to the "
                                 "auditors when you have finished.")
                return redirect("audits:perspective_edit", audit_id)
        status = 400
    else:
        form = form_class(initial=_initial_from(perspective))
    return render(request, "audits/voice_perspective.html", {
        "perspective": perspective, "audit": perspective.audit, "form": form,
        "answers": _perspective_rows(perspective) if perspective.submitted_at else [],
        "tool": perspective.tool_version.definition,
    }, status=status)


# Conversations (002) ----------------------------------------------------------------------

class ConversationForm(forms.Form):
    outcome = forms.ChoiceField(widget=forms.RadioSelect, label="What happened?",
                                error_messages={"required": "Choose what happened."})
    booked_on = forms.DateField(widget=DateInput(), required=False, label="Date",
                                help_text="The date it is booked for, or was held on.",
                                error_messages={"invalid": "Enter a real date."})
    booked_at = forms.TimeField(widget=TimeInput(), required=False, label="Time",
                                help_text="For example, 14:30",
                                error_messages={"invalid": "Enter a real time."})
    minutes = forms.IntegerField(min_value=1, max_value=600, required=False,
                                 label="How long, in minutes",
                                 error_messages={"invalid": "Enter a number of minutes."})
    with_whom = forms.CharField(max_length=300, required=False, label="With whom",
                                help_text="Their role, for example mother, IRO, team manager.")
    interpreter_used = forms.ChoiceField(
        choices=YES_NO_CHOICES, widget=forms.RadioSelect, required=False,
        label="Was an interpreter or Language Line used?")
    reason = forms.CharField(widget=forms.Textarea, required=False,
                             label="Why it did not happen",
                             help_text="If they declined to engage or could not be reached: "
                                       "what was tried, and the reason.")
    short_reason = forms.CharField(widget=forms.Textarea, required=False,
                                   label="Why it was shorter than the framework asks")
    notes = forms.CharField(widget=forms.Textarea, required=False, label="Notes",
                            help_text="What you learned: views, good practice, areas for "
                                      "development.")

    def __init__(self, *args: Any, kind: str, least_minutes: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        outcome: Any = self.fields["outcome"]
        outcome.choices = [(o, O(o).label) for o in voices.OUTCOMES[kind]]
        if least_minutes:
            self.fields["minutes"].help_text = (
                f"{voices.minimum_words(kind, least_minutes)} A booking shorter than that is "
                "refused; a conversation held for less needs a reason.")
            self.fields["short_reason"].help_text = (
                f"Only if it was held for less than {least_minutes} minutes.")
        else:
            del self.fields["short_reason"]
        if kind != K.FAMILY:
            del self.fields["interpreter_used"]

    def details(self) -> voices.ConversationDetails:
        d = self.cleaned_data
        when = None
        if d.get("booked_on"):
            when = timezone.make_aware(dt.datetime.combine(
                d["booked_on"], d.get("booked_at") or dt.time(9, 0)))
        return voices.ConversationDetails(
            outcome=d["outcome"], booked_for=when, minutes=d.get("minutes"),
            with_whom=d.get("with_whom") or "", reason=d.get("reason") or "",
            interpreter_used=d.get("interpreter_used") == "yes", notes=d.get("notes") or "",
            short_reason=d.get("short_reason") or "")


_DETAIL_FIELDS = {"booked_for": "booked_on"}


def _conversation_page(request: HttpRequest, audit: Audit, kind: str,
                       conversation: Conversation | None) -> HttpResponse:
    person = _person(request)
    assert person is not None  # an auditor: get_audit_for_user(edit=True) let them in
    least = voices.minimum_minutes(kind)
    if not audit.is_open_for_editing:
        messages.error(request, f"This audit is {audit.get_status_display().lower()}: its "
                                "conversations can no longer be changed.")
        return redirect("audits:voices", audit.pk)
    status = 200
    if request.method == "POST":
        form = ConversationForm(request.POST, kind=kind, least_minutes=least)
        if form.is_valid():
            try:
                if conversation is None:
                    voices.conversation_record(audit=audit, actor=person, kind=kind,
                                               details=form.details())
                else:
                    voices.conversation_update(conversation=conversation, actor=person,
                                               details=form.details())
            except DomainError as exc:
                name = _DETAIL_FIELDS.get(exc.field or "", exc.field)
                form.add_error(name if name in form.fields else None, exc.message)
            else:
                messages.success(request, f"{K(kind).label} saved.")
                return redirect("audits:voices", audit.pk)
        status = 400
    elif conversation is not None:
        when = timezone.localtime(conversation.booked_for) if conversation.booked_for else None
        form = ConversationForm(kind=kind, least_minutes=least, initial={
            "outcome": conversation.outcome, "minutes": conversation.minutes,
            "booked_on": when.date() if when else None,
            "booked_at": when.time() if when else None,
            "with_whom": conversation.with_whom, "reason": conversation.reason,
            "interpreter_used": "yes" if conversation.interpreter_used else "no",
            "notes": conversation.notes, "short_reason": conversation.short_reason})
    else:
        initial = {"minutes": least} if least else {}
        form = ConversationForm(kind=kind, least_minutes=least, initial=initial)
    return render(request, "audits/voice_conversation.html", {
        "audit": audit, "form": form, "kind": kind, "kind_label": K(kind).label,
        "conversation": conversation, "least": least,
        "minimum_words": voices.minimum_words(kind, least) if least else "",
    }, status=status)


@require_http_methods(["GET", "POST"])
def conversation_new(request: HttpRequest, audit_id: int, kind: str) -> HttpResponse:
    audit = _audit(request, audit_id, edit=True)
    if kind not in K.values:
        raise Http404
    return _conversation_page(request, audit, kind, None)


@require_http_methods(["GET", "POST"])
def conversation_edit(request: HttpRequest, audit_id: int, conversation_id: int
                      ) -> HttpResponse:
    audit = _audit(request, audit_id, edit=True)
    conversation = audit.conversations.filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404
    return _conversation_page(request, audit, conversation.kind, conversation)


# Feedback, replies and actions (001, 002, 003) --------------------------------------------

class ReplyForm(IdempotentForm):
    agrees = forms.ChoiceField(
        choices=[("yes", "Yes, I agree with the findings"),
                 ("no", "No, I disagree with the findings")],
        widget=forms.RadioSelect, label="Do you agree with the audit's findings?",
        help_text="If you disagree, the audit goes to whoever the framework names to take an "
                  "independent look.",
        error_messages={"required": "Say whether you agree with the audit's findings."})
    comments = forms.CharField(
        widget=forms.Textarea, label="Your comments",
        help_text="Your comments on the findings and what you will do. If you disagree, say "
                  "what you disagree with and why.",
        error_messages={"required": "Enter your comments on the audit's findings."})


class ActionForm(IdempotentForm):
    issue = forms.CharField(widget=forms.Textarea, label="Issue",
                            error_messages={"required": "Enter the issue the action is for."})
    action = forms.CharField(widget=forms.Textarea, label="Action",
                             help_text="What will be done.",
                             error_messages={"required": "Enter what will be done."})
    by_whom = forms.CharField(max_length=300, label="By whom",
                              error_messages={"required": "Enter who will do it."})
    due_on = forms.DateField(widget=DateInput(), label="By when",
                             error_messages={"required": "Enter the date it is due by.",
                                             "invalid": "Enter a real date."})
    desired_outcome = forms.CharField(widget=forms.Textarea, label="Desired outcome",
                                      error_messages={"required": "Enter the desired outcome."})
    success_measure = forms.CharField(
        widget=forms.Textarea, label="How will we know the plan has worked?",
        error_messages={"required": "Say how you will know the plan has worked."})


class SettleForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[(Disagreement.Outcome.UPHELD, "The audit's findings stand"),
                 (Disagreement.Outcome.CHANGED, "The findings change")],
        widget=forms.RadioSelect, label="What is the outcome?",
        error_messages={"required": "Choose whether the findings stand or change."})
    final_grade = forms.ChoiceField(required=False, label="Final grade",
                                    help_text="Only if the grade changes.")
    note = forms.CharField(widget=forms.Textarea, required=False, label="Your reasons",
                           help_text="Required if the findings change: say what changes and "
                                     "why.")

    def __init__(self, *args: Any, audit: Audit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        grade: Any = self.fields["final_grade"]
        grade.choices = [("", "Keep the grade")] + [
            (lv["key"], lv["label"]) for lv in voices.grade_levels(audit)]
        self.areas: list[str] = []
        for key, title, levels, now in voices.graded_areas(audit):
            labels = {lv["key"]: lv["label"] for lv in levels}
            keep = f"Keep the grade ({labels.get(now, 'not graded')})"
            self.fields[f"section-{key}"] = forms.ChoiceField(
                required=False, label=f"Grade for {title}",
                choices=[("", keep)] + [(lv["key"], lv["label"]) for lv in levels],
                help_text="Only if the outcome changes this area's grade.")
            self.areas.append(key)
        self.order_fields(["outcome", "final_grade",
                           *[f"section-{k}" for k in self.areas], "note"])

    def section_grades(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"section-{key}") or "" for key in self.areas}


def _feedback_page(request: HttpRequest, audit: Audit, *, status: int = 200,
                   **forms_given: Any) -> HttpResponse:
    person = _person(request)
    settings = framework_settings_row()
    finished = audit.is_submitted_or_later
    disagreement = voices.open_disagreement(audit)
    links = list(audit.action_links.select_related("action").order_by("action__due_on",
                                                                         "action_id"))
    reply_form: ReplyForm = forms_given.get("reply_form") or ReplyForm()
    errors: list[str] = forms_given.get("errors") or []
    # Each step after the audit: its button, or why not yet (voices decides; shown here).
    steps = {"send": voices.send_step(audit, person), "reply": voices.reply_step(audit, person),
             "propose": voices.propose_step(audit, person),
             "confirm": voices.confirm_step(audit, person, disagreement)}
    context: dict[str, Any] = {
        "audit": audit,
        "audit_url": _audit_url(audit),
        "case_url": _case_url(request, audit),
        "voices_url": reverse("audits:voices", args=[audit.pk])
        if _reads_voices(request, audit) else "",
        "finished": finished,
        "summary": exports.grade_summary(audit) if finished else None,
        "links": links,
        "replies": list(audit.replies.select_related("person").order_by("created_at", "id")),
        "trail": list(voices.settled_trail(audit)),
        "open_disagreement": disagreement,
        "may_settle": disagreement is not None and voices.may_settle(disagreement, person),
        "steps": steps,
        "may_export": _may_export(request, audit) and audit.is_submitted_or_later,
        "asked_to_reply": settings.practitioner_replies_to_feedback,
        "reply_form": reply_form,
        "errors": errors,
        "page_has_errors": bool(errors) or bool(reply_form.errors),
    }
    return render(request, "audits/feedback_page.html", context, status=status)


@require_GET
def feedback_page(request: HttpRequest, audit_id: int) -> HttpResponse:
    return _feedback_page(request, _audit(request, audit_id))


@require_POST
def feedback_send(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, allow=lambda _a, p: voices.is_qa_team(p))
    person = _person(request)
    assert person is not None
    try:
        voices.feedback_send(audit=audit, actor=person)
    except DomainError as exc:
        return _feedback_page(request, audit, status=400, errors=[exc.message])
    messages.success(request, "Feedback sent to the practitioner and team manager.")
    return redirect("audits:feedback", audit.pk)


@require_POST
def reply_new(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, allow=voices.is_practice_holder)
    person = _person(request)
    assert person is not None
    form = ReplyForm(request.POST)
    if form.is_valid():
        agrees = form.cleaned_data["agrees"] == "yes"
        try:
            create_once(form.token, FeedbackReply, lambda: voices.reply_create(
                audit=audit, actor=person, comments=form.cleaned_data["comments"],
                agrees=agrees))
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Your reply has been sent." if agrees else
                             "Your reply has been sent. Your disagreement goes for an "
                             "independent look, and you will be told the outcome.")
            return redirect("audits:feedback", audit.pk)
    audit.refresh_from_db()
    return _feedback_page(request, audit, status=400, reply_form=form)


@require_http_methods(["GET", "POST"])
def reply_action_new(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, allow=voices.is_practice_holder)
    person = _person(request)
    assert person is not None
    deadline = action_deadline()
    status = 200
    if request.method == "POST":
        form = ActionForm(request.POST)
        if form.is_valid():
            d = {k: v for k, v in form.cleaned_data.items() if k != TOKEN_FIELD}
            try:
                create_once(form.token, Action, lambda: voices.reply_action_propose(
                    audit=audit, actor=person, proposal=voices.ProposedAction(**d)))
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "Action added. The team manager confirms the "
                                          "actions.")
                return redirect("audits:feedback", audit.pk)
        status = 400
    else:
        form = ActionForm()
    return render(request, "audits/feedback_action.html",
                  {"audit": audit, "form": form, "deadline": deadline,
                   "case_url": _case_url(request, audit)}, status=status)


@require_POST
def actions_agree(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, allow=_is_team_manager)
    person = _person(request)
    assert person is not None
    try:
        voices.actions_agree(audit=audit, actor=person)
    except DomainError as exc:
        return _feedback_page(request, audit, status=400, errors=[exc.message])
    messages.success(request, "The actions are confirmed as agreed.")
    return redirect("audits:feedback", audit.pk)


# Disagreements ----------------------------------------------------------------------------

@require_GET
def disagreement_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not voices.routes_settled_by(person):
        raise PermissionDenied
    assert person is not None
    rows = list(voices.disagreements_to_settle(person=person))
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(d.audit_id for d in rows)))
    return render(request, "audits/feedback_disagreements.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def disagreement_settle(request: HttpRequest, disagreement_id: int) -> HttpResponse:
    row = (Disagreement.objects.select_related("raised_by", "settled_by")
           .filter(pk=disagreement_id).first())
    if row is None:
        raise Http404
    settled = row.is_settled

    def allow(audit: Audit, person: Person | None) -> bool:
        row.audit = audit
        return settled or voices.may_settle(row, person)

    person = _person(request)
    if settled and person is not None and row.settled_by_id == person.pk:
        # Whoever settled it comes back to it, though the audit may have left moderation
        # since (a panel member who does not otherwise see every case).
        audit = selectors.with_people(Audit.objects.filter(pk=row.audit_id)).get()
        _log(request, audit.pk)
    elif not settled and voices.may_settle(row, person):
        # Those who settle an open disagreement on its route (002: the moderation panel;
        # 001: the head of service for QA) read the audit while it is open: that is their
        # relationship to it, not the audit being in moderation.
        audit = selectors.with_people(Audit.objects.filter(pk=row.audit_id)).get()
        _log(request, audit.pk)
    else:
        audit = _audit(request, row.audit_id, allow=allow)
    status = 200
    form = SettleForm(request.POST or None, audit=audit)
    if request.method == "POST":
        if settled or person is None:
            form.is_valid()
            form.add_error(None, "This disagreement has already been settled.")
        elif form.is_valid():
            d = form.cleaned_data
            try:
                voices.disagreement_settle(disagreement=row, actor=person,
                                           outcome=d["outcome"], note=d["note"],
                                           final_grade=d["final_grade"],
                                           section_grades=form.section_grades())
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "The outcome is recorded and everyone involved "
                                          "has been told.")
                return redirect("audits:disagreement_settle", row.pk)
        status = 400
    return render(request, "audits/feedback_settle.html", {
        "row": row, "audit": audit, "form": form, "settled": settled,
        "summary": exports.grade_summary(audit),
        "replies": list(audit.replies.select_related("person").order_by("created_at", "id")),
    }, status=status)


# Earlier practitioners (001 2.15) ---------------------------------------------------------

class EarlierFeedbackForm(IdempotentForm):
    practitioner = forms.ChoiceField(
        widget=forms.RadioSelect, label="Who held the case before?",
        error_messages={"required": "Choose the earlier key worker."})
    stands_out = forms.ChoiceField(
        choices=EarlierPracticeFeedback.StandsOut.choices, widget=forms.RadioSelect,
        label="What stands out about their practice?",
        error_messages={"required": "Choose what stands out about their practice."})
    message = forms.CharField(
        widget=forms.Textarea, label="Your feedback",
        help_text="What stood out, with examples from the file. They and their team manager "
                  "read this.",
        error_messages={"required": "Write your feedback."})

    def __init__(self, *args: Any, earlier: list[voices.EarlierKeyWorker], **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        choices = []
        for e in earlier:
            held = (f"held the case {exports.long_date(e.started_on)} to "
                    f"{exports.long_date(e.ended_on)}")
            manager = f"; their team manager: {e.manager.full_name}" if e.manager else ""
            choices.append((str(e.person.pk), f"{e.person.full_name} ({held}{manager})"))
        practitioner: Any = self.fields["practitioner"]
        practitioner.choices = choices


@require_http_methods(["GET", "POST"])
def earlier_feedback_new(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _audit(request, audit_id, edit=True)
    person = _person(request)
    assert person is not None
    if not framework_settings_row().feedback_to_previous_practitioner:
        messages.error(request, "The framework does not send feedback to earlier "
                                "practitioners.")
        return redirect("audits:voices", audit.pk)
    earlier = voices.earlier_key_workers(audit)
    status = 200
    form = EarlierFeedbackForm(request.POST or None, earlier=earlier)
    if request.method == "POST":
        if form.is_valid():
            chosen = next(e.person for e in earlier
                          if str(e.person.pk) == form.cleaned_data["practitioner"])
            try:
                create_once(form.token, EarlierPracticeFeedback,
                            lambda: voices.earlier_practice_feedback_send(
                    audit=audit, actor=person, practitioner=chosen,
                    stands_out=form.cleaned_data["stands_out"],
                    message=form.cleaned_data["message"]))
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"Feedback sent to {chosen.full_name} and their "
                                          "team manager.")
                return redirect("audits:voices", audit.pk)
        status = 400
    return render(request, "audits/feedback_earlier_new.html",
                  {"audit": audit, "form": form, "earlier": earlier}, status=status)


@require_GET
def earlier_feedback_detail(request: HttpRequest, feedback_id: int) -> HttpResponse:
    row = (EarlierPracticeFeedback.objects
           .select_related("audit__case", "practitioner", "manager", "sent_by")
           .filter(pk=feedback_id).first())
    user: Any = request.user
    if row is None or not voices.may_read_earlier_feedback(
            row, _person(request), sees_every_case=reaches_case(user, row.audit.case)):
        raise Http404
    _log(request, row.audit_id)
    return render(request, "audits/feedback_earlier_detail.html", {"row": row})


# One audit out (item 8) -------------------------------------------------------------------

def _export_audit(request: HttpRequest, audit_id: int, *, file: bool = True
                  ) -> Audit | HttpResponse:
    """The audit to take out, or the page to show instead. A file (PDF or Word) is made only
    once the person has said why (common.exports: the question, the hourly limit); the case
    note is a page to copy from, logged as a view."""
    audit = selectors.get_audit_for_user(request.user, audit_id)
    if not _may_export(request, audit):
        raise PermissionDenied
    if not audit.is_submitted_or_later:
        _log(request, audit.pk)
        messages.error(request, "There is nothing to export until the audit is submitted.")
        return redirect("audits:voices", audit.pk)
    if not file:
        _log(request, audit.pk)
        return audit
    asked = ask_for_reason(request, what=f"audit {audit.pk}",
                           back_url=reverse("audits:voices", args=[audit.pk]))
    if isinstance(asked, HttpResponse):
        return asked
    log_access(request, object_type="audit", object_id=audit.pk,
               action=AccessLog.Action.EXPORT, reason=asked)
    return audit


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def export_pdf(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _export_audit(request, audit_id)
    if isinstance(audit, HttpResponse):
        return audit
    doc = exports.audit_document(audit)
    return _download(exports.render_pdf(doc, stamp=ExportStamp.now(request.user)),
                     "application/pdf", f"{doc.file_stem}.pdf")


@require_http_methods(["GET", "POST"])
def export_docx(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _export_audit(request, audit_id)
    if isinstance(audit, HttpResponse):
        return audit
    doc = exports.audit_document(audit)
    return _download(
        stamp_docx(exports.render_docx(doc), ExportStamp.now(request.user)),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{doc.file_stem}.docx")


@require_GET
def export_case_note(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _export_audit(request, audit_id, file=False)
    if isinstance(audit, HttpResponse):
        return audit
    return render(request, "audits/export_case_note.html",
                  {"audit": audit, "note": exports.case_note(audit),
                   "not_yet": exports.case_note_not_yet(audit)})


urlpatterns: list[URLPattern] = [
    path("<int:audit_id>/voices/", voices_page, name="voices"),
    path("<int:audit_id>/perspective/", perspective_edit, name="perspective_edit"),
    path("<int:audit_id>/conversations/new/<str:kind>", conversation_new,
         name="conversation_new"),
    path("<int:audit_id>/conversations/<int:conversation_id>/", conversation_edit,
         name="conversation_edit"),
    path("<int:audit_id>/feedback/", feedback_page, name="feedback"),
    path("<int:audit_id>/feedback/send", feedback_send, name="feedback_send"),
    path("<int:audit_id>/feedback/reply", reply_new, name="reply_new"),
    path("<int:audit_id>/feedback/actions/new", reply_action_new, name="reply_action_new"),
    path("<int:audit_id>/feedback/actions-agreed", actions_agree, name="actions_agree"),
    path("disagreements/", disagreement_list, name="disagreement_list"),
    path("disagreements/<int:disagreement_id>/", disagreement_settle,
         name="disagreement_settle"),
    path("<int:audit_id>/earlier-practitioners/feedback/new", earlier_feedback_new,
         name="earlier_feedback_new"),
    path("earlier-practitioner-feedback/<int:feedback_id>/", earlier_feedback_detail,
         name="earlier_feedback_detail"),
    path("<int:audit_id>/export/pdf", export_pdf, name="export_pdf"),
    path("<int:audit_id>/export/docx", export_docx, name="export_docx"),
    path("<int:audit_id>/export/case-note", export_case_note, name="export_case_note"),
]
