"""Observation tools as data (like the feedback question sets and the audit tools): the
YAML files in observation_tools/, read and checked here. observations.tools_load makes each
changed file the tool's next version after every migrate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditloop.common import question_files
from auditloop.common.errors import DomainError

DIRECTORY = Path(__file__).resolve().parent / "observation_tools"
ANSWERS = question_files.ANSWERS
SOURCES = question_files.ORIGINS
DRAFT_NOTE = "Not from the seed: review before use"
SCALE = range(1, 5)  # our choice, not the seed's: four points, from not seen to seen well


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answer: str
    required: bool
    hint: str = ""
    low: str = ""
    high: str = ""


def file_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str, *, source: str = "the file", kinds: set[str] | None = None,
          ) -> dict[str, Any]:
    """The tool's definition, checked; DomainError naming the problem otherwise. `kinds`:
    the kinds of observation a tool may be for (Observation.Kind's values)."""
    data = question_files.read(text, source=source, needs=("key", "name"))
    if data.get("source") not in SOURCES:
        raise DomainError(f"{source}: the source must be seed or draft.")
    tool_kinds = data.get("kinds")
    if not isinstance(tool_kinds, list) or not tool_kinds:
        raise DomainError(f"{source} needs the kinds of observation it is for.")
    if kinds is not None:
        unknown = sorted(set(map(str, tool_kinds)) - kinds)
        if unknown:
            raise DomainError(f"{source}: unknown kinds of observation {', '.join(unknown)}.")
    questions = question_files.questions(data.get("questions"), source=source)
    return {"key": str(data["key"]).strip(), "name": str(data["name"]).strip(),
            "seed": str(data.get("seed") or ""), "source": data["source"],
            "kinds": [str(k) for k in tool_kinds],
            "about": str(data.get("about") or "").strip(), "questions": questions}


def questions_of(definition: dict[str, Any]) -> list[Question]:
    return [Question(**q) for q in definition["questions"]]


def preset_files() -> list[Path]:
    return sorted(DIRECTORY.glob("*.yaml"))
