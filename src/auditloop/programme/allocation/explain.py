"""Why a slot cannot be allocated, in plain words: each auditor is blocked by the first rule
that stops them, and people are named where that helps (conflicts, the few left over)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from auditloop.programme.allocation.rules import is_eligible, leads
from auditloop.programme.allocation.types import Auditor, Problem, Slot

# Beyond this many, a group of auditors is counted rather than named.
MOST_NAMED = 3


def name_of(person_id: int, names: Mapping[int, str] | None) -> str:
    if names and person_id in names:
        return names[person_id]
    return f"auditor {person_id}"


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


PLURALS = {"is": "are", "was": "were", "has": "have"}


def plural_verb(reason: str) -> str | None:
    """The reason said of several people ("is on leave" -> "are on leave"), or None when
    its first word is not one we can safely make plural."""
    first, _, rest = reason.partition(" ")
    if first not in PLURALS or " and " in rest:
        return None
    return f"{PLURALS[first]} {rest}"


def cases(count: int) -> str:
    return "1 case" if count == 1 else f"{count} cases"


class Wording:
    """Words a group of auditors: named when few, counted when many."""

    def __init__(self, names: Mapping[int, str] | None) -> None:
        self.names = names
        self.reasons: list[str] = []

    def who(self, group: Sequence[Auditor]) -> str:
        if len(group) <= MOST_NAMED:
            return join_words([name_of(a.person_id, self.names) for a in group])
        # "the other" once someone has been named or counted before
        return f"{'the other ' if self.reasons else ''}{len(group)} auditors"

    def add(self, group: Sequence[Auditor], one: str, many: str) -> None:
        """`one`/`many` follow the subject, e.g. "is not trained"/"are not trained"."""
        if group:
            verb = one if len(group) == 1 else many
            self.reasons.append(f"{self.who(group)} {verb}")


def explain(
    problem: Problem,
    slot: Slot,
    assignments: Mapping[str, tuple[int, ...]],
    *,
    names: Mapping[int, str] | None = None,
) -> list[str]:
    """Each constraint that blocks the slot, given the other slots' `assignments`."""
    if not problem.auditors:
        return ["there are no auditors to allocate"]
    taken: dict[int, int] = {}
    for key, people in assignments.items():
        if key != slot.key:
            for person in people:
                taken[person] = taken.get(person, 0) + 1

    wording = Wording(names)
    conflicts: dict[str, list[Auditor]] = {}  # the reasons in words -> who, in order
    no_capacity: list[Auditor] = []
    not_senior: list[Auditor] = []
    shadowing_alone: list[Auditor] = []
    untrained: list[Auditor] = []
    at_limit: dict[int, list[Auditor]] = {}
    free: list[Auditor] = []
    for auditor in problem.auditors:
        conflict = problem.forbidden.get((auditor.person_id, slot.case_id))
        if conflict is not None:
            why = join_words(list(conflict)) or "has a conflict of interest"
            conflicts.setdefault(why, []).append(auditor)
        elif auditor.capacity < 1:
            no_capacity.append(auditor)
        elif slot.re_audit and not auditor.senior:
            not_senior.append(auditor)
        elif auditor.shadowing and slot.auditors_needed < 2:
            shadowing_alone.append(auditor)
        elif not is_eligible(problem, auditor, slot):
            untrained.append(auditor)
        elif taken.get(auditor.person_id, 0) >= auditor.capacity:
            at_limit.setdefault(auditor.capacity, []).append(auditor)
        else:
            free.append(auditor)

    for why, group in conflicts.items():
        plural = plural_verb(why)
        if len(group) == 1 or plural is None:
            wording.reasons += [f"{name_of(a.person_id, names)} {why}" for a in group]
        else:  # named, however many: who has a conflict matters
            who = join_words([name_of(a.person_id, names) for a in group])
            wording.reasons.append(f"{who} {plural}")
    wording.add(
        not_senior,
        "is not a senior manager, and a re-audit goes to a senior manager",
        "are not senior managers, and a re-audit goes to a senior manager",
    )
    wording.add(untrained, "is not trained to audit yet", "are not trained to audit yet")
    wording.add(
        shadowing_alone,
        "is shadowing, so can audit only beside a trained auditor, and this case has 1",
        "are shadowing, so can audit only beside a trained auditor, and this case has 1",
    )
    wording.add(no_capacity, "can take no cases this cycle", "can take no cases this cycle")
    for capacity in sorted(at_limit):
        wording.add(
            at_limit[capacity],
            f"is already at the limit of {cases(capacity)}",
            f"are already at their limit of {cases(capacity)}",
        )

    needed = slot.auditors_needed
    trained_free = [a for a in free if leads(a)]
    unshadowed_free = [a for a in free if not a.shadowing]
    can_form = len(unshadowed_free) >= needed or (trained_free and len(free) >= needed)
    if free and not can_form:
        if len(free) < needed:
            subject = "only " + wording.who(free)
            verb = "is" if len(free) == 1 else "are"
            wording.reasons.append(
                f"{subject} {verb} free, and this case needs {needed} auditors"
            )
        else:
            wording.add(
                [a for a in free if a.shadowing],
                "is shadowing, and no trained auditor is free to audit beside them",
                "are shadowing, and no trained auditor is free to audit beside them",
            )
    elif free:
        # Only when the search stopped before it was sure (see solver.DETERMINISTIC_LIMIT).
        wording.add(
            free,
            "could audit it, but the search stopped before placing them",
            "could audit it, but the search stopped before placing them",
        )
    return wording.reasons or ["no allocation of the auditors can cover it"]


def describe(slot: Slot, reasons: Sequence[str], *, case_label: str | None = None) -> str:
    """One sentence for a page: "Nobody can audit case 123: Ann Smith was the key worker;
    the other 6 auditors are already at their limit of 2 cases." """
    label = case_label or f"case {slot.case_id}"
    return f"Nobody can audit {label}: {'; '.join(reasons)}."
