"""Changing a tool in the browser: the QA manager's draft of changes, each change a small
form, then the same review as an uploaded file before the changes become a new version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.people.roles import Capability
from auditloop.standards import schema, selectors, services, tool_edit_forms, tool_editor
from auditloop.standards.models import ToolUpload
from auditloop.standards.yamlcheck import FileProblems

MANAGE = Capability.MANAGE_FRAMEWORK


def _draft(key: str) -> ToolUpload:
    draft = services.open_draft(key)
    if draft is None:
        raise Http404
    return draft


def _no_draft(request: HttpRequest, key: str) -> HttpResponse:
    messages.info(request, "There are no changes in progress for this tool: press “Change "
                           "this tool” to start.")
    return redirect("standards:tool_detail", key)


def _definition(draft: ToolUpload) -> dict[str, Any]:
    return tool_editor.check(draft.source)


def _editor_url(key: str, anchor: str = "") -> str:
    return reverse("standards:tool_edit", args=[key]) + (f"#{anchor}" if anchor else "")


def _apply(request: HttpRequest, form: Any, draft: ToolUpload,
           change: Callable[[dict[str, Any]], Any], *, fields: dict[str, str] | None = None,
           ) -> tuple[bool, Any]:
    """Make a change through the service; put what went wrong on the form or the page."""
    try:
        result = services.tool_draft_change(draft=draft, seen=form.cleaned_data.get("seen", ""),
                                            change=change)
    except services.StaleDraft as exc:
        messages.error(request, exc.message)
        return False, "stale"
    except FileProblems as exc:
        definition = _definition(draft)
        for problem, where in tool_editor.problems_in_words(exc, definition):
            name = problem.field.rsplit(".", 1)[-1]
            target = (fields or {}).get(name, name if name in form.fields else None)
            if target and target in form.fields:
                form.add_error(target, f"{form.fields[target].label}: {problem.message}")
            else:
                form.add_error(None, f"{where[:1].upper()}{where[1:]}: {problem.message}")
        return False, None
    except DomainError as exc:
        form.add_error(None, exc.message)
        return False, None
    return True, result


def _change_page(request: HttpRequest, *, key: str, draft: ToolUpload, form: Any,
                 change: Callable[[], Callable[[dict[str, Any]], Any]],
                 done: Callable[[Any], tuple[str, str]], back: str, template: str,
                 context: dict[str, Any]) -> HttpResponse:
    """Every change page: GET shows the form; a valid POST makes the change (`change` builds
    it from the cleaned form) and goes back to the editor at the anchor `done` names, with
    its message; a stale form goes back to the editor at `back` (the message says why);
    anything else shows the form again with what went wrong."""
    if request.method == "POST" and form.is_valid():
        ok, result = _apply(request, form, draft, change())
        if ok:
            message, anchor = done(result)
            messages.success(request, message)
            return redirect(_editor_url(key, anchor))
        if result == "stale":
            return redirect(_editor_url(key, back))
    return render(request, template, {"form": form, "draft": draft, "key": key, **context})


@require_POST
@capability_required(MANAGE)
def tool_edit_start(request: HttpRequest, key: str) -> HttpResponse:
    try:
        _, made = services.tool_draft_start(key=key, actor=request.user)
    except DomainError as exc:
        raise Http404 from exc
    if not made:
        messages.info(request, "Changes to this tool were already in progress: they are "
                               "shown below, with yours to come.")
    return redirect("standards:tool_edit", key)


@require_GET
@capability_required(MANAGE)
def tool_edit(request: HttpRequest, key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    try:
        definition = _definition(draft)
    except FileProblems as exc:  # the tool format changed since the changes were made
        services.tool_draft_discard(draft=draft)
        messages.error(request, f"The changes in progress no longer pass the tool checks "
                                f"({exc.message}), so they were discarded. Start again.")
        return redirect("standards:tool_detail", key)
    base = services.draft_base(draft)
    changes = services.draft_changes(draft)[2]
    return render(request, "standards/tool_edit.html", {
        "draft": draft, "d": definition, "base": base, "key": key,
        "seen": services.draft_fingerprint(draft),
        "changes": changes,
        "main_scale": tool_editor.main_scale(definition),
        "scales": definition["scales"],
        "draft_note": schema.DRAFT_NOTE,
        "no_definition": getattr(schema, "NO_DEFINITION", "The seed gives no definition for "
                                                          "this grade"),
        "answers": schema.ANSWERS,
    })


def _question_page(request: HttpRequest, key: str, section_key: str,
                   question_key: str | None) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    definition = _definition(draft)
    section = next((s for s in definition["sections"] if s["key"] == section_key), None)
    if section is None:
        raise Http404
    current = None
    if question_key is not None:
        current = next((q for q in section["questions"] if q["key"] == question_key), None)
        if current is None:
            messages.error(request, "That question is no longer in the tool: it may have been "
                                    "removed in another tab.")
            return redirect(_editor_url(key))
    initial: dict[str, Any] = {"seen": services.draft_fingerprint(draft), "answer": "yes_no"}
    if current is not None:
        _, data = tool_editor.read(draft.source)
        raw = tool_editor.question(data, section_key, current["key"])
        initial.update({
            "ref": current["ref"], "text": current["text"], "guidance": current["guidance"],
            "answer": current["answer"], "scale": raw.get("scale") or "",
            "choices": "\n".join(c["label"] for c in current.get("choices") or []),
            "min": current.get("min"), "max": current.get("max"),
        })
    scales = tool_editor.available_scales(draft.source)
    form = tool_edit_forms.QuestionForm(request.POST or None, initial=initial, scales=scales)

    def change() -> Callable[[dict[str, Any]], Any]:
        fields = form.changes()
        if current is None:
            return lambda data: tool_editor.question_add(data, section_key, fields)
        return lambda data: tool_editor.question_fields(
            tool_editor.question(data, section_key, current["key"]), fields)

    def done(result: Any) -> tuple[str, str]:
        what, qk = ("added", result) if current is None else ("changed", current["key"])
        return (f"The question is {what}. It is part of your changes: review and save them "
                "to make a new version.", f"q-{section_key}--{qk}")

    return _change_page(request, key=key, draft=draft, form=form, change=change, done=done,
                        back=f"section-{section_key}",
                        template="standards/tool_edit_question.html",
                        context={"d": definition, "section": section, "question": current})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_question_add(request: HttpRequest, key: str, section_key: str) -> HttpResponse:
    return _question_page(request, key, section_key, None)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_question(request: HttpRequest, key: str, section_key: str,
                       question_key: str) -> HttpResponse:
    return _question_page(request, key, section_key, question_key)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_question_remove(request: HttpRequest, key: str, section_key: str,
                              question_key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    definition = _definition(draft)
    section = next((s for s in definition["sections"] if s["key"] == section_key), None)
    current = next((q for q in (section or {}).get("questions", [])
                    if q["key"] == question_key), None)
    if section is None or current is None:
        messages.error(request, "That question is no longer in the tool: it may have been "
                                "removed already.")
        return redirect(_editor_url(key))
    form = tool_edit_forms.DraftForm(request.POST or None,
                                     initial={"seen": services.draft_fingerprint(draft)})
    return _change_page(
        request, key=key, draft=draft, form=form,
        change=lambda: lambda data: tool_editor.question_remove(data, section_key, question_key),
        done=lambda _: ("The question is removed from your changes. Audits already started "
                        "keep it until they finish.", f"section-{section_key}"),
        back=f"section-{section_key}", template="standards/tool_edit_remove.html",
        context={"d": definition, "section": section, "question": current,
                 "last": len(section["questions"]) == 1})


@require_POST
@capability_required(MANAGE)
def tool_edit_question_move(request: HttpRequest, key: str, section_key: str,
                            question_key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    form = tool_edit_forms.DraftForm(request.POST)
    form.is_valid()
    direction = "up" if request.POST.get("direction") == "up" else "down"
    ok, _ = _apply(request, form, draft, lambda data: tool_editor.question_move(
        data, section_key, question_key, direction))
    if ok:
        messages.success(request, f"The question is moved {direction}.")
    elif form.non_field_errors():
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    return redirect(_editor_url(key, f"q-{section_key}--{question_key}"))


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_section(request: HttpRequest, key: str, section_key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    definition = _definition(draft)
    section = next((s for s in definition["sections"] if s["key"] == section_key), None)
    if section is None:
        raise Http404
    _, data = tool_editor.read(draft.source)
    raw = tool_editor.section(data, section_key)
    form = tool_edit_forms.SectionForm(
        request.POST or None, scales=tool_editor.available_scales(draft.source),
        graded=section["graded"],
        initial={"seen": services.draft_fingerprint(draft), "ref": section["ref"],
                 "title": section["title"], "guidance": section["guidance"],
                 "scale": raw.get("scale") or ""})
    return _change_page(
        request, key=key, draft=draft, form=form,
        change=lambda: lambda data: tool_editor.section_fields(data, section_key,
                                                               form.changes()),
        done=lambda _: ("The section is changed. It is part of your changes: review and save "
                        "them to make a new version.", f"section-{section_key}"),
        back=f"section-{section_key}", template="standards/tool_edit_section.html",
        context={"d": definition, "section": section})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_scale(request: HttpRequest, key: str) -> HttpResponse:
    """Grade the whole tool on another scale."""
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    definition = _definition(draft)
    old = tool_editor.main_scale(definition)
    form = tool_edit_forms.ToolScaleForm(
        request.POST or None, scales=tool_editor.available_scales(draft.source),
        initial={"seen": services.draft_fingerprint(draft), "scale": old or ""})
    return _change_page(
        request, key=key, draft=draft, form=form,
        change=lambda: lambda data: tool_editor.tool_scale_change(data, old,
                                                                  form.cleaned_data["scale"]),
        done=lambda _: ("The tool's grade scale is changed. It is part of your changes: "
                        "review and save them to make a new version.", "scales"),
        back="scales", template="standards/tool_edit_scale.html",
        context={"d": definition, "available": tool_editor.available_scales(draft.source),
                 "old": old})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_grades(request: HttpRequest, key: str, scale_key: str) -> HttpResponse:
    """A scale's name, and each grade's label and definition."""
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    definition = _definition(draft)
    scale = definition["scales"].get(scale_key)
    if scale is None or scale.get("narrative_only"):
        raise Http404
    form = tool_edit_forms.ScaleLevelsForm(
        request.POST or None, scale=scale,
        initial={"seen": services.draft_fingerprint(draft)})
    in_library = scale_key in schema.library_scales() and scale_key not in (
        tool_editor.read(draft.source)[1].get("scales") or {})
    return _change_page(
        request, key=key, draft=draft, form=form,
        change=lambda: lambda data: tool_editor.scale_levels_change(
            data, scale_key, definition, form.level_changes(), form.cleaned_data["name"]),
        done=lambda _: (f"The grades of {form.cleaned_data['name']} are changed. They are "
                        "part of your changes: review and save them to make a new version.",
                        "scales"),
        back="scales", template="standards/tool_edit_grades.html",
        context={"d": definition, "scale": scale, "in_library": in_library})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_edit_review(request: HttpRequest, key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is None:
        return _no_draft(request, key)
    form = tool_edit_forms.SaveForm(request.POST or None,
                                    initial={"seen": services.draft_fingerprint(draft)})
    if request.method == "POST" and form.is_valid():
        try:
            version = services.tool_draft_save(draft=draft, actor=request.user,
                                               note=form.cleaned_data["note"],
                                               seen=form.cleaned_data["seen"])
        except services.StaleDraft as exc:
            messages.error(request, exc.message)
            return redirect("standards:tool_edit_review", key)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Version {version.number} of {version.tool.name} is "
                                      "saved. New audits will start on it; audits already "
                                      "started keep their version.")
            return redirect(reverse("standards:tool_version", args=[key, version.number])
                            + "#changes")
    base, new, changes, lines = services.draft_changes(draft)
    return render(request, "standards/tool_edit_review.html", {
        "form": form, "draft": draft, "new": new, "base": base, "key": key,
        "changes": changes, "lines": lines,
        "latest": selectors.latest_version(key),
    })


@require_POST
@capability_required(MANAGE)
def tool_edit_discard(request: HttpRequest, key: str) -> HttpResponse:
    draft = services.open_draft(key)
    if draft is not None and services.tool_draft_discard(draft=draft):
        messages.success(request, "Your changes are discarded. The tool is as it was.")
    else:
        messages.info(request, "There were no changes in progress to discard.")
    return redirect("standards:tool_detail", key)
