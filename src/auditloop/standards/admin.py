"""The operator's view of the standards: tool versions are read-only; history is append-only;
scheduled changes are made and cancelled on the framework settings page, never here."""

from django.contrib import admin

from auditloop.standards.models import (
    FrameworkSettingChange,
    FrameworkSettings,
    ScheduledSettingChange,
    Tool,
    ToolUpload,
    ToolVersion,
)


@admin.register(Tool)
class ToolAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "seed", "purpose"]


@admin.register(ToolVersion)
class ToolVersionAdmin(admin.ModelAdmin):
    list_display = ["tool", "number", "uploaded_at", "uploaded_by", "in_use_since"]
    list_filter = ["tool"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return obj is not None and not obj.in_use


@admin.register(ToolUpload)
class ToolUploadAdmin(admin.ModelAdmin):
    list_display = ["filename", "tool_key", "status", "uploaded_by", "created_at"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(FrameworkSettings)
class FrameworkSettingsAdmin(admin.ModelAdmin):
    """Read-only here: changes go through the settings page so that each is recorded."""

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(FrameworkSettingChange)
class FrameworkSettingChangeAdmin(admin.ModelAdmin):
    list_display = ["changed_at", "setting", "changed_by", "source", "preset_key"]
    list_filter = ["setting", "source"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(ScheduledSettingChange)
class ScheduledSettingChangeAdmin(admin.ModelAdmin):
    list_display = ["effective_on", "setting", "created_by", "preset_key", "applied_at",
                    "cancelled_at"]
    list_filter = ["setting"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
