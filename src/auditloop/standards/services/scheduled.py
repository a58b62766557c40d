"""Scheduled changes: a framework setting that takes a new value from a date.

002 is "a transition arrangement": the Practice Improvement Team audits now, managers from
December 2022, fostering services in early 2023. A scheduled change holds such a step. When
it is due it goes through the normal change path (framework_settings_set), so the history
records it like any other change, with source "scheduled" and the person who scheduled it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from auditloop.common.errors import DomainError
from auditloop.standards import settings_spec
from auditloop.standards.models import FrameworkSettings, ScheduledSettingChange
from auditloop.standards.selectors import framework_settings_row
from auditloop.standards.services.framework import (
    Source,
    check_references,
    checked_value,
    current_values,
    framework_settings_set,
)


def day_text(day: dt.date) -> str:
    """4 June 2026, as the pages write dates."""
    return f"{day.day} {day:%B %Y}"


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _lock_settings() -> FrameworkSettings:
    """Every write here locks the settings row first, then scheduled rows: one order, so
    the daily command, the settings page and a preset never wait on each other in a circle."""
    framework_settings_row()
    return FrameworkSettings.objects.select_for_update().get(pk=1)


def _settings_on(row: FrameworkSettings, day: dt.date) -> dict[str, Any]:
    """The settings as they will be on `day`: today's, with every change waiting to take
    effect by then applied in date order."""
    values = current_values(row)
    waiting = ScheduledSettingChange.objects.filter(
        applied_at__isnull=True, cancelled_at__isnull=True, effective_on__lte=day,
    ).order_by("effective_on", "id")
    for change in waiting:
        if change.setting in values:
            values[change.setting] = settings_spec.normalise(change.setting, change.value)
    return values


@transaction.atomic
def scheduled_change_create(
    *,
    setting: str,
    value: Any,
    effective_on: dt.date,
    actor: Any,
    today: dt.date,
    reason: str = "",
) -> ScheduledSettingChange:
    """Schedule a setting to take `value` from `effective_on` (the settings page).

    The value is checked exactly as a change made today would be (the setting's spec, then
    the rules between settings and the tools and grades in use), against the settings as
    they will be on that day with the changes already scheduled before it.
    """
    spec = settings_spec.SETTINGS.get(setting)
    if spec is None:
        raise DomainError(f"There is no setting called “{setting}”.")
    if effective_on <= today:
        raise DomainError("Choose a date after today. To change the setting from today, use "
                          "Change on the framework settings page.", field="effective_on")
    new = checked_value(setting, value)
    row = _lock_settings()
    then = _settings_on(row, effective_on)
    if then[setting] == new:
        raise DomainError(f"On {day_text(effective_on)} “{spec.label}” will already have this "
                          "value: there is nothing to schedule.", field=setting)
    # Only the problems this change brings: another waiting change that breaks a rule is
    # that change's problem, shown beside it.
    known = settings_spec.cross_check(then) + check_references(then)
    then[setting] = new
    problems = [p for p in settings_spec.cross_check(then) + check_references(then)
                if p not in known]
    if problems:
        name, message = problems[0]
        raise DomainError(message, field=name)
    return ScheduledSettingChange.objects.create(
        setting=setting, value=settings_spec.jsonable(new), effective_on=effective_on,
        reason=reason.strip()[:500], created_by=_user(actor),
    )


def scheduled_change_from_preset(
    *,
    setting: str,
    value: Any,
    effective_on: dt.date,
    actor: Any,
    preset_key: str,
    preset_entry: str,
    reason: str = "",
) -> ScheduledSettingChange:
    """A preset's scheduled change (services.preset). Its file was checked when it was read,
    rules between settings included; the date may have passed, and it then applies at once."""
    return ScheduledSettingChange.objects.create(
        setting=setting, value=settings_spec.jsonable(checked_value(setting, value)),
        effective_on=effective_on, reason=reason[:500], created_by=_user(actor),
        preset_key=preset_key, preset_entry=preset_entry,
    )


@transaction.atomic
def scheduled_change_cancel(*, change: ScheduledSettingChange,
                            actor: Any) -> ScheduledSettingChange:
    """Cancel a change before it takes effect. Cancelling it twice changes nothing."""
    locked = ScheduledSettingChange.objects.select_for_update().get(pk=change.pk)
    if locked.applied_at is not None:
        label = settings_spec.SETTINGS[locked.setting].label \
            if locked.setting in settings_spec.SETTINGS else locked.setting
        raise DomainError(f"The change to “{label}” took effect on "
                          f"{day_text(timezone.localdate(locked.applied_at))}, so it cannot be "
                          "cancelled. Change the setting instead.")
    if locked.cancelled_at is None:
        locked.cancelled_at = timezone.now()
        locked.cancelled_by = _user(actor)
        locked.save(update_fields=["cancelled_at", "cancelled_by"])
    return locked


def framework_scheduled_changes_apply(*, today: dt.date) -> list[ScheduledSettingChange]:
    """Apply every change due by `today` that is neither applied nor cancelled, oldest date
    first. Each is applied once: running this again (the daily command, the framework page
    being opened) finds nothing more to do. Returns the changes applied now.

    A change the rules refuse on the day (the other settings have moved since it was
    scheduled) keeps waiting, with the reason in `problem`, until it can be applied or is
    cancelled; the others are applied all the same.
    """
    due = list(ScheduledSettingChange.objects.filter(
        applied_at__isnull=True, cancelled_at__isnull=True, effective_on__lte=today,
    ).order_by("effective_on", "id").values_list("pk", flat=True))
    applied = []
    for pk in due:
        change = _apply_one(pk)
        if change is not None:
            applied.append(change)
    return applied


def _history_reason(change: ScheduledSettingChange) -> str:
    text = f"Scheduled for {day_text(change.effective_on)}"
    return f"{text}: {change.reason}" if change.reason else text


@transaction.atomic
def _apply_one(pk: int) -> ScheduledSettingChange | None:
    _lock_settings()
    change = ScheduledSettingChange.objects.select_for_update(of=("self",)).select_related(
        "created_by").get(pk=pk)
    if not change.pending:
        return None  # applied or cancelled since the list was read
    try:
        with transaction.atomic():
            made = framework_settings_set(
                values={change.setting: change.value}, actor=change.created_by,
                reason=_history_reason(change), source=Source.SCHEDULED,
                preset_key=change.preset_key,
            )
    except DomainError as exc:
        problem = exc.message[:500]
        if change.problem != problem:
            change.problem = problem
            change.save(update_fields=["problem"])
        return None
    change.applied_at = timezone.now()
    change.applied_change = made[0] if made else None
    change.problem = ""
    change.save(update_fields=["applied_at", "applied_change", "problem"])
    return change
