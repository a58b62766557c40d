"""Questions kept as versioned YAML files: families' and staff's question sets (voice) and
observation tools (practice) are read and checked the same way, with each problem named in
plain words (DomainError)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml

from auditloop.common.errors import DomainError

ANSWERS = {"scale", "yes_no", "text"}  # a rating from 1 to 5, yes or no, or words
ORIGINS = {"seed", "draft"}  # the seed's own words, or a draft to review before use


def read(text: str, *, source: str, needs: Iterable[str]) -> dict[str, Any]:
    """The file's mapping, starting with 'format: 1' and holding each of `needs`."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DomainError(f"{source} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise DomainError(f"{source} must start with 'format: 1'.")
    for name in needs:
        if not str(data.get(name) or "").strip():
            raise DomainError(f"{source} needs a {name}.")
    return data


def questions(raw: Any, *, source: str, with_origin: bool = False) -> list[dict[str, Any]]:
    """The questions, checked: each with a key no other has, its text, how it is answered
    (a scale names its ends) and, `with_origin`, whether it is the seed's or a draft."""
    if not isinstance(raw, list) or not raw:
        raise DomainError(f"{source} needs at least one question.")
    seen: set[str] = set()
    out = []
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
        if with_origin and q.get("origin") not in ORIGINS:
            raise DomainError(f"{source}: question {key}'s origin must be seed or draft.")
        if q["answer"] == "scale" and not (q.get("low") and q.get("high")):
            raise DomainError(f"{source}: question {key} needs the labels of the scale's "
                              "ends (low and high).")
        out.append({
            "key": key, "text": str(q["text"]).strip(), "answer": q["answer"],
            "required": bool(q.get("required", True)),
            **({"origin": q["origin"]} if with_origin else {}),
            "hint": str(q.get("hint") or "").strip(), "low": str(q.get("low") or ""),
            "high": str(q.get("high") or "")})
    return out
