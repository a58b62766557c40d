"""The tool library (every tool as auditors see it), uploads, framework settings and presets."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.people.roles import Capability
from auditloop.standards import (
    diff,
    forms,
    presets,
    schema,
    selectors,
    services,
    settings_display,
    settings_spec,
)
from auditloop.standards.models import ToolUpload
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
        "can_manage": request.user.has_capability(MANAGE),  # type: ignore[union-attr]
    })


@require_GET
@capability_required(*TOOL_READERS)
def tool_detail(request: HttpRequest, key: str, number: int | None = None) -> HttpResponse:
    version = selectors.get_tool_version(key, number)
    context = _tool_context(version)
    context.update({
        "versions": selectors.tool_versions(version.tool),
        "can_manage": request.user.has_capability(MANAGE),  # type: ignore[union-attr]
    })
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


@require_GET
@capability_required(MANAGE)
def framework(request: HttpRequest) -> HttpResponse:
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    return render(request, "standards/framework.html", {
        "row": row,
        "groups": selectors.settings_groups(row),
        "history": [selectors.history_lines(c, contacts)
                    for c in selectors.settings_history(limit=15)],
        "preset": row.preset_key,
    })


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def setting_edit(request: HttpRequest, name: str) -> HttpResponse:
    setting = settings_spec.SETTINGS.get(name)
    if setting is None:
        raise Http404
    row = selectors.framework_settings_row()
    form: forms.SettingForm | forms.ThemePlanForm
    if setting.editor == "themes":
        form = forms.ThemePlanForm(request.POST or None, row=row)
    else:
        form = forms.SettingForm(request.POST or None, setting=setting, row=row)
    if request.method == "POST" and form.is_valid():
        value = form.plan() if isinstance(form, forms.ThemePlanForm) \
            else form.cleaned_data["value"]
        try:
            change = services.framework_setting_change(
                setting=name, value=value, actor=request.user,
                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            target = "value" if "value" in form.fields else None
            form.add_error(target, exc.message)
        else:
            if change is None:
                messages.info(request, f"{setting.label}: nothing changed.")
            else:
                messages.success(request, f"{setting.label} is changed. The change is recorded "
                                          "in the history below.")
            return redirect("standards:framework")
    return render(request, "standards/setting_edit.html", {
        "form": form, "setting": setting,
        "is_yaml": setting.editor == "yaml",
        "example": _YAML_EXAMPLES.get(name, ""),
    })


@require_GET
@capability_required(MANAGE)
def framework_history(request: HttpRequest) -> HttpResponse:
    row = selectors.framework_settings_row()
    page = Paginator(selectors.settings_history(), 50).get_page(request.GET.get("page"))
    return render(request, "standards/framework_history.html", {
        "page": page,
        "rows": [selectors.history_lines(c, row.contacts or []) for c in page.object_list],
    })


@require_GET
@capability_required(MANAGE)
def preset_list(request: HttpRequest) -> HttpResponse:
    row = selectors.framework_settings_row()
    return render(request, "standards/preset_list.html", {
        "presets": presets.shipped_presets(), "current": row.preset_key,
    })


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def preset_apply(request: HttpRequest, key: str) -> HttpResponse:
    if key not in {p.key for p in presets.shipped_presets()}:
        raise Http404
    if request.method == "POST":
        result = services.preset_apply(key=key, actor=request.user)
        new_tools = sum(1 for _, created in result.tools if created)
        messages.success(request, f"The preset {result.preset.name} is applied: "
                                  f"{len(result.changes)} settings changed and {new_tools} "
                                  "tool versions added. Every change is in the history.")
        return redirect("standards:framework")
    preset, planned, tools = services.preset_plan(key=key)
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    new_contacts = preset.values()["contacts"]
    return render(request, "standards/preset_apply.html", {
        "preset": preset,
        "tools": tools,
        "planned": [
            {"label": settings_spec.SETTINGS[p.setting].label,
             "old": settings_display.display(p.setting, p.old, contacts),
             "new": settings_display.display(p.setting, p.new, new_contacts)}
            for p in planned
        ],
    })


_YAML_EXAMPLES = {
    "notification_rules": (
        "immediate_concern:\n"
        "  - to: case_team_manager\n    how: [verbal, in_writing]\n    at_once: yes\n"
        "  - to: contact:mash\n    where_appropriate: yes\n"
        "inadequate:\n  - coordinator_line_manager\n"
    ),
    "contacts": "- key: family_support_manager\n  label: Family Support Manager\n"
                "  email: family.support@example.gov.uk\n",
    "selection_modes": "- mode: random\n- mode: themed\n  filters:\n"
                       "    - filter: open_longer_than_months\n      value: 24\n",
    "exclusions": "- rule: audited_within_months\n  value: 6\n",
    "reports": "- report: Monthly QA and impact report\n  frequency: monthly\n"
               "  audiences: [senior_leader, contact:smt]\n",
    "other_activities": "- activity: observation_of_practice\n  per_year: 2\n"
                        "  months: [1, 7]\n",
}
