"""Immediate safeguarding concerns (raise one, read one) and the team manager's supervision
list. Every page that shows a case's audit or concern writes an access-log row."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.audits import concerns, escalations, selectors, supervision
from auditloop.audits.models import Audit, ImmediateConcern, SupervisionItem
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import IdempotentForm, create_once
from auditloop.common.models import AccessLog
from auditloop.people.roles import Capability
from auditloop.standards.settings_spec import CHANNELS, EVENTS

MAX_ACTIONS = 10
YES_NO = [("yes", "Yes"), ("no", "No")]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self) -> None:
        super().__init__(format="%H:%M")


class ConcernForm(IdempotentForm):
    summary = forms.CharField(
        widget=forms.Textarea, label="Summary of the concerns",
        help_text="What you found that means a child may not be safe. The team manager and "
                  "service manager read this first.",
        error_messages={"required": "Write a summary of the concerns."},
    )
    unsafe_practice = forms.ChoiceField(
        choices=ImmediateConcern.Practice.choices, widget=forms.RadioSelect,
        label="Is there unsafe practice, now or in the past?",
        error_messages={"required": "Say whether there is unsafe practice, now or in the past."},
    )
    mash_contacted = forms.ChoiceField(
        choices=YES_NO, widget=forms.RadioSelect, label="Have you contacted MASH?",
        help_text="If it is appropriate, talk to MASH first.",
        error_messages={"required": "Say whether you have contacted MASH."},
    )
    mash_note = forms.CharField(
        max_length=300, required=False, label="What was agreed with MASH, or why not",
    )
    told_team_manager = forms.ChoiceField(
        choices=[("yes", "Yes"), ("no", "Not yet")], widget=forms.RadioSelect,
        label="Have you told the team manager in person or by phone?",
        help_text="Tell them yourself as well: the form does not replace the conversation.",
        error_messages={"required": "Say whether you have told the team manager."},
    )
    told_on = forms.DateField(widget=DateInput(), required=False,
                              label="Date you told the team manager",
                              help_text="If you have told them.")
    told_at = forms.TimeField(widget=TimeInput(), required=False,
                              label="Time you told the team manager",
                              help_text="For example, 14:30")
    told_note = forms.CharField(max_length=300, required=False,
                                label="What they said or agreed to do")
    wider_caseload_review = forms.BooleanField(
        required=False, label="Ask for a wider look at the key worker's caseload",
        help_text="Also their management oversight or IRO/CP Chair oversight, if the concern "
                  "may reach beyond this case.",
    )

    def __init__(self, *args: Any, wider_offered: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not wider_offered:
            del self.fields["wider_caseload_review"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("told_team_manager") == "yes":
            if not data.get("told_on"):
                self.add_error("told_on", "Enter the date you told the team manager.")
            if not data.get("told_at"):
                self.add_error("told_at", "Enter the time you told the team manager.")
        return data

    def told_at_value(self) -> dt.datetime | None:
        data = self.cleaned_data
        if data.get("told_team_manager") != "yes" or not data.get("told_on"):
            return None
        return timezone.make_aware(dt.datetime.combine(data["told_on"], data["told_at"]))


class ConcernActionForm(forms.Form):
    issue = forms.CharField(widget=forms.Textarea, label="Issue",
                            help_text="What is wrong now.")
    action = forms.CharField(widget=forms.Textarea, label="Action",
                             help_text="What must be done.")
    by_whom = forms.CharField(max_length=300, label="By whom")
    due_on = forms.DateField(widget=DateInput(), label="By when")
    desired_outcome = forms.CharField(widget=forms.Textarea, label="Desired outcome")
    success_measure = forms.CharField(widget=forms.Textarea,
                                      label="How will we know it has worked?")

    FIELDS = ("issue", "action", "by_whom", "due_on", "desired_outcome", "success_measure")
    MISSING = {"issue": "Enter the issue", "action": "Enter what must be done",
               "by_whom": "Enter who will do it", "due_on": "Enter the date it must be done by",
               "desired_outcome": "Enter the desired outcome",
               "success_measure": "Enter how we will know it has worked"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number = int(str(self.prefix or "action-0").rsplit("-", 1)[-1]) + 1
        for name, message in self.MISSING.items():
            self.fields[name].error_messages["required"] = f"{message} for action {number}."
        self.fields["due_on"].error_messages["invalid"] = (
            f"Enter the date action {number} must be done by as a real date.")

    def smart(self) -> concerns.SmartAction:
        return concerns.SmartAction(**{k: self.cleaned_data[k] for k in self.FIELDS})


class ToldForm(forms.Form):
    told_on = forms.DateField(widget=DateInput(), label="Date you told the team manager",
                              error_messages={"required": "Enter the date you told them."})
    told_at = forms.TimeField(widget=TimeInput(), label="Time you told the team manager",
                              help_text="For example, 14:30",
                              error_messages={"required": "Enter the time you told them."})
    told_note = forms.CharField(max_length=300, required=False,
                                label="What they said or agreed to do")


class DiscussionForm(forms.Form):
    note = forms.CharField(
        widget=forms.Textarea, label="Supervision note",
        help_text="What you discussed, the SMART actions agreed and who will do them by when.",
        error_messages={"required": "Write what was discussed and agreed."},
    )


def _person(request: HttpRequest):  # type: ignore[no-untyped-def]
    return request.user.person_or_none  # type: ignore[union-attr]


def _error_list(*all_forms: forms.Form) -> list[tuple[str, str]]:
    """(anchor, message) for the GOV.UK error summary, in page order."""
    out: list[tuple[str, str]] = []
    for form in all_forms:
        first = next(iter(form.visible_fields()), None)
        for message in form.non_field_errors():
            out.append((first.id_for_label if first else "main-content", str(message)))
        for bf in form:
            for message in bf.errors:
                out.append((bf.id_for_label, str(message)))
    return out


def _action_forms(request: HttpRequest, *, adding: bool) -> list[ConcernActionForm]:
    try:
        count = int(request.POST.get("action_count", "1"))
    except ValueError:
        count = 1
    count = min(max(count, 1), MAX_ACTIONS)
    if adding:
        # Carry what was typed, unchecked, and add an empty action below.
        kept = []
        for i in range(count):
            prefix = f"action-{i}"
            initial = {k: request.POST.get(f"{prefix}-{k}", "") for k in ConcernActionForm.FIELDS}
            kept.append(ConcernActionForm(prefix=prefix, initial=initial))
        if count < MAX_ACTIONS:
            kept.append(ConcernActionForm(prefix=f"action-{count}"))
        return kept
    # Only the first action is required; an untouched later one is left out.
    return [ConcernActionForm(request.POST, prefix=f"action-{i}", empty_permitted=i > 0,
                              use_required_attribute=False) for i in range(count)]


def _deadline_hint(forms_: list[ConcernActionForm]) -> None:
    latest = concerns.latest_due_on(timezone.localdate())
    if latest is None:
        return
    for f in forms_:
        f.fields["due_on"].help_text = (
            "Actions are time-bound: choose a date no later than "
            f"{date_format(latest, 'j F Y')}.")


@require_http_methods(["GET", "POST"])
def concern_new(request: HttpRequest, audit_id: int) -> HttpResponse:
    """The Immediate Concern Audit Review form (002)."""
    audit = selectors.get_audit_for_user(request.user, audit_id)
    person = _person(request)
    if audit.is_withdrawn:
        log_access(request, object_type="audit", object_id=audit.pk)
        return render(request, "audits/concern_new.html",
                      {"audit": audit, "withdrawn": True}, status=409)
    if not concerns.may_raise(audit=audit, person=person):
        raise PermissionDenied
    log_access(request, object_type="audit", object_id=audit.pk)
    wider = concerns.wider_review_offered()
    if request.method == "GET":
        form = ConcernForm(wider_offered=wider)
        actions = [ConcernActionForm(prefix="action-0")]
        _deadline_hint(actions)
        return _concern_form_page(request, audit, form, actions, [])

    adding = "add_action" in request.POST
    if adding:
        form = ConcernForm(initial=request.POST.dict(), wider_offered=wider)
        actions = _action_forms(request, adding=True)
        _deadline_hint(actions)
        return _concern_form_page(request, audit, form, actions, [])

    form = ConcernForm(request.POST, wider_offered=wider)
    actions = _action_forms(request, adding=False)
    _deadline_hint(actions)
    valid = form.is_valid() & all([a.is_valid() for a in actions])
    if valid:
        chosen = [a for a in actions if a.has_changed() or a.prefix == "action-0"]
        try:
            concern, _ = create_once(form.token, ImmediateConcern,
                                     lambda: concerns.immediate_concern_raise(
                audit=audit, actor=person, summary=form.cleaned_data["summary"],
                unsafe_practice=form.cleaned_data["unsafe_practice"],
                actions=[a.smart() for a in chosen],
                mash_contacted=form.cleaned_data["mash_contacted"] == "yes",
                mash_note=form.cleaned_data["mash_note"],
                team_manager_told_at=form.told_at_value(),
                team_manager_told_note=form.cleaned_data["told_note"],
                wider_caseload_review=bool(form.cleaned_data.get("wider_caseload_review")),
            ))
        except DomainError as exc:
            _place_error(exc, form, chosen)
        else:
            messages.success(request, "Concern raised. Everyone listed has it in their tray now.")
            return redirect("audits:concern_detail", concern.pk)
    return _concern_form_page(request, audit, form, actions, _error_list(form, *actions),
                              status=400)


def _place_error(exc: DomainError, form: ConcernForm, actions: list[ConcernActionForm]) -> None:
    field = exc.field or ""
    if field.startswith("action-"):
        _, index, name = field.split("-", 2)
        i = int(index)
        if i < len(actions) and name in actions[i].fields:
            actions[i].add_error(name, exc.message)
            return
    form.add_error(field if field in form.fields else None, exc.message)


def _concern_form_page(request: HttpRequest, audit: Audit, form: ConcernForm,
                       actions: list[ConcernActionForm], errors: list[tuple[str, str]],
                       status: int = 200) -> HttpResponse:
    return render(request, "audits/concern_new.html", {
        "audit": audit, "form": form, "actions": actions, "errors": errors,
        "page_has_errors": bool(errors), "max_actions": MAX_ACTIONS,
        "audit_url": escalations.audit_page_url(audit),
    }, status=status)


_ORDER = {h: i for i, h in enumerate(CHANNELS)}


def _told_rows(concern: ImmediateConcern) -> list[dict[str, Any]]:
    rows = []
    for entry in concern.told:
        rows.append({
            **entry,
            "why": EVENTS.get(entry.get("event", ""), entry.get("event", "")),
            "how_text": ", ".join(CHANNELS.get(h, h) for h in sorted(
                entry.get("how", []), key=lambda h: (_ORDER.get(h, 99), h)))
                or "No channel named",
            "verbal": "verbal" in entry.get("how", []),
        })
    return rows


def _concern_page(request: HttpRequest, concern: ImmediateConcern,
                  told_form: ToldForm | None = None, status: int = 200) -> HttpResponse:
    person = _person(request)
    audit = concern.audit
    raiser_side = _raiser_side(person, concern)
    items = list(SupervisionItem.objects.filter(
        audit=audit, reason__in=[SupervisionItem.Reason.IMMEDIATE_CONCERN,
                                 SupervisionItem.Reason.WIDER_CASELOAD],
    ).select_related("supervisor", "supervisee").order_by("created_at", "id"))
    errors = _error_list(told_form) if told_form is not None else []
    return render(request, "audits/concern_detail.html", {
        "concern": concern, "audit": audit, "actions": concerns.concern_actions(concern),
        "told": _told_rows(concern), "supervision_items": items,
        "raiser_side": raiser_side,
        "may_raise_concern": concerns.may_raise(audit=audit, person=person),
        "may_record_told": raiser_side and concern.team_manager_told_verbally_at is None,
        "told_form": told_form or ToldForm(initial={"told_on": timezone.localdate()}),
        "errors": errors, "page_has_errors": bool(errors),
        "audit_url": escalations.audit_page_url(audit),
    }, status=status)


def _raiser_side(person: Any, concern: ImmediateConcern) -> bool:
    """Whoever raised it, the audit's auditors and the QA team."""
    return person is not None and (person.pk == concern.raised_by_id
                                   or concerns.may_raise(audit=concern.audit, person=person))


@require_GET
def concern_detail(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = concerns.get_concern_for_user(request.user, concern_id)
    log_access(request, object_type="immediate_concern", object_id=concern.pk)
    return _concern_page(request, concern)


@require_POST
def concern_told(request: HttpRequest, concern_id: int) -> HttpResponse:
    concern = concerns.get_concern_for_user(request.user, concern_id)
    if not _raiser_side(_person(request), concern):
        raise PermissionDenied
    log_access(request, object_type="immediate_concern", object_id=concern.pk)
    form = ToldForm(request.POST)
    if form.is_valid():
        told_at = timezone.make_aware(dt.datetime.combine(form.cleaned_data["told_on"],
                                                          form.cleaned_data["told_at"]))
        try:
            concerns.immediate_concern_record_told(
                concern=concern, actor=_person(request), told_at=told_at,
                note=form.cleaned_data["told_note"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Recorded that you told the team manager.")
            return redirect("audits:concern_detail", concern.pk)
    return _concern_page(request, concern, told_form=form, status=400)


# The team manager's supervision list


@require_GET
@capability_required(Capability.SIGN_OFF_ACTIONS)
def supervision_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    waiting = list(supervision.supervision_waiting_for(person)) if person else []
    groups = [(who, list(rows)) for who, rows in groupby(waiting, key=lambda i: i.supervisee)]
    done = list(supervision.supervision_recently_discussed(person)) if person else []
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(i.audit_id for i in [*waiting, *done])))
    return render(request, "audits/supervision_list.html",
                  {"groups": groups, "waiting": waiting, "done": done})


def _may_read_audit(request: HttpRequest, audit: Audit) -> bool:
    try:
        selectors.get_audit_for_user(request.user, audit.pk)
    except Http404:
        return False
    return True


REASON_HELP: dict[str, str] = {
    SupervisionItem.Reason.IMMEDIATE_CONCERN: (
        "An immediate safeguarding concern was raised in this audit. Discuss it at the "
        "practitioner's next supervision and record the discussion."),
    SupervisionItem.Reason.WIDER_CASELOAD: (
        "The auditor asked for a wider look at the key worker's caseload, management "
        "practice or IRO/CP Chair oversight."),
    SupervisionItem.Reason.REQUIRES_IMPROVEMENT: (
        "The audit was graded requires improvement. Discuss its findings with the "
        "practitioner, agree SMART actions to improve practice on the case, and record the "
        "discussion as your supervision or management oversight note."),
    SupervisionItem.Reason.REFLECTIVE_DISCUSSION: (
        "A reflective discussion of the audit with the practitioner: the strengths of their "
        "practice and the areas that need more focus."),
}


def _item_page(request: HttpRequest, item: SupervisionItem, form: DiscussionForm | None = None,
               status: int = 200) -> HttpResponse:
    person = _person(request)
    visible = [c for c in concerns.concerns_of_audit(item.audit)
               if concerns.may_see_concern(request.user, c)]
    audit_url = escalations.audit_page_url(item.audit)
    errors = _error_list(form) if form is not None else []
    return render(request, "audits/supervision_item.html", {
        "item": item, "audit": item.audit, "concerns": visible,
        "reason_help": REASON_HELP.get(item.reason, ""),
        "audit_url": audit_url if audit_url and _may_read_audit(request, item.audit) else "",
        "is_supervisor": person is not None and person.pk == item.supervisor_id,
        "form": form or DiscussionForm(), "errors": errors,
        "may_raise_concern": concerns.may_raise(audit=item.audit, person=person),
    }, status=status)


@require_GET
def supervision_item(request: HttpRequest, item_id: int) -> HttpResponse:
    item = supervision.get_supervision_item_for_user(request.user, item_id)
    log_access(request, object_type="audit", object_id=item.audit_id)
    return _item_page(request, item)


@require_POST
def supervision_discussed(request: HttpRequest, item_id: int) -> HttpResponse:
    item = supervision.get_supervision_item_for_user(request.user, item_id)
    person = _person(request)
    if person is None or person.pk != item.supervisor_id:
        raise PermissionDenied
    log_access(request, object_type="audit", object_id=item.audit_id)
    form = DiscussionForm(request.POST)
    if form.is_valid():
        try:
            supervision.supervision_item_record_discussion(item=item, actor=person,
                                                           note=form.cleaned_data["note"])
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "Supervision note recorded.")
            return redirect("audits:supervision")
    return _item_page(request, item, form=form, status=400)


urlpatterns: list[URLPattern] = [
    path("<int:audit_id>/concerns/new", concern_new, name="concern_new"),
    path("concerns/<int:concern_id>/", concern_detail, name="concern_detail"),
    path("concerns/<int:concern_id>/told", concern_told, name="concern_told"),
    path("supervision/", supervision_list, name="supervision"),
    path("supervision/<int:item_id>/", supervision_item, name="supervision_item"),
    path("supervision/<int:item_id>/discussed", supervision_discussed,
         name="supervision_discussed"),
]
