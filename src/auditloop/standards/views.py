"""The tool library (every tool as auditors see it), uploads, framework settings, scheduled
changes and presets."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from auditloop.common.access import capability_required
from auditloop.common.errors import DomainError
from auditloop.common.idempotency import IdempotentForm, create_once
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
from auditloop.standards.models import ScheduledSettingChange, ToolUpload
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
    # Changes due by today take effect as the page opens, so none waits for the daily
    # command. With none due, listing the waiting changes is the only cost.
    today = timezone.localdate()
    waiting = list(selectors.scheduled_changes_waiting())
    if any(c.is_due(today) for c in waiting):
        services.framework_scheduled_changes_apply(today=today)
        waiting = list(selectors.scheduled_changes_waiting())
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    return render(request, "standards/framework.html", {
        "row": row,
        "groups": selectors.settings_groups(row),
        "history": [selectors.history_lines(c, contacts)
                    for c in selectors.settings_history(limit=15)],
        "scheduled": [selectors.scheduled_lines(c, contacts) for c in waiting],
        "groups_spec": settings_spec.GROUPS,
        "today": today,
        "preset": row.preset_key,
    })


def _setting(name: str) -> settings_spec.Setting:
    setting = settings_spec.SETTINGS.get(name)
    if setting is None:
        raise Http404
    return setting


def _form_value(form: forms.SettingForm | forms.ThemePlanForm) -> Any:
    if isinstance(form, forms.ThemePlanForm):
        return form.plan()
    return form.cleaned_data["value"]


def _form_error(form: forms.SettingForm | forms.ThemePlanForm, exc: DomainError) -> None:
    if exc.field == "effective_on" and "effective_on" in form.fields:
        form.add_error("effective_on", exc.message)
        return
    form.add_error("value" if "value" in form.fields else None, exc.message)


def _setting_page(request: HttpRequest, setting: settings_spec.Setting,
                  form: forms.SettingForm | forms.ThemePlanForm,
                  schedule: bool = False) -> HttpResponse:
    return render(request, "standards/setting_edit.html", {
        "form": form, "setting": setting,
        "is_yaml": setting.editor == "yaml",
        "example": _YAML_EXAMPLES.get(setting.name, ""),
        "schedule": schedule,
    })


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def setting_edit(request: HttpRequest, name: str) -> HttpResponse:
    setting = _setting(name)
    row = selectors.framework_settings_row()
    form: forms.SettingForm | forms.ThemePlanForm
    if setting.editor == "themes":
        form = forms.ThemePlanForm(request.POST or None, row=row)
    else:
        form = forms.SettingForm(request.POST or None, setting=setting, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            change = services.framework_setting_change(
                setting=name, value=_form_value(form), actor=request.user,
                reason=form.cleaned_data["reason"])
        except DomainError as exc:
            _form_error(form, exc)
        else:
            if change is None:
                messages.info(request, f"{setting.label}: nothing changed.")
            else:
                messages.success(request, f"{setting.label} is changed. The change is recorded "
                                          "in the history below.")
            return redirect("standards:framework")
    return _setting_page(request, setting, form)


@require_http_methods(["GET", "POST"])
@capability_required(MANAGE)
def scheduled_change_new(request: HttpRequest) -> HttpResponse:
    """Schedule a setting's change from a date: first choose the setting, then its value."""
    name = request.GET.get("setting", "")
    if not name:
        return render(request, "standards/scheduled_change_choose.html",
                      {"groups": settings_spec.GROUPS})
    setting = _setting(name)
    row = selectors.framework_settings_row()
    form: forms.SettingForm | forms.ThemePlanForm
    if setting.editor == "themes":
        form = forms.ScheduledThemePlanForm(request.POST or None, row=row)
    else:
        form = forms.ScheduledSettingForm(request.POST or None, setting=setting, row=row)
    if request.method == "POST" and form.is_valid():
        try:
            token = form.token if isinstance(form, IdempotentForm) else ""
            change, _ = create_once(token, ScheduledSettingChange,
                                    lambda: services.scheduled_change_create(
                setting=name, value=_form_value(form),
                effective_on=form.cleaned_data["effective_on"], actor=request.user,
                today=timezone.localdate(), reason=form.cleaned_data["reason"]))
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, f"{setting.label} will change on "
                                      f"{date_format(change.effective_on, 'j F Y')}. The change "
                                      "is listed under 'Changes to come'.")
            return redirect(reverse("standards:framework") + "#scheduled")
    return _setting_page(request, setting, form, schedule=True)


@require_POST
@capability_required(MANAGE)
def scheduled_change_cancel(request: HttpRequest, change_id: int) -> HttpResponse:
    change = selectors.get_scheduled_change(change_id)
    label = settings_spec.SETTINGS[change.setting].label \
        if change.setting in settings_spec.SETTINGS else change.setting
    try:
        services.scheduled_change_cancel(change=change, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The change to {label} on "
                                  f"{date_format(change.effective_on, 'j F Y')} is cancelled.")
    return redirect(reverse("standards:framework") + "#scheduled")


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
        scheduled = (f" {len(result.scheduled)} changes are scheduled for later."
                     if result.scheduled else "")
        messages.success(request, f"The preset {result.preset.name} is applied: "
                                  f"{len(result.changes)} settings changed and {new_tools} "
                                  f"tool versions added.{scheduled} Every change is in the "
                                  "history.")
        return redirect("standards:framework")
    preview = services.preset_preview(key=key)
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    new_contacts = preview.preset.values()["contacts"]

    def label(name: str) -> str:
        return settings_spec.SETTINGS[name].label

    return render(request, "standards/preset_apply.html", {
        "preset": preview.preset,
        "tools": preview.tools,
        "planned": [
            {"label": label(p.setting),
             "old": settings_display.display(p.setting, p.old, contacts),
             "new": settings_display.display(p.setting, p.new, new_contacts)}
            for p in preview.planned
        ],
        "to_schedule": [
            {"label": label(p.setting), "on": p.effective_on, "reason": p.reason,
             "new": settings_display.display(p.setting, p.value, new_contacts)}
            for p in preview.schedule.create
        ],
        "to_cancel": [
            {"label": label(c.setting) if c.setting in settings_spec.SETTINGS else c.setting,
             "on": c.effective_on, "preset": c.preset_key}
            for c in preview.schedule.cancel
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
