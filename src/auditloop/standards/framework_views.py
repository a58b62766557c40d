"""The framework settings: an overview of its pages, each page's settings in plain words,
changing one now or from a date, the history of changes, and presets."""

from __future__ import annotations

from dataclasses import dataclass
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
    forms,
    presets,
    selectors,
    services,
    settings_display,
    settings_spec,
)
from auditloop.standards.models import FrameworkSettings, ScheduledSettingChange, Tool
from auditloop.standards.seeds import cite, seed_title
from auditloop.standards.settings_spec import PAGES, PAGES_BY_KEY, SETTINGS, Page

MANAGE = Capability.MANAGE_FRAMEWORK
RECENT = 5  # changes shown on the overview and on each page; the history has every one


@dataclass
class SettingRow:
    """A setting as its page shows it: what it is, where the rule comes from, its value."""

    name: str
    label: str
    source: str  # the help, seeds named by their titles
    lines: list[str]
    # Why the value is the applied preset's choice rather than its seed's.
    our_choice: str = ""

    @property
    def not_acted_on_yet(self) -> bool:
        return self.name in settings_spec.NOT_ACTED_ON_YET


def _page(key: str) -> Page:
    page = PAGES_BY_KEY.get(key)
    if page is None:
        raise Http404
    return page


def _names(page: Page) -> list[str]:
    return [name for name, s in SETTINGS.items() if s.page == page.key]


def _value(row: FrameworkSettings, name: str) -> list[str]:
    """A setting's current value in plain words; the tools in use by their names (one query,
    on the pages that show them)."""
    value = getattr(row, name)
    if name == "tools" and value:
        names = dict(Tool.objects.filter(key__in=value).values_list("key", "name"))
        return [", ".join(names.get(key, key) for key in value)]
    return settings_display.display(name, value, row.contacts or [])


def _rows(row: FrameworkSettings, page: Page) -> list[SettingRow]:
    preset = presets.shipped_preset(row.preset_key) if row.preset_key else None
    return [
        SettingRow(name, SETTINGS[name].label, cite(SETTINGS[name].help), _value(row, name),
                   cite(preset.our_choice(name, getattr(row, name))) if preset else "")
        for name in _names(page)
    ]


def _short(lines: list[str]) -> str:
    """A value in one line for the overview: its first line, and how many more there are."""
    return lines[0] + (f" and {len(lines) - 1} more" if len(lines) > 1 else "")


def _apply_due() -> list[ScheduledSettingChange]:
    # Changes due by today take effect as a settings page opens, so none waits for the daily
    # command. With none due, listing the waiting changes is the only cost.
    today = timezone.localdate()
    waiting = list(selectors.scheduled_changes_waiting())
    if any(c.is_due(today) for c in waiting):
        services.framework_scheduled_changes_apply(today=today)
        waiting = list(selectors.scheduled_changes_waiting())
    return waiting


def _preset_name(key: str) -> str:
    """A preset by its name, as people know it; its key if it no longer ships."""
    preset = presets.shipped_preset(key) if key else None
    return preset.name if preset else key


def _link(setting: str) -> str:
    """Where a setting is shown: its page, at its row; empty for one no longer kept."""
    if setting not in SETTINGS:
        return ""
    return reverse("standards:framework_page", args=[SETTINGS[setting].page]) + f"#{setting}"


def _history(changes: Any, contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**selectors.history_lines(c, contacts), "reason": cite(c.reason),
             "preset": _preset_name(c.preset_key), "link": _link(c.setting)}
            for c in changes]


def _scheduled(changes: list[ScheduledSettingChange],
               contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**selectors.scheduled_lines(c, contacts), "reason": cite(c.reason),
             "preset": _preset_name(c.preset_key), "link": _link(c.setting)}
            for c in changes]


@require_GET
@capability_required(MANAGE)
def framework(request: HttpRequest) -> HttpResponse:
    """The overview: each page with what it holds and a few of its values."""
    waiting = _apply_due()
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    pages = [{
        "page": page,
        "count": len(_names(page)),
        "key_values": [(SETTINGS[name].label, _short(_value(row, name)))
                   for name in page.key_settings],
    } for page in PAGES]
    return render(request, "standards/framework.html", {
        "pages": pages,
        "history": _history(selectors.settings_history(limit=RECENT), contacts),
        "scheduled": _scheduled(waiting, contacts),
        "groups_spec": settings_spec.GROUPS,
        "today": timezone.localdate(),
        "preset": _preset_name(row.preset_key),
    })


@require_GET
@capability_required(MANAGE)
def framework_page(request: HttpRequest, page: str) -> HttpResponse:
    """One page of settings: each in plain words with its current value and a Change link."""
    this = _page(page)
    waiting = _apply_due()
    row = selectors.framework_settings_row()
    contacts = row.contacts or []
    names = set(_names(this))
    index = PAGES.index(this)
    return render(request, "standards/framework_page.html", {
        "page": this,
        "rows": _rows(row, this),
        "scheduled": _scheduled([c for c in waiting if c.setting in names], contacts),
        "history": _history(selectors.settings_history().filter(setting__in=names)[:RECENT],
                            contacts),
        "today": timezone.localdate(),
        "previous": PAGES[index - 1] if index > 0 else None,
        "next": PAGES[index + 1] if index + 1 < len(PAGES) else None,
    })


def _setting(name: str) -> settings_spec.Setting:
    setting = SETTINGS.get(name)
    if setting is None:
        raise Http404
    return setting


def _page_url(setting: settings_spec.Setting) -> str:
    return reverse("standards:framework_page", args=[setting.page])


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
        "form": form, "setting": setting, "help": cite(setting.help),
        "page": PAGES_BY_KEY[setting.page],
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
                                          "in the history.")
            return redirect(_page_url(setting))
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
    label = SETTINGS[change.setting].label if change.setting in SETTINGS else change.setting
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
    """Every change, newest first; `?group=<page>` for the changes to one page's settings."""
    row = selectors.framework_settings_row()
    shown = PAGES_BY_KEY.get(request.GET.get("group", ""))
    changes = selectors.settings_history()
    if shown is not None:
        changes = changes.filter(setting__in=_names(shown))
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(request, "standards/framework_history.html", {
        "page": page, "shown": shown,
        "rows": _history(page.object_list, row.contacts or []),
    })


@require_GET
@capability_required(MANAGE)
def preset_list(request: HttpRequest) -> HttpResponse:
    row = selectors.framework_settings_row()
    return render(request, "standards/preset_list.html", {
        "presets": [(p, seed_title(p.seed)) for p in presets.shipped_presets()],
        "current": row.preset_key,
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
        return SETTINGS[name].label

    def where(name: str) -> Page:
        return PAGES_BY_KEY[SETTINGS[name].page]

    return render(request, "standards/preset_apply.html", {
        "preset": preview.preset,
        "seed_title": seed_title(preview.preset.seed),
        "tools": preview.tools,
        "planned": [
            {"label": label(p.setting), "page": where(p.setting),
             "old": settings_display.display(p.setting, p.old, contacts),
             "new": settings_display.display(p.setting, p.new, new_contacts)}
            for p in preview.planned
        ],
        "to_schedule": [
            {"label": label(p.setting), "page": where(p.setting), "on": p.effective_on,
             "reason": cite(p.reason),
             "new": settings_display.display(p.setting, p.value, new_contacts)}
            for p in preview.schedule.create
        ],
        "to_cancel": [
            {"label": label(c.setting) if c.setting in SETTINGS else c.setting,
             "on": c.effective_on, "preset": _preset_name(c.preset_key)}
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
