"""The audit page: your audits, an audit made by hand, the task list, a page per section that
saves as the auditor types, the overall grade, check your answers and submit. Every view of
an audit is logged; only its current auditors change it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.audits import audit_actions, forms, selectors, services, voices
from auditloop.audits.models import Answer, Audit
from auditloop.audits.submission import OVERALL, Problem, Sheet
from auditloop.cases.selectors import involvement_history, reach_q
from auditloop.common.access import capability_required, log_access, log_access_many
from auditloop.common.dates import gds_date
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import create_once
from auditloop.common.models import AccessLog
from auditloop.people.models import Person
from auditloop.people.roles import Capability
from auditloop.standards.schema import REPEATS, SECTION_KINDS

PAGE_SIZE = 50
STATUS_TEXT = {
    "does_not_apply": ("Does not apply", ""),
    "not_started": ("Not yet started", "blue"),
    "in_progress": ("In progress", "light-blue"),
    "completed": ("Completed", ""),
    "optional": ("Nothing required", ""),
}


def _person(request: HttpRequest) -> Person | None:
    return request.user.person_or_none  # type: ignore[union-attr]


def _open(request: HttpRequest, audit_id: int, *, edit: bool = False) -> Audit:
    """The audit if this person may see it (or change it), logged; 404 otherwise."""
    audit = selectors.get_audit_for_user(request.user, audit_id, edit=edit)
    log_access(request, object_type="audit", object_id=audit.pk)
    return audit


def _current_auditors(audit: Audit) -> list[Person]:
    return [a.person for a in audit.assignments.all() if a.ended_at is None]


def _sections(audit: Audit, sheet: Sheet) -> list[dict[str, Any]]:
    found = []
    for number, s in enumerate(sheet.sections, start=1):
        status = sheet.section_status(s)
        text, colour = STATUS_TEXT[status]
        found.append({
            "section": s, "number": number, "status": status, "status_text": text,
            "does_not_apply": status == "does_not_apply",
            "colour": colour, "href": reverse("audits:audit_section", args=[audit.pk, s["key"]]),
            "title": f"{s['ref']}. {s['title']}" if s.get("ref") else s["title"],
        })
    return found


def _other_page(name: str, audit: Audit) -> str:
    """A page another part of the audits app adds about this audit, where it exists."""
    try:
        return reverse(name, args=[audit.pk])
    except NoReverseMatch:
        return ""


def _may_raise_concern(audit: Audit, person: Person | None) -> bool:
    try:
        from auditloop.audits.concerns import may_raise
    except ImportError:  # the concerns part decides on its own form
        return True
    return may_raise(audit=audit, person=person)


def _page_context(audit: Audit, sheet: Sheet, person: Person | None = None,
                  **extra: Any) -> dict[str, Any]:
    """What every page of an audit shows beside the form: the case, who holds and held it,
    the period under review and the auditors."""
    return {
        "audit": audit,
        "case": audit.case,
        "sheet": sheet,
        "tool": sheet.definition,
        "involvements": list(involvement_history(audit.case)),
        "auditors": _current_auditors(audit),
        "children": sheet.facts.children,
        "kinds": SECTION_KINDS,
        "repeats": REPEATS,
        "status_text": STATUS_TEXT,
        "display": forms.display_value,
        "may_raise_concern": _may_raise_concern(audit, person),
        **extra,
    }


def _next_url(audit: Audit, sheet: Sheet, after: str | None) -> str:
    keys = [s["key"] for s in sheet.sections]
    start = keys.index(after) + 1 if after in keys else 0
    if after != OVERALL:
        for s in sheet.sections[start:]:
            if sheet.section_applies(s) is not False:
                return reverse("audits:audit_section", args=[audit.pk, s["key"]])
        if sheet.overall:
            return reverse("audits:audit_overall", args=[audit.pk])
    return reverse("audits:audit_check", args=[audit.pk])


# Lists ----------------------------------------------------------------------------------


@require_GET
def audit_list(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    mine = list(selectors.audits_for_auditor(person=person)) if person else []
    context: dict[str, Any] = {"mine": mine, "statuses": Audit.Status.choices,
                               "today": timezone.localdate()}
    reach = reach_q(request.user, "case__")
    if reach is None or reach != Q(pk__in=[]):
        # Everyone whose role reaches cases without a relationship: every audit, or those of
        # the cases their role reaches (Early Help Officers: Early Help audits).
        status = request.GET.get("status", "")
        status = status if status in Audit.Status.values else ""
        audits = selectors.audits_for_qa_team(status=status or None)
        if reach is not None:
            audits = audits.filter(reach)
        context["qa"] = Paginator(audits, PAGE_SIZE).get_page(request.GET.get("page"))
        context["status"] = status
    # Each audit the page lists (the person's own and this page of everyone's), one insert.
    shown = [a.pk for a in mine] + ([a.pk for a in context["qa"].object_list]
                                    if "qa" in context else [])
    log_access_many(request, object_type="audit", action=AccessLog.Action.LIST,
                    object_ids=list(dict.fromkeys(shown)))
    return render(request, "audits/audit_list.html", context)


@require_http_methods(["GET", "POST"])
@capability_required(Capability.RUN_CYCLE)
def audit_new(request: HttpRequest) -> HttpResponse:
    form = forms.NewAuditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        version = form.tool_version
        if version is None:
            form.add_error("tool", "Choose an audit tool")
        else:
            auditors = [p for p in (data["first_auditor"], data.get("second_auditor")) if p]
            try:
                audit, _ = create_once(form.token, Audit, lambda: services.audit_create(
                    case=form.case, tool_version=version,  # type: ignore[arg-type]
                    auditors=auditors, created_by=_person(request), due_on=data["due_on"],
                    kind=data["kind"], reason=data["reason"].strip(),
                    covers_family=data["covers_family"]))
            except DomainError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                names = " and ".join(p.full_name for p in auditors)
                messages.success(request, f"Audit created: {names} can start it now.")
                return redirect("audits:audit_detail", audit.pk)
    return render(request, "audits/audit_new.html", {"form": form},
                  status=400 if form.errors else 200)


# One audit --------------------------------------------------------------------------------


@require_GET
def audit_detail(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _open(request, audit_id)
    person = _person(request)
    sheet = Sheet.for_audit(audit)
    may_edit = audit.is_open_for_editing and person is not None and any(
        p.pk == person.pk for p in _current_auditors(audit))
    context = _page_context(audit, sheet, person, may_edit=may_edit,
                            sections=_sections(audit, sheet),
                            voices_url=_other_page("audits:voices", audit),
                            feedback_url=_other_page("audits:feedback", audit)
                            if audit.submitted_at else "",
                            # Flagged, not refused: it happened (002's minimum length).
                            held_short=[voices.held_short_message(c) for c in
                                        voices.conversations_held_short(
                                            audit.conversations.all())])
    if may_edit:
        context["overall_status"] = STATUS_TEXT[sheet.overall_status()]
        context["problem_count"] = len(sheet.problems())
    else:
        context["review"] = _review(audit, sheet)
        context["overall_fields"] = [] if audit.submitted_at else forms.overall_fields(sheet)
    return render(request, "audits/audit_detail.html", context)


def _review(audit: Audit, sheet: Sheet) -> list[dict[str, Any]]:
    """Every section with its answers in words, for reading and for checking."""
    found = []
    for row in _sections(audit, sheet):
        s = row["section"]
        page = forms.section_fields(sheet, s)
        items = []
        for item in page["items"]:
            fields = [f for f in item["fields"] if sheet.question_applies(s, _q(s, f.key),
                                                                          f.item)]
            items.append({**item, "fields": fields})
        found.append({**row, "page": {**page, "items": items}})
    return found


def _q(s: dict[str, Any], key: str) -> dict[str, Any]:
    return next(q for q in s["questions"] if q["key"] == key)


def _save_fields(request: HttpRequest, audit: Audit, fields: list[forms.AuditField],
                 person: Person) -> list[Problem]:
    """Save what the auditor changed on a page. Fields they did not touch are left alone, so
    a partner's answer saved meanwhile is never overwritten; one they both changed comes
    back as a conflict for the auditor to settle."""
    problems: list[Problem] = []
    for f in fields:
        posted = forms.read_field(f, request.POST)  # type: ignore[arg-type]
        if posted.error:
            f.error, f.raw = posted.error, posted.raw
            problems.append(Problem(f.section_key, f.id, f"{posted.error} ({_short(f)})"))
            continue
        if not posted.changed or _nothing_to_save(f, posted):
            continue
        result = services.answer_save_on_page(
            audit=audit, actor=person, section_key=f.section_key, item=f.item,
            question_key=f.key, value=posted.value, comment=posted.comment,
            seen_revision=posted.revision)
        if result.conflict is not None:
            theirs = result.conflict
            f.conflict = theirs
            f.value, f.comment_value = posted.value, posted.comment
            # The page now holds their revision: saving again keeps the auditor's answer.
            f.revision, f.saved = theirs.revision, forms.fingerprint(theirs.value,
                                                                     theirs.comment)
            problems.append(Problem(
                f.section_key, f.id,
                f"{_short(f)}: another auditor saved a different answer while you were "
                "working. Choose which to keep"))
        else:
            a = result.answer
            f.value, f.comment_value, f.revision = a.value, a.comment, a.revision
            f.saved = forms.fingerprint(a.value, a.comment)
    return problems


def _nothing_to_save(f: forms.AuditField, posted: forms.Posted) -> bool:
    """An empty answer to a field never answered: no row to write."""
    return f.revision is None and posted.value is None and not posted.comment


def _short(f: forms.AuditField) -> str:
    return f.label if len(f.label) <= 60 else f.label[:57].rstrip() + "..."


@require_http_methods(["GET", "POST"])
def audit_section(request: HttpRequest, audit_id: int, section_key: str) -> HttpResponse:
    audit = _open(request, audit_id, edit=True)
    if not audit.is_open_for_editing:
        messages.info(request, f"This audit is {audit.get_status_display().lower()}: it can "
                               "no longer be changed.")
        return redirect("audits:audit_detail", audit.pk)
    sheet = Sheet.for_audit(audit)
    s = sheet.section(section_key)
    if s is None:
        raise Http404
    page = forms.section_fields(sheet, s)
    problems: list[Problem] = []
    if request.method == "POST" and sheet.section_applies(s) is False:
        return redirect(_next_url(audit, sheet, s["key"]))  # nothing here to answer
    if request.method == "POST":
        person = _person(request)
        assert person is not None  # a current auditor is a person
        try:
            problems = _save_fields(request, audit, forms.all_section_fields(page), person)
            if not problems and request.POST.get("add_item"):
                item = services.repeat_item_add(audit=audit, actor=person,
                                                section_key=s["key"])
                return redirect(reverse("audits:audit_section", args=[audit.pk, s["key"]])
                                + f"#item-{item}")
            remove = request.POST.get("remove_item", "")
            if not problems and remove.isdigit():
                services.repeat_item_remove(audit=audit, actor=person, section_key=s["key"],
                                            item=int(remove))
                messages.success(request, "The action has been removed.")
                return redirect("audits:audit_section", audit.pk, s["key"])
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("audits:audit_detail", audit.pk)
        if not problems:
            if request.POST.get("then") == "later":
                messages.success(request, "Your answers have been saved.")
                return redirect("audits:audit_detail", audit.pk)
            return redirect(_next_url(audit, sheet, s["key"]))
    sections = _sections(audit, sheet)
    row = next(r for r in sections if r["section"]["key"] == s["key"])
    return render(request, "audits/audit_section.html", _page_context(
        audit, sheet, _person(request), section=s, row=row, page=page, problems=problems,
        page_has_errors=bool(problems), applies=sheet.section_applies(s),
        section_count=len(sections),
        tracked_actions=audit_actions.tracking_note(s),
    ), status=400 if problems else 200)


@require_http_methods(["GET", "POST"])
def audit_overall(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _open(request, audit_id, edit=True)
    if not audit.is_open_for_editing:
        return redirect("audits:audit_detail", audit.pk)
    sheet = Sheet.for_audit(audit)
    if not sheet.overall:
        raise Http404
    fields = forms.overall_fields(sheet)
    problems: list[Problem] = []
    if request.method == "POST":
        person = _person(request)
        assert person is not None
        try:
            problems = _save_fields(request, audit, fields, person)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("audits:audit_detail", audit.pk)
        if not problems:
            if request.POST.get("then") == "later":
                messages.success(request, "Your answers have been saved.")
                return redirect("audits:audit_detail", audit.pk)
            return redirect("audits:audit_check", audit.pk)
    suggestion = sheet.suggested_grade()
    graded = [(s, sheet.value(s["key"], 0, forms.GRADE)) for s in sheet.compared_sections()]
    return render(request, "audits/audit_overall.html", _page_context(
        audit, sheet, _person(request), fields=fields, problems=problems,
        page_has_errors=bool(problems),
        suggestion=sheet.level_label(sheet.overall["scale"], suggestion) if suggestion else "",
        suggestion_how=sheet.overall.get("suggestion", "none"),
        graded=[(s, sheet.level_label(s.get("scale"), g) if g else "Not graded yet")
                for s, g in graded],
        reason_needed=sheet.reason_needed(),
    ), status=400 if problems else 200)


def _theirs_inputs(f: forms.AuditField, answer: Answer) -> list[list[str]]:
    """Their answer as the page's inputs, for "Use theirs"."""
    fid, value = f.id, answer.value
    pairs: list[list[str]] = []
    if isinstance(value, list):
        pairs = [[fid, str(v)] for v in value]
    elif f.kind == "date" and isinstance(value, str) and len(value) == 10:
        y, m, d = value.split("-")
        pairs = [[f"{fid}-day", str(int(d))], [f"{fid}-month", str(int(m))],
                 [f"{fid}-year", y]]
    elif value is not None:
        pairs = [[fid, str(value)]]
    if f.comment != "none":
        pairs.append([f"{fid}-comment", answer.comment])
    return pairs


@require_POST
def audit_autosave(request: HttpRequest, audit_id: int) -> HttpResponse:
    """Save one field as the auditor types. Answers: saved (with the new revision), a
    conflict (with the other auditor's answer), or why it was not saved."""
    audit = selectors.get_audit_for_user(request.user, audit_id, edit=True)
    person = _person(request)
    sheet = Sheet.for_audit(audit)
    f = forms.field_by_id(sheet, request.POST.get("field", ""))
    if f is None or person is None:
        return JsonResponse({"status": "error", "message": "Not saved: this answer is not "
                             "part of the audit. Reload the page."}, status=400)
    posted = forms.read_field(f, request.POST)  # type: ignore[arg-type]
    if posted.error:
        return JsonResponse({"status": "invalid", "message": f"Not saved: {posted.error}"},
                            status=400)
    if (not posted.changed and f.revision == posted.revision) or _nothing_to_save(f, posted):
        return JsonResponse(_saved_json(sheet, f, None))
    try:
        result = services.answer_save_on_page(
            audit=audit, actor=person, section_key=f.section_key, item=f.item,
            question_key=f.key, value=posted.value, comment=posted.comment,
            seen_revision=posted.revision, overwrite=request.POST.get("overwrite") == "1")
    except DomainError as exc:
        return JsonResponse({"status": "closed", "message": f"Not saved: {exc.message}"},
                            status=409)
    if result.conflict is not None:
        theirs = result.conflict
        return JsonResponse({
            "status": "conflict",
            "revision": theirs.revision,
            "was": forms.fingerprint(theirs.value, theirs.comment),
            "theirs": {
                "display": forms.display_value(f, theirs.value),
                "comment": theirs.comment,
                "by": theirs.updated_by.full_name if theirs.updated_by else "Another auditor",
                "at": gds_date(theirs.updated_at, True),
                "inputs": _theirs_inputs(f, theirs),
            },
        }, status=409)
    return JsonResponse(_saved_json(sheet, f, result.answer))


def _saved_json(sheet: Sheet, f: forms.AuditField, answer: Answer | None) -> dict[str, Any]:
    if answer is not None:
        sheet.answers[(answer.section_key, answer.item, answer.question_key)] = answer
    revision = answer.revision if answer else f.revision
    was = forms.fingerprint(answer.value, answer.comment) if answer else f.was
    at = answer.updated_at if answer else timezone.now()
    data: dict[str, Any] = {"status": "saved", "revision": revision, "was": was,
                            "at": gds_date(at, True)}
    if sheet.overall:
        data["reason_needed"] = sheet.reason_needed() or ""
    return data


@require_GET
def audit_check(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _open(request, audit_id, edit=True)
    if not audit.is_open_for_editing:
        return redirect("audits:audit_detail", audit.pk)
    return _check_page(request, audit, submitted=False)


def _check_page(request: HttpRequest, audit: Audit, *, submitted: bool,
                problems: list[Problem] | None = None) -> HttpResponse:
    sheet = Sheet.for_audit(audit)
    problems = sheet.problems() if problems is None else problems
    links = []
    for p in problems:
        href = reverse("audits:audit_overall", args=[audit.pk]) if p.section_key == OVERALL \
            else reverse("audits:audit_section", args=[audit.pk, p.section_key])
        links.append({"href": f"{href}#{p.field}", "message": p.message})
    overall = forms.overall_fields(sheet)
    return render(request, "audits/audit_check.html", _page_context(
        audit, sheet, _person(request), review=_review(audit, sheet), overall_fields=overall,
        problems=links, tried=submitted, page_has_errors=submitted and bool(problems),
        impact=sheet.impact_score(), alone=services.completed_alone_reason(
            audit=audit, actor=_person(request), on=timezone.localdate())  # type: ignore[arg-type]
    ), status=400 if submitted and problems else 200)


@require_POST
def audit_submit(request: HttpRequest, audit_id: int) -> HttpResponse:
    audit = _open(request, audit_id, edit=True)
    person = _person(request)
    assert person is not None
    try:
        services.audit_submit(audit=audit, actor=person)
    except services.SubmitProblems as exc:
        return _check_page(request, audit, submitted=True, problems=exc.problems)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("audits:audit_detail", audit.pk)
    messages.success(request, "Audit submitted. Thank you: the QA team has it now.")
    return redirect("audits:audit_detail", audit.pk)


urlpatterns = [
    path("", audit_list, name="audit_list"),
    path("new", audit_new, name="audit_new"),
    path("<int:audit_id>/", audit_detail, name="audit_detail"),
    path("<int:audit_id>/sections/<slug:section_key>/", audit_section, name="audit_section"),
    path("<int:audit_id>/overall", audit_overall, name="audit_overall"),
    path("<int:audit_id>/save", audit_autosave, name="audit_autosave"),
    path("<int:audit_id>/check", audit_check, name="audit_check"),
    path("<int:audit_id>/submit", audit_submit, name="audit_submit"),
]
