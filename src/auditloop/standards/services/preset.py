"""Applying a preset: its tools, every setting, and the changes it schedules for later."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.standards import presets, settings_spec
from auditloop.standards.models import (
    FrameworkSettingChange,
    ScheduledSettingChange,
    Tool,
    ToolVersion,
)
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services.framework import (
    Source,
    current_values,
    framework_settings_set,
)
from auditloop.standards.services.scheduled import (
    framework_scheduled_changes_apply,
    scheduled_change_cancel,
    scheduled_change_from_preset,
)
from auditloop.standards.services.tools import file_sha, newest_version, tool_version_create
from auditloop.standards.yamlcheck import FileProblems


@dataclass
class PlannedChange:
    setting: str
    old: Any
    new: Any


@dataclass
class PlannedScheduledChange:
    """A change the preset would schedule: its entry in the file, the setting, the day."""

    entry: str
    setting: str
    value: Any
    effective_on: dt.date
    reason: str


@dataclass
class PresetSchedule:
    """What applying a preset does to scheduled changes.

    `create`: its entries still to schedule. `taken_effect`: the values of its entries that
    have already taken effect, when the preset in use is applied again; they stand in for
    the preset's first values, so applying it again does not undo its own transition.
    `cancel`: changes another preset scheduled and that have not taken effect; switching
    presets leaves nothing of the first. Changes scheduled on the settings page stay.
    """

    create: list[PlannedScheduledChange] = field(default_factory=list)
    taken_effect: dict[str, Any] = field(default_factory=dict)
    cancel: list[ScheduledSettingChange] = field(default_factory=list)


@dataclass
class PresetPreview:
    preset: presets.Preset
    planned: list[PlannedChange]
    tools: list[str]
    schedule: PresetSchedule


@dataclass
class PresetResult:
    preset: presets.Preset
    tools: list[tuple[ToolVersion, bool]]
    changes: list[FrameworkSettingChange]
    scheduled: list[ScheduledSettingChange] = field(default_factory=list)
    cancelled: list[ScheduledSettingChange] = field(default_factory=list)
    applied: list[ScheduledSettingChange] = field(default_factory=list)


def _schedule(preset: presets.Preset, in_use: str, today: dt.date) -> PresetSchedule:
    """One query: the presets' scheduled changes that are waiting, and this preset's own."""
    again = in_use == preset.key
    rows = list(ScheduledSettingChange.objects.filter(
        Q(applied_at__isnull=True, cancelled_at__isnull=True) | Q(preset_key=preset.key),
        preset_key__gt="",
    ).order_by("created_at", "id"))
    plan = PresetSchedule()
    # Applied afresh (not the preset in use), the preset starts its transition again.
    plan.cancel = [r for r in rows if r.pending and not (again and r.preset_key == preset.key)]
    latest: dict[tuple[str, str], ScheduledSettingChange] = {}
    if again:
        for r in rows:
            if r.preset_key == preset.key:
                latest[(r.preset_entry, r.setting)] = r
    took_effect: list[tuple[dt.date, int, str, Any]] = []
    for entry in preset.scheduled:
        on = entry.date_from(today)
        for name, value in entry.settings.items():
            row = latest.get((entry.key, name))
            if row is None or row.cancelled_at is not None:
                plan.create.append(PlannedScheduledChange(entry.key, name, value, on,
                                                          entry.reason))
            elif row.applied_at is not None:
                took_effect.append((row.effective_on, row.pk, name, value))
            # else it is waiting already: left as it is.
    for _, _, name, value in sorted(took_effect):
        plan.taken_effect[name] = settings_spec.normalise(name, value)
    return plan


def preset_preview(*, key: str, today: dt.date | None = None) -> PresetPreview:
    """What applying a preset would change, without changing anything: the settings, the
    tools that would get a new version (or be added), and the changes it would schedule or
    cancel."""
    today = today or timezone.localdate()
    preset = presets.get_preset(key)
    row = framework_settings_row()
    schedule = _schedule(preset, row.preset_key, today)
    before = current_values(row)
    after = {**preset.values(), **schedule.taken_effect}
    planned = [PlannedChange(name, before[name], after[name])
               for name in settings_spec.SETTINGS if before[name] != after[name]]
    tools: list[str] = []
    for tool_key in preset.tool_keys:
        shipped = presets.shipped_tool_text(tool_key)
        tool = Tool.objects.filter(key=tool_key).first()
        latest = newest_version(tool) if tool else None
        if shipped and (latest is None or latest.sha256 != file_sha(shipped[0])):
            tools.append(tool_key)
    return PresetPreview(preset, planned, tools, schedule)


def preset_plan(*, key: str) -> tuple[presets.Preset, list[PlannedChange], list[str]]:
    """The preset, the settings that would change and the tools that would get a version."""
    preview = preset_preview(key=key)
    return preview.preset, preview.planned, preview.tools


@transaction.atomic
def preset_apply(*, key: str, actor: Any = None, source: str = Source.PRESET,
                 today: dt.date | None = None) -> PresetResult:
    """Load the preset's tools (a new version only where the file changed), set every
    setting to the preset's value and schedule its later changes, dated from `today`.
    Applying the same preset again changes nothing."""
    today = today or timezone.localdate()
    preset = presets.get_preset(key)
    tools: list[tuple[ToolVersion, bool]] = []
    for tool_key in preset.tool_keys:
        shipped = presets.shipped_tool_text(tool_key)
        if shipped is None:
            if not Tool.objects.filter(key=tool_key).exists():
                raise DomainError(f"The preset {preset.key} uses the tool {tool_key}, which is "
                                  "neither shipped nor uploaded.")
            continue
        try:
            tools.append(tool_version_create(text=shipped[0], filename=shipped[1], actor=actor,
                                             note=f"Loaded by the preset {preset.key}"))
        except FileProblems as exc:  # a shipped file is broken: a bug, say where
            raise DomainError(str(exc)) from exc
    schedule = _schedule(preset, framework_settings_row().preset_key, today)
    changes = framework_settings_set(values={**preset.values(), **schedule.taken_effect},
                                     actor=actor, reason=f"Preset {preset.key} applied",
                                     source=source, preset_key=preset.key)
    cancelled = [scheduled_change_cancel(change=c, actor=actor) for c in schedule.cancel]
    scheduled = [
        scheduled_change_from_preset(
            setting=p.setting, value=p.value, effective_on=p.effective_on, actor=actor,
            preset_key=preset.key, preset_entry=p.entry,
            reason=p.reason or f"Preset {preset.key}: scheduled when it was applied",
        )
        for p in schedule.create
    ]
    # An entry on a date already passed takes effect now, not when the page is next opened.
    applied = framework_scheduled_changes_apply(today=today)
    return PresetResult(preset, tools, changes, scheduled, cancelled, applied)
