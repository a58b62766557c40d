"""Feedback question sets as data (like the audit tools): the YAML files in question_sets/,
read and checked here. services.question_sets_load makes each changed file a new version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditloop.common.errors import DomainError

DIRECTORY = Path(__file__).resolve().parent / "question_sets"
AUDIENCES = {
    "family": "Families",
    "family_easy_read": "Families (easy read)",
    "child": "Children and young people",
    "staff": "Staff",  # the annual and pulse staff surveys (002)
    "audit_process": "Those audited and their auditors",  # the audit process (002)
}
# Families are invited with these when a case closes; staff and auditors with the rest.
FAMILY_AUDIENCES = frozenset({"family", "family_easy_read", "child"})
ANSWERS = {"scale", "yes_no", "text"}
ORIGINS = {"seed", "draft"}
DRAFT_NOTE = "Not from the seed: review before use"
SCALE = range(1, 6)  # our choice, not the seed's: five points, worst to best


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    answer: str
    required: bool
    origin: str
    hint: str = ""
    low: str = ""
    high: str = ""

    @property
    def from_seed(self) -> bool:
        return self.origin == "seed"


def file_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str, *, source: str = "the file") -> dict[str, Any]:
    """The set's definition, checked; DomainError naming the problem otherwise."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DomainError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise DomainError(f"{source} must start with 'format: 1'.")
    for name in ("key", "name", "audience"):
        if not str(data.get(name) or "").strip():
            raise DomainError(f"{source} needs a {name}.")
    if data["audience"] not in AUDIENCES:
        raise DomainError(f"{source}: the audience must be one of {', '.join(AUDIENCES)}.")
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
        if q.get("origin") not in ORIGINS:
            raise DomainError(f"{source}: question {key}'s origin must be seed or draft.")
        if q["answer"] == "scale" and not (q.get("low") and q.get("high")):
            raise DomainError(f"{source}: question {key} needs the labels of the scale's "
                              "ends (low and high).")
        questions.append({
            "key": key, "text": str(q["text"]).strip(), "answer": q["answer"],
            "required": bool(q.get("required", True)), "origin": q["origin"],
            "hint": str(q.get("hint") or "").strip(), "low": str(q.get("low") or ""),
            "high": str(q.get("high") or "")})
    return {"key": str(data["key"]).strip(), "name": str(data["name"]).strip(),
            "seed": str(data.get("seed") or ""), "audience": data["audience"],
            "about": str(data.get("about") or "").strip(), "questions": questions}


def questions_of(definition: dict[str, Any]) -> list[Question]:
    return [Question(**q) for q in definition["questions"]]


def preset_files() -> list[Path]:
    return sorted(DIRECTORY.glob("*.yaml"))
