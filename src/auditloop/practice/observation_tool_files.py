"""Observation tools as data (like the feedback question sets and the audit tools): the
YAML files in observation_tools/, read and checked here. observations.tools_load makes each
changed file the tool's next version after every migrate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditloop.common.errors import DomainError

DIRECTORY = Path(__file__).resolve().parent / "observation_tools"
ANSWERS = {"scale", "yes_no", "text"}
SOURCES = {"seed", "draft"}
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
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DomainError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise DomainError(f"{source} must start with 'format: 1'.")
    for name in ("key", "name"):
        if not str(data.get(name) or "").strip():
            raise DomainError(f"{source} needs a {name}.")
    if data.get("source") not in SOURCES:
        raise DomainError(f"{source}: the source must be seed or draft.")
    tool_kinds = data.get("kinds")
    if not isinstance(tool_kinds, list) or not tool_kinds:
        raise DomainError(f"{source} needs the kinds of observation it is for.")
    if kinds is not None:
        unknown = sorted(set(map(str, tool_kinds)) - kinds)
        if unknown:
            raise DomainError(f"{source}: unknown kinds of observation {', '.join(unknown)}.")
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise DomainError(f"{source} needs at least one question.")
    seen: set[str] = set()
    questions = []
    for n, q in enumerate(raw, start=1):
        if not isinstance(q, dict):
            raise DomainError(f"{source}: question {n} is not a list of fields.")
        key = str(q.get("key") or "").strip()
        if not key or key in seen:
            raise DomainError(f"{source}: question {n} needs a key no other question has.")
        seen.add(key)
        if not str(q.get("text") or "").strip():
            raise DomainError(f"{source}: question {key} needs its text.")
        if q.get("answer") not in ANSWERS:
            raise DomainError(f"{source}: question {key}'s answer must be one of "
                              f"{', '.join(sorted(ANSWERS))}.")
        if q["answer"] == "scale" and not (q.get("low") and q.get("high")):
            raise DomainError(f"{source}: question {key} needs the labels of the scale's "
                              "ends (low and high).")
        questions.append({
            "key": key, "text": str(q["text"]).strip(), "answer": q["answer"],
            "required": bool(q.get("required", True)),
            "hint": str(q.get("hint") or "").strip(), "low": str(q.get("low") or ""),
            "high": str(q.get("high") or "")})
    return {"key": str(data["key"]).strip(), "name": str(data["name"]).strip(),
            "seed": str(data.get("seed") or ""), "source": data["source"],
            "kinds": [str(k) for k in tool_kinds],
            "about": str(data.get("about") or "").strip(), "questions": questions}


def questions_of(definition: dict[str, Any]) -> list[Question]:
    return [Question(**q) for q in definition["questions"]]


def preset_files() -> list[Path]:
    return sorted(DIRECTORY.glob("*.yaml"))
