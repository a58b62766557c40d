"""Writes to the standards: tool versions and uploads, framework settings, presets."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.standards import presets, schema, settings_spec
from auditloop.standards.models import (
    FrameworkSettingChange,
    FrameworkSettings,
    Tool,
    ToolUpload,
    ToolVersion,
)
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.yamlcheck import FileProblems

MAX_TOOL_FILE_BYTES = 512 * 1024
Source = FrameworkSettingChange.Source


def tool_file_text(data: bytes, filename: str) -> str:
    """An uploaded file's text. Refuses what cannot be a tool file, saying what to do."""
    if len(data) > MAX_TOOL_FILE_BYTES:
        raise DomainError(f"{filename} is larger than 512 KB: a tool file is text, usually "
                          "under 100 KB. Check you chose the right file.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DomainError(f"{filename} is not a text file in UTF-8. Save it as a .yaml text "
                          "file and upload it again.", field="file") from exc
    return text.replace("\r\n", "\n")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _latest(tool: Tool) -> ToolVersion | None:
    return tool.versions.order_by("-number").first()


@transaction.atomic
def tool_version_create(
    *, text: str, filename: str, actor: Any = None, note: str = ""
) -> tuple[ToolVersion, bool]:
    """Check a tool file and store it as the tool's next version.

    Returns (version, created). A file identical to the latest version creates nothing, so
    loading the same file twice (a preset applied again) is harmless.
    """
    definition = schema.parse_tool(text, filename)
    tool, _ = Tool.objects.select_for_update().get_or_create(
        key=definition["key"],
        defaults={"name": definition["name"], "seed": definition["seed"],
                  "purpose": definition["purpose"]},
    )
    latest = _latest(tool)
    digest = _sha(text)
    if latest is not None and latest.sha256 == digest:
        return latest, False
    number = (tool.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = ToolVersion.objects.create(
        tool=tool, number=number, source=text, definition=definition, sha256=digest,
        filename=filename[:200], note=note[:500],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    changed = [f for f in ("name", "seed", "purpose") if getattr(tool, f) != definition[f]]
    if changed:
        for f in changed:
            setattr(tool, f, definition[f])
        tool.save(update_fields=[*changed, "updated_at"])
    return version, True


@transaction.atomic
def tool_upload_start(*, text: str, filename: str, actor: Any, note: str = "") -> ToolUpload:
    """Check an uploaded file and hold it until the QA manager has seen the differences."""
    definition = schema.parse_tool(text, filename)
    tool = Tool.objects.filter(key=definition["key"]).first()
    latest = _latest(tool) if tool else None
    if latest is not None and latest.sha256 == _sha(text):
        raise DomainError(f"This file is the same as version {latest.number} of "
                          f"{latest.tool.name}: there is nothing new to upload.", field="file")
    return ToolUpload.objects.create(uploaded_by=actor, filename=filename[:200], source=text,
                                     note=note[:500], tool_key=definition["key"])


@transaction.atomic
def tool_upload_confirm(*, upload: ToolUpload, actor: Any) -> ToolVersion:
    upload = ToolUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status != ToolUpload.Status.PENDING:
        raise DomainError("This upload has already been confirmed or discarded. Upload the "
                          "file again if you still need it.")
    version, created = tool_version_create(text=upload.source, filename=upload.filename,
                                           actor=actor, note=upload.note)
    if not created:
        raise DomainError(f"This file is the same as version {version.number}: there is "
                          "nothing new to confirm.")
    upload.status = ToolUpload.Status.CONFIRMED
    upload.version = version
    upload.save(update_fields=["status", "version"])
    return version


@transaction.atomic
def tool_upload_discard(*, upload: ToolUpload) -> None:
    upload = ToolUpload.objects.select_for_update().get(pk=upload.pk)
    if upload.status == ToolUpload.Status.PENDING:
        upload.status = ToolUpload.Status.DISCARDED
        upload.save(update_fields=["status"])


@transaction.atomic
def tool_version_mark_in_use(*, version: ToolVersion) -> ToolVersion:
    """Called when an audit starts on a version: from now on it can never be deleted.

    Setting the mark is the one change the database allows on a version, and only once.
    """
    locked = ToolVersion.objects.select_for_update().get(pk=version.pk)
    if locked.in_use_since is None:
        locked.in_use_since = timezone.now()
        locked.save(update_fields=["in_use_since"])
    version.in_use_since = locked.in_use_since
    return locked


def tool_version_refuse_change(version: ToolVersion) -> None:
    """The guard for anything about to alter a version: versions are never edited."""
    if version.in_use:
        raise DomainError(f"Version {version.number} of {version.tool.name} is used by audits "
                          "and cannot be changed or deleted. Upload a new version instead.")
    raise DomainError(f"Versions are never edited. Upload a new version of "
                      f"{version.tool.name} instead.")


@transaction.atomic
def tool_version_delete(*, version: ToolVersion) -> None:
    """Delete a version no audit has used (an upload made by mistake)."""
    locked = ToolVersion.objects.select_for_update().select_related("tool").get(pk=version.pk)
    if locked.in_use:
        tool_version_refuse_change(locked)
    tool = locked.tool
    others = tool.versions.exclude(pk=locked.pk)
    in_framework = tool.key in (framework_settings_row().tools or [])
    if not others.exists() and in_framework:
        raise DomainError(f"{tool.name} is in use by the framework and this is its only "
                          "version. Take the tool out of 'Tools in use' first.")
    ToolUpload.objects.filter(version=locked).update(version=None)
    locked.delete()
    if not others.exists():
        tool.delete()


def _current(row: FrameworkSettings) -> dict[str, Any]:
    return {name: settings_spec.normalise(name, getattr(row, name))
            for name in settings_spec.SETTINGS}


def _check_references(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Checks that need the database: tools exist, grades belong to the tools' scales."""
    problems: list[tuple[str, str]] = []
    keys = list(values.get("tools") or [])
    found = {t.key: t for t in Tool.objects.filter(key__in=keys)}
    for key in keys:
        if key not in found:
            problems.append(("tools", f"There is no tool called “{key}”: upload it first."))
    levels: set[str] = set()
    for tool in found.values():
        latest = _latest(tool)
        for scale in (latest.definition["scales"].values() if latest else []):
            levels |= {level["key"] for level in scale["levels"]}
    for name in ("escalation_grades", "re_audit_grades"):
        for grade in values.get(name) or []:
            if keys and grade not in levels:
                problems.append((name, f"“{grade}” is not a grade of the tools in use: use "
                                       f"one of {', '.join(sorted(levels)) or 'none'}."))
    return problems


@transaction.atomic
def framework_settings_set(
    *,
    values: dict[str, Any],
    actor: Any,
    reason: str = "",
    source: str = Source.PAGE,
    preset_key: str = "",
) -> list[FrameworkSettingChange]:
    """Change any number of settings. One history row for each setting whose value changes.

    Values are checked against the same specs a preset file is read with, then against the
    rules between settings; nothing is saved if any check fails.
    """
    framework_settings_row()
    row = FrameworkSettings.objects.select_for_update().get(pk=1)
    unknown = set(values) - set(settings_spec.SETTINGS)
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    before = _current(row)
    after = dict(before)
    after.update({k: settings_spec.normalise(k, v) for k, v in values.items()})
    problems = settings_spec.cross_check(after) + _check_references(after)
    if problems:
        setting, message = problems[0]
        raise DomainError(message, field=setting)
    changes: list[FrameworkSettingChange] = []
    changed_fields: list[str] = []
    for name in settings_spec.SETTINGS:
        if after[name] == before[name]:
            continue
        setattr(row, name, after[name])
        changed_fields.append(name)
        changes.append(FrameworkSettingChange(
            setting=name,
            old_value=settings_spec.jsonable(before[name]),
            new_value=settings_spec.jsonable(after[name]),
            changed_by=actor if getattr(actor, "pk", None) else None,
            source=source, preset_key=preset_key, reason=reason[:500],
        ))
    if preset_key and row.preset_key != preset_key:
        row.preset_key = preset_key
        changed_fields.append("preset_key")
    if changed_fields:
        row.save(update_fields=[*changed_fields, "updated_at"])
        FrameworkSettingChange.objects.bulk_create(changes)
    return changes


def framework_setting_change(
    *, setting: str, value: Any, actor: Any, reason: str = "", source: str = Source.PAGE
) -> FrameworkSettingChange | None:
    """Change one setting (the settings page). None when the value is what it was."""
    if setting not in settings_spec.SETTINGS:
        raise DomainError(f"There is no setting called “{setting}”.")
    changes = framework_settings_set(values={setting: value}, actor=actor, reason=reason,
                                     source=source)
    return changes[0] if changes else None


@transaction.atomic
def framework_theme_set(
    *, cycle: int, theme: str, actor: Any, reason: str = "", source: str = Source.PAGE
) -> FrameworkSettingChange | None:
    """Set one cycle's theme: the QA meeting's prevalent issue can set the next cycle's."""
    row = framework_settings_row()
    plan = [dict(t) for t in row.theme_plan if t["cycle"] != cycle]
    if theme.strip():
        plan.append({"cycle": cycle, "theme": theme.strip(), "note": ""})
    plan.sort(key=lambda t: t["cycle"])
    return framework_setting_change(setting="theme_plan", value=plan, actor=actor,
                                    reason=reason, source=source)


@dataclass
class PlannedChange:
    setting: str
    old: Any
    new: Any


@dataclass
class PresetResult:
    preset: presets.Preset
    tools: list[tuple[ToolVersion, bool]]
    changes: list[FrameworkSettingChange]


def preset_plan(*, key: str) -> tuple[presets.Preset, list[PlannedChange], list[str]]:
    """What applying a preset would change, without changing anything.

    Returns the preset, the settings that would change and the tools that would get a new
    version (or be added).
    """
    preset = presets.get_preset(key)
    before = _current(framework_settings_row())
    after = preset.values()
    planned = [PlannedChange(name, before[name], after[name])
               for name in settings_spec.SETTINGS if before[name] != after[name]]
    tools: list[str] = []
    for tool_key in preset.tool_keys:
        shipped = presets.shipped_tool_text(tool_key)
        tool = Tool.objects.filter(key=tool_key).first()
        latest = _latest(tool) if tool else None
        if shipped and (latest is None or latest.sha256 != _sha(shipped[0])):
            tools.append(tool_key)
    return preset, planned, tools


@transaction.atomic
def preset_apply(*, key: str, actor: Any = None, source: str = Source.PRESET) -> PresetResult:
    """Load the preset's tools (a new version only where the file changed) and set every
    setting to the preset's value. Applying the same preset again changes nothing."""
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
    changes = framework_settings_set(values=preset.values(), actor=actor,
                                     reason=f"Preset {preset.key} applied", source=source,
                                     preset_key=preset.key)
    return PresetResult(preset, tools, changes)
