"""The shipped presets and tools: reading presets/*.yaml and tools/*.yaml from the package."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.standards import settings_spec
from auditloop.standards.yamlcheck import Check, F, Fields, Integer, Key, ListOf, Text, read_file


def _is_date(value: str) -> str | None:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return f"“{value}” is not a date: write it as YYYY-MM-DD, for example 2023-01-01"
    return None


DATE = Check(Text(pattern=re.compile(r"^\d{4}-\d{2}-\d{2}$"),
                  pattern_hint="a date written YYYY-MM-DD, for example 2023-01-01"), _is_date)
SCHEDULED = ListOf(Fields({
    "key": F(Key(), required=True),
    "after_months": F(Integer(minimum=1, maximum=120)),
    "effective_on": F(DATE),
    "reason": F(Text(max_length=500), default=""),
    "settings": F(settings_spec.SETTINGS_SPEC, required=True),
}, name="a scheduled change (key, after_months or effective_on, reason, settings)"),
    unique_by="key")
PRESET = Fields({
    "format": F(Integer(minimum=1, maximum=1), required=True),
    "key": F(Key(), required=True),
    "seed": F(Text(max_length=10), required=True),
    "name": F(Text(max_length=200), required=True),
    "summary": F(Text(max_length=5000), default=""),
    "settings": F(settings_spec.SETTINGS_SPEC, required=True),
    "scheduled": F(SCHEDULED, default=list),
}, name="a preset")


@dataclass(frozen=True)
class ScheduledEntry:
    """Settings a preset changes later: `after_months` after it is applied, or on a date."""

    key: str
    after_months: int | None
    effective_on: dt.date | None
    reason: str
    settings: dict[str, Any]  # only the settings the entry gives

    def date_from(self, applied_on: dt.date) -> dt.date:
        """The day it takes effect when the preset is applied on `applied_on`: a fixed date,
        or the first day of the month `after_months` after the month of applying (the seeds
        speak of months: "in December 2022"; cycles run by the month)."""
        if self.effective_on is not None:
            return self.effective_on
        return add_months(applied_on.replace(day=1), self.after_months or 0)


@dataclass(frozen=True)
class Preset:
    key: str
    seed: str
    name: str
    summary: str
    settings: dict[str, Any]  # only the settings the file gives
    filename: str
    scheduled: tuple[ScheduledEntry, ...] = ()

    def values(self) -> dict[str, Any]:
        """Every setting: the defaults, then this preset's values."""
        values = settings_spec.defaults()
        values.update(self.settings)
        return {k: settings_spec.normalise(k, v) for k, v in values.items()}

    @property
    def tool_keys(self) -> list[str]:
        return list(self.settings.get("tools") or [])


def _dir(name: str) -> Any:
    return resources.files("auditloop.standards").joinpath(name)


def read_preset(text: str, filename: str) -> Preset:
    value, _ = read_file(text, filename, PRESET)
    given = {k: v for k, v in value["settings"].items() if v is not None}
    state = {**settings_spec.defaults(), **given}
    problems = settings_spec.cross_check(state)
    if problems:
        raise DomainError(f"{filename}: " + " ".join(m for _, m in problems),
                          field=problems[0][0])
    scheduled = []
    for entry in value["scheduled"]:
        where = f"{filename}, scheduled[{entry['key']}]"
        if (entry["after_months"] is None) == (entry["effective_on"] is None):
            raise DomainError(f"{where}: give either after_months or effective_on.")
        changes = {k: v for k, v in entry["settings"].items() if v is not None}
        if not changes:
            raise DomainError(f"{where}: name at least one setting under settings.")
        # The settings as they will be once this entry (and those before it) take effect.
        state.update(changes)
        problems = settings_spec.cross_check(state)
        if problems:
            raise DomainError(f"{where}: " + " ".join(m for _, m in problems),
                              field=problems[0][0])
        on = entry["effective_on"]
        scheduled.append(ScheduledEntry(entry["key"], entry["after_months"],
                                        dt.date.fromisoformat(on) if on else None,
                                        entry["reason"], changes))
    return Preset(value["key"], value["seed"], value["name"], value["summary"], given, filename,
                  tuple(scheduled))


def shipped_presets() -> list[Preset]:
    presets = []
    for entry in sorted(_dir("presets").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            preset = read_preset(entry.read_text("utf-8"), entry.name)
            if entry.name != f"{preset.key}.yaml":
                raise DomainError(f"{entry.name}: the file must be named {preset.key}.yaml")
            presets.append(preset)
    return presets


def get_preset(key: str) -> Preset:
    for preset in shipped_presets():
        if preset.key == key or preset.seed == key:
            return preset
    names = ", ".join(p.key for p in shipped_presets())
    raise DomainError(f"There is no preset called “{key}”. The presets are: {names}.")


def shipped_tool_text(key: str) -> tuple[str, str] | None:
    """The text and file name of a tool shipped with auditloop, or None."""
    entry = _dir("tools").joinpath(f"{key}.yaml")
    if not entry.is_file():
        return None
    return entry.read_text("utf-8"), entry.name


def shipped_tool_keys() -> list[str]:
    return sorted(e.name.removesuffix(".yaml") for e in _dir("tools").iterdir()
                  if e.name.endswith(".yaml"))
