"""The shipped presets and tools: reading presets/*.yaml and tools/*.yaml from the package."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

from auditloop.common.errors import DomainError
from auditloop.standards import settings_spec
from auditloop.standards.yamlcheck import F, Fields, Integer, Key, Text, read_file

PRESET = Fields({
    "format": F(Integer(minimum=1, maximum=1), required=True),
    "key": F(Key(), required=True),
    "seed": F(Text(max_length=10), required=True),
    "name": F(Text(max_length=200), required=True),
    "summary": F(Text(max_length=5000), default=""),
    "settings": F(settings_spec.SETTINGS_SPEC, required=True),
}, name="a preset")


@dataclass(frozen=True)
class Preset:
    key: str
    seed: str
    name: str
    summary: str
    settings: dict[str, Any]  # only the settings the file gives
    filename: str

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
    problems = settings_spec.cross_check({**settings_spec.defaults(), **given})
    if problems:
        raise DomainError(f"{filename}: " + " ".join(m for _, m in problems),
                          field=problems[0][0])
    return Preset(value["key"], value["seed"], value["name"], value["summary"], given, filename)


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
