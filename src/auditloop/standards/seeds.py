"""The five framework documents auditloop's rules come from, by their own titles.

Code and comments cite a seed by its number ("002: a third"); people read the document's
title instead. Every page that names a seed takes the title from SEED_TITLES, and `cite`
turns a text that cites seeds by number into one that names them.
"""

from __future__ import annotations

import re

# Each document's title as it stands at its head (000, 001: the first line; 002: the
# council's heading over the framework's; 003: the guide's title; 004: the note's subject).
SEED_TITLES: dict[str, str] = {
    "000": "CSCP Early Help Quality Assurance Framework",
    "001": "Early Help Quality Assurance Framework and Guidance Notes",
    "002": "Sefton Children's Services Quality Assurance & Impact Framework",
    "003": "What does a ‘good’ CAF look like? A Guide",
    "004": "Improving Quality Assurance (note to the Scrutiny Board)",
}

# "Seed 002: ...", "002: ..." or "001." (a rule taken as it stands), at a word's start.
_CITATION = re.compile(r"(?:\b[Ss]eed )?\b(00[0-4])\b(:|\.(?!\d)|'s)?")


def seed_title(number: str) -> str:
    """The seed's title; the number itself for one auditloop does not know."""
    return SEED_TITLES.get(number, number)


def cite(text: str) -> str:
    """The text with each seed it cites by number named by its title instead:
    "001: pairs." reads "Early Help Quality Assurance Framework and Guidance Notes: pairs."
    and a bare "001." reads "From Early Help Quality ... Notes."."""

    def title(match: re.Match[str]) -> str:
        name = seed_title(match.group(1))
        after = match.group(2) or ""
        if after == ".":
            return f"From {name}."
        if after == "'s":
            return f"{name}’s" if not name.endswith("s") else f"{name}’"
        return name + after

    return _CITATION.sub(title, text)
