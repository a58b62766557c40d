"""Feedback question sets as data (like the audit tools): the YAML files in question_sets/,
read and checked here. services.question_sets_load makes each changed file a new version."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditloop.common import question_files
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
ANSWERS = question_files.ANSWERS
ORIGINS = question_files.ORIGINS
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
    data = question_files.read(text, source=source, needs=("key", "name", "audience"))
    if data["audience"] not in AUDIENCES:
        raise DomainError(f"{source}: the audience must be one of {', '.join(AUDIENCES)}.")
    questions = question_files.questions(data.get("questions"), source=source,
                                         with_origin=True)
    return {"key": str(data["key"]).strip(), "name": str(data["name"]).strip(),
            "seed": str(data.get("seed") or ""), "audience": data["audience"],
            "about": str(data.get("about") or "").strip(), "questions": questions}


def questions_of(definition: dict[str, Any]) -> list[Question]:
    return [Question(**q) for q in definition["questions"]]


def preset_files() -> list[Path]:
    return sorted(DIRECTORY.glob("*.yaml"))
