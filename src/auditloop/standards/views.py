"""The tool library (every tool as auditors see it) and uploads. The framework settings,
scheduled changes and presets are in framework_views."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.people.roles import Capability
from auditloop.standards import (
    diff,
    forms,
    schema,
    selectors,
    services,
)
from auditloop.standards.models import ToolUpload
from auditloop.standards.seeds import SEED_TITLES
from auditloop.standards.yamlcheck import FileProblems

# 003: "The following statements and examples of good practice need to be shared with all
# staff": every role may read the tools, as auditors will see them.
TOOL_READERS = tuple(Capability)
MANAGE = Capability.MANAGE_FRAMEWORK


def _tool_context(version) -> dict[str, object]:  # type: ignore[no-untyped-def]
    definition = version.definition
    return {
        "version": version,
        "tool": version.tool,
        "d": definition,
        "scales": definition["scales"],
        "has_draft": schema.has_draft(definition),
        "labels": {
            "purposes": schema.PURPOSES, "completed_by": schema.COMPLETED_BY,
            "qc_events": schema.QC_EVENTS, "kinds": schema.SECTION_KINDS,
            "conditions": schema.CASE_CONDITIONS, "repeats": schema.REPEATS,
            "yes_no": schema.YES_NO, "rag": schema.RAG, "suggestions": schema.SUGGESTIONS,
            "reasons": schema.REASON_WHEN, "findings": schema.FINDINGS,
        },
        "draft_note": schema.DRAFT_NOTE,
        "no_definition": getattr(schema, "NO_DEFINITION",
                                 "The seed gives no definition for this grade"),
        "questions": {f"{s['key']}.{q['key']}": q for s, q in schema.all_questions(definition)},
    }


@require_GET
@capability_required(*TOOL_READERS)
def tool_list(request: HttpRequest) -> HttpResponse:
    framework = selectors.framework_settings_row()
    return render(request, "standards/tool_list.html", {
        "tools": selectors.tool_library(),
        "in_framework": set(framework.tools or []),
        "purposes": schema.PURPOSES,
        "seed_titles": SEED_TITLES,
        "can_manage": request.user.has_capability(MANAGE),  # type: ignore[union-attr]
    })


@require_GET
@capability_required(*TOOL_READERS)
def tool_detail(request: HttpRequest, key: str, number: int | None = None) -> HttpResponse:
    version = selectors.get_tool_version(key, number)
    context = _tool_context(version)
    context["seed_titles"] = SEED_TITLES
    can_manage = request.user.has_capability(MANAGE)  # type: ignore[union-attr]
    versions = list(selectors.tool_versions(version.tool))
    previous = next((v for v in versions if v.number < version.number), None)
    context.update({
        "versions": versions,
        "can_manage": can_manage,
        "is_latest": bool(versions) and versions[0].pk == version.pk,
        "previous": previous,
        # What changed since the version before, as the upload review showed it.
        "changes": diff.tool_changes(
            selectors.get_tool_version(key, previous.number).definition, version.definition)
        if previous else [],
        "draft": services.open_draft(key) if can_manage else None,
    })
    if not can_manage:
        # Whether wording is the seed's is the QA manager's to review, not the auditor's.
        context.update({"draft_note": "", "has_draft": False})
    return render(request, "standards/tool_detail.html", context)


@require_GET
@capability_required(*TOOL_READERS)
def tool_source(request: HttpRequest, key: str, number: int) -> HttpResponse:
    version = selectors.get_tool_version(key, number)
    response = HttpResponse(version.source, content_type="text/yaml; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{version.tool.key}-version-{version.number}.yaml"'
    )
    return response


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_upload(request: HttpRequest) -> HttpResponse:
    form = forms.ToolUploadForm(request.POST or None, request.FILES or None)
    problems: list[object] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            text = services.tool_file_text(upload.read(), upload.name)
            pending = services.tool_upload_start(text=text, filename=upload.name,
                                                 actor=request.user,
                                                 note=form.cleaned_data["note"])
        except FileProblems as exc:
            problems = list(exc.problems)
            form.add_error("file", f"{upload.name} has {len(problems)} problem"
                                   f"{'s' if len(problems) != 1 else ''}: fix them in the "
                                   "file and upload it again.")
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else "file", exc.message)
        else:
            return redirect("standards:tool_upload_review", pending.pk)
    return render(request, "standards/tool_upload.html", {"form": form, "problems": problems})


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def tool_upload_review(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = selectors.get_pending_upload(upload_id)
    if services.is_browser_draft(upload) and upload.status == ToolUpload.Status.PENDING:
        return redirect("standards:tool_edit_review", upload.tool_key)
    if upload.status != ToolUpload.Status.PENDING:
        messages.info(request, "That upload has already been confirmed or discarded.")
        return redirect("standards:tool_list")
    if request.method == "POST":
        if request.POST.get("action") == "discard":
            services.tool_upload_discard(upload=upload)
            messages.success(request, f"{upload.filename} was discarded. Nothing changed.")
            return redirect("standards:tool_list")
        try:
            version = services.tool_upload_confirm(upload=upload, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("standards:tool_list")
        messages.success(request, f"Version {version.number} of {version.tool.name} is saved. "
                                  "New audits will start on it; audits already started keep "
                                  "their version.")
        return redirect("standards:tool_version", version.tool.key, version.number)
    try:
        new = schema.parse_tool(upload.source, upload.filename)
    except FileProblems as exc:  # the format changed since it was checked: start again
        services.tool_upload_discard(upload=upload)
        messages.error(request, f"{exc.message} Upload the file again.")
        return redirect("standards:tool_upload")
    latest = selectors.latest_version(upload.tool_key)
    return render(request, "standards/tool_upload_review.html", {
        "upload": upload,
        "new": new,
        "latest": latest,
        "changes": diff.tool_changes(latest.definition if latest else None, new),
        "lines": diff.file_changes(latest.source, upload.source) if latest else [],
    })


@require_POST
@capability_required(MANAGE)
def tool_version_delete(request: HttpRequest, key: str, number: int) -> HttpResponse:
    version = selectors.get_tool_version(key, number)
    name = version.tool.name
    try:
        services.tool_version_delete(version=version)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("standards:tool_version", key, number)
    messages.success(request, f"Version {number} of {name} was deleted.")
    return redirect("standards:tool_list")
