"""Writes to the framework settings: one change or many, each recorded in the history."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from auditloop.common.errors import DomainError
from auditloop.standards import settings_spec
from auditloop.standards.models import FrameworkSettingChange, FrameworkSettings, Tool
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services.tools import newest_version

Source = FrameworkSettingChange.Source
_NOTHING: Any = object()


def current_values(row: FrameworkSettings) -> dict[str, Any]:
    return {name: settings_spec.normalise(name, getattr(row, name))
            for name in settings_spec.SETTINGS}


def check_references(values: dict[str, Any]) -> list[tuple[str, str]]:
    """Checks that need the database: tools exist, grades belong to the tools' scales."""
    problems: list[tuple[str, str]] = []
    keys = list(values.get("tools") or [])
    found = {t.key: t for t in Tool.objects.filter(key__in=keys)}
    for key in keys:
        if key not in found:
            problems.append(("tools", f"There is no tool called “{key}”: upload it first."))
    levels: set[str] = set()
    for tool in found.values():
        latest = newest_version(tool)
        for scale in (latest.definition["scales"].values() if latest else []):
            levels |= {level["key"] for level in scale["levels"]}
    for name in ("escalation_grades", "re_audit_grades"):
        for grade in values.get(name) or []:
            if keys and grade not in levels:
                problems.append((name, f"“{grade}” is not a grade of the tools in use: use "
                                       f"one of {', '.join(sorted(levels)) or 'none'}."))
    return problems


def checked_value(name: str, value: Any, before: Any = _NOTHING) -> Any:
    """A new value, read by its setting's spec (as a preset file is) and normalised.

    A value equal to the one it replaces was checked when it was set: it is kept as it is.
    """
    try:
        if settings_spec.normalise(name, value) == before:
            return before
    except (TypeError, ValueError, AttributeError, KeyError):
        pass  # not even the right shape: the spec says what is wrong below
    return settings_spec.normalise(name, settings_spec.check_value(name, value))


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
    rules between settings; nothing is saved if any check fails. A scheduled change takes
    effect through here too (source "scheduled").
    """
    framework_settings_row()
    row = FrameworkSettings.objects.select_for_update().get(pk=1)
    unknown = set(values) - set(settings_spec.SETTINGS)
    if unknown:
        raise DomainError(f"Unknown settings: {', '.join(sorted(unknown))}.")
    before = current_values(row)
    after = dict(before)
    after.update({k: checked_value(k, v, before[k]) for k, v in values.items()})
    problems = settings_spec.cross_check(after) + check_references(after)
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
