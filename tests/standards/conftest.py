"""Fixtures for the standards: the shipped tools read from the package, and a small tool."""

from __future__ import annotations

from typing import Any

import pytest

from auditloop.standards import presets, schema

SMALL_TOOL = """\
format: 1
key: small-tool
name: A small tool
defaults:
  scale: four
scales:
  four:
    name: Four grades
    levels:
      - key: good
        label: Good
        definition: Good work
        counts_as_good: yes
      - key: poor
        label: Poor
        definition: Poor work
sections:
  - key: first
    title: First section
    graded: yes
    questions:
      - key: a
        ref: a
        text: Is the plan SMART?
        guidance: Look at the plan.
        answer: yes_no
overall:
  scale: four
"""


@pytest.fixture(scope="session")
def shipped() -> dict[str, dict[str, Any]]:
    """Every shipped tool's checked definition, by key."""
    out = {}
    for key in presets.shipped_tool_keys():
        text, filename = presets.shipped_tool_text(key)  # type: ignore[misc]
        out[key] = schema.parse_tool(text, filename)
    return out


def section(definition: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in definition["sections"] if s["key"] == key)


def question(definition: dict[str, Any], section_key: str, ref: str) -> dict[str, Any]:
    return next(q for q in section(definition, section_key)["questions"] if q["ref"] == ref)
