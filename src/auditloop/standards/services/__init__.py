"""Writes to the standards: tool versions and uploads, framework settings, scheduled changes,
presets. Import from here; the modules split the work by subject."""

from auditloop.standards.services.framework import (
    Source,
    framework_setting_change,
    framework_settings_set,
    framework_theme_set,
)
from auditloop.standards.services.preset import (
    PlannedChange,
    PlannedScheduledChange,
    PresetPreview,
    PresetResult,
    PresetSchedule,
    preset_apply,
    preset_plan,
    preset_preview,
)
from auditloop.standards.services.scheduled import (
    framework_scheduled_changes_apply,
    scheduled_change_cancel,
    scheduled_change_create,
)
from auditloop.standards.services.tools import (
    MAX_TOOL_FILE_BYTES,
    tool_file_text,
    tool_upload_confirm,
    tool_upload_discard,
    tool_upload_start,
    tool_version_create,
    tool_version_delete,
    tool_version_mark_in_use,
    tool_version_refuse_change,
)

__all__ = [
    "MAX_TOOL_FILE_BYTES",
    "PlannedChange",
    "PlannedScheduledChange",
    "PresetPreview",
    "PresetResult",
    "PresetSchedule",
    "Source",
    "framework_scheduled_changes_apply",
    "framework_setting_change",
    "framework_settings_set",
    "framework_theme_set",
    "preset_apply",
    "preset_plan",
    "preset_preview",
    "scheduled_change_cancel",
    "scheduled_change_create",
    "tool_file_text",
    "tool_upload_confirm",
    "tool_upload_discard",
    "tool_upload_start",
    "tool_version_create",
    "tool_version_delete",
    "tool_version_mark_in_use",
    "tool_version_refuse_change",
]
