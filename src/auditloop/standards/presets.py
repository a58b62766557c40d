"""The shipped presets and tools: reading presets/*.yaml and tools/*.yaml from the package."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from auditloop.common.dates import add_months
from auditloop.common.errors import DomainError
from auditloop.standards import settings_spec
from auditloop.standards.yamlcheck import (
    Check,
    F,
    Fields,
    Integer,
    Key,
    ListOf,
    MapOf,
    Text,
    read_file,
)


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
# A value that is the preset's choice rather than its seed's says so, shown beside the value
# on the settings page: "our default: the seed gives no number" for a number the seed does
# not give, "our choice: ..." for anything else.
OUR_CHOICE = Text(max_length=300, pattern=re.compile(r"^our (default|choice): \S"),
                  pattern_hint="text starting “our default: ” or “our choice: ”")
PRESET = Fields({
    "format": F(Integer(minimum=1, maximum=1), required=True),
    "key": F(Key(), required=True),
    "seed": F(Text(max_length=10), required=True),
    "name": F(Text(max_length=200), required=True),
    "summary": F(Text(max_length=5000), default=""),
    "settings": F(settings_spec.SETTINGS_SPEC, required=True),
    "scheduled": F(SCHEDULED, default=list),
    "our_choices": F(MapOf(Key(), OUR_CHOICE, allowed=settings_spec.SETTINGS), default=dict),
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
    # setting -> why its value is the preset's choice, not the seed's ("our default: ...")
    our_choices: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        """Every setting: the defaults, then this preset's values."""
        values = settings_spec.defaults()
        values.update(self.settings)
        return {k: settings_spec.normalise(k, v) for k, v in values.items()}

    @property
    def tool_keys(self) -> list[str]:
        return list(self.settings.get("tools") or [])

    def values_it_sets(self, name: str) -> list[Any]:
        """The values this preset gives a setting: its own, then its scheduled changes'."""
        found = [self.settings[name]] if name in self.settings else []
        found += [e.settings[name] for e in self.scheduled if name in e.settings]
        return [settings_spec.normalise(name, v) for v in found]

    def our_choice(self, name: str, value: Any) -> str:
        """Why the setting's value is this preset's choice rather than its seed's, while the
        setting still has a value the preset gave it; "" otherwise. A setting the preset
        leaves at a default that no seed gives (DEFAULT_CHOICES) says so too."""
        value = settings_spec.normalise(name, value)
        why = self.our_choices.get(name, "")
        if why and value in self.values_it_sets(name):
            return why
        if (name in DEFAULT_CHOICES and not self.values_it_sets(name)
                and value == settings_spec.normalise(name, settings_spec.defaults()[name])):
            return DEFAULT_CHOICES[name]
        return ""


# Defaults every preset takes unless it sets the value, which no seed gives: the settings
# page marks them as it marks a preset's own choices.
DEFAULT_CHOICES: dict[str, str] = {
    "agreement_window_months": (
        "our default: the seed gives no number (a month has only a few moderated audits)"),
    "agreement_min_audits": "our default: the seed gives no number",
    "mentoring_threshold_percent": "our default: the seed gives no number",
}


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
    preset = Preset(value["key"], value["seed"], value["name"], value["summary"], given,
                    filename, tuple(scheduled), dict(value["our_choices"]))
    for name in preset.our_choices:
        if not preset.values_it_sets(name):
            raise DomainError(f"{filename}, our_choices.{name}: the preset does not set "
                              f"{name}; mark only the values it gives.", field=name)
    return preset


@functools.cache
def _shipped() -> tuple[Preset, ...]:
    return tuple(shipped_presets())


def shipped_preset(key: str) -> Preset | None:
    """A shipped preset by its key (read once a process: the files ship with the code)."""
    return next((p for p in _shipped() if p.key == key), None)


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
