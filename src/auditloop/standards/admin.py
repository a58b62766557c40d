"""The operator's view of the standards: read-only. Tools are uploaded and unused versions
deleted on the tools pages; settings are changed, scheduled and cancelled on the framework
settings page, where each change is recorded; history is append-only."""

from django.contrib import admin

from auditloop.common.admin import ReadOnlyAdmin
from auditloop.standards.models import (
    FrameworkSettingChange,
    FrameworkSettings,
    ScheduledSettingChange,
    Tool,
    ToolUpload,
    ToolVersion,
)


@admin.register(Tool)
class ToolAdmin(ReadOnlyAdmin):
    list_display = ["key", "name", "seed", "purpose"]


@admin.register(ToolVersion)
class ToolVersionAdmin(ReadOnlyAdmin):
    list_display = ["tool", "number", "uploaded_at", "uploaded_by", "in_use_since"]
    list_filter = ["tool"]


@admin.register(ToolUpload)
class ToolUploadAdmin(ReadOnlyAdmin):
    list_display = ["filename", "tool_key", "status", "uploaded_by", "created_at"]


@admin.register(FrameworkSettings)
class FrameworkSettingsAdmin(ReadOnlyAdmin):
    """Read-only here: changes go through the settings page so that each is recorded."""


@admin.register(FrameworkSettingChange)
class FrameworkSettingChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "setting", "changed_by", "source", "preset_key"]
    list_filter = ["setting", "source"]


@admin.register(ScheduledSettingChange)
class ScheduledSettingChangeAdmin(ReadOnlyAdmin):
    list_display = ["effective_on", "setting", "created_by", "preset_key", "applied_at",
                    "cancelled_at"]
    list_filter = ["setting"]
