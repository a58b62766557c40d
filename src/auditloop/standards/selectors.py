"""Reads of the standards: the tool library, a version as auditors see it, the settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, QuerySet
from django.http import Http404

from auditloop.standards import presets, settings_display, settings_spec
from auditloop.standards.models import (
    FrameworkSettingChange,
    FrameworkSettings,
    ScheduledSettingChange,
    Tool,
    ToolUpload,
    ToolVersion,
)


def framework_settings_row() -> FrameworkSettings:
    """The council's one settings row (made with the defaults the first time it is read)."""
    row, _ = FrameworkSettings.objects.get_or_create(pk=1)
    return row


def tool_library() -> QuerySet[Tool]:
    return Tool.objects.annotate(
        latest_number=Max("versions__number"),
        version_count=Count("versions", distinct=True),
        in_use_count=Count("versions", filter=Q(versions__in_use_since__isnull=False),
                           distinct=True),
    ).order_by("key")


def get_tool_version(key: str, number: int | None = None) -> ToolVersion:
    """A tool's version (the latest when no number is given), or 404."""
    qs = ToolVersion.objects.select_related("tool", "uploaded_by__person").filter(tool__key=key)
    version = qs.filter(number=number).first() if number else qs.order_by("-number").first()
    if version is None:
        raise Http404
    return version


def latest_version(key: str) -> ToolVersion | None:
    """The version a new audit on this tool starts with."""
    return ToolVersion.objects.select_related("tool").filter(tool__key=key).order_by(
        "-number").first()


def tool_versions(tool: Tool) -> QuerySet[ToolVersion]:
    return tool.versions.select_related("uploaded_by__person").defer("source", "definition") \
        .order_by("-number")


def get_pending_upload(upload_id: int) -> ToolUpload:
    upload = ToolUpload.objects.select_related("uploaded_by").filter(pk=upload_id).first()
    if upload is None:
        raise Http404
    return upload


def settings_history(*, limit: int | None = None) -> QuerySet[FrameworkSettingChange]:
    qs = FrameworkSettingChange.objects.select_related("changed_by__person").order_by(
        "-changed_at", "-id"
    )
    return qs[:limit] if limit else qs


def scheduled_changes_waiting() -> QuerySet[ScheduledSettingChange]:
    """Changes scheduled and neither applied nor cancelled, the soonest first."""
    return ScheduledSettingChange.objects.filter(
        applied_at__isnull=True, cancelled_at__isnull=True,
    ).select_related("created_by__person").order_by("effective_on", "id")


def get_scheduled_change(change_id: int) -> ScheduledSettingChange:
    change = ScheduledSettingChange.objects.filter(pk=change_id).first()
    if change is None:
        raise Http404
    return change


def scheduled_lines(change: ScheduledSettingChange,
                    contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """A scheduled change for the settings page: its setting's label and the new value."""
    setting = settings_spec.SETTINGS.get(change.setting)
    return {
        "change": change,
        "label": setting.label if setting else change.setting,
        "new": settings_display.display(change.setting, change.value, contacts),
    }


@dataclass
class SettingRow:
    name: str
    label: str
    help: str
    lines: list[str]
    # Why the value is the applied preset's choice rather than its seed's ("our default: the
    # seed gives no number"), while the setting keeps the value the preset gave it.
    our_choice: str = ""

    @property
    def not_acted_on_yet(self) -> bool:
        return self.name in settings_spec.NOT_ACTED_ON_YET


def settings_groups(row: FrameworkSettings) -> list[tuple[str, list[SettingRow]]]:
    contacts = row.contacts or []
    preset = presets.shipped_preset(row.preset_key) if row.preset_key else None
    return [
        (title, [SettingRow(name, label, help_text,
                            settings_display.display(name, getattr(row, name), contacts),
                            preset.our_choice(name, getattr(row, name)) if preset else "")
                 for name, label, help_text in rows])
        for title, rows in settings_spec.GROUPS
    ]


def history_lines(change: FrameworkSettingChange, contacts: list[dict[str, Any]]) -> dict[str,
                                                                                         Any]:
    setting = settings_spec.SETTINGS.get(change.setting)
    return {
        "change": change,
        "label": setting.label if setting else change.setting,
        "old": settings_display.display(change.setting, change.old_value, contacts),
        "new": settings_display.display(change.setting, change.new_value, contacts),
    }


def grade_choices(tool_keys: list[str]) -> list[tuple[str, str]]:
    """Every grade level of the latest versions of these tools, for the grade settings."""
    seen: dict[str, str] = {}
    tools_seen: set[int] = set()
    for version in ToolVersion.objects.filter(tool__key__in=tool_keys).order_by(
        "tool_id", "-number"
    ):
        if version.tool_id in tools_seen:
            continue
        tools_seen.add(version.tool_id)
        for scale in version.definition["scales"].values():
            for level in scale["levels"]:
                seen.setdefault(level["key"], level["label"])
    return list(seen.items())
