"""The problem as the solver sees it: auditors and slots in the seed's order, who is eligible
for what, the paired cases grouped two by two, and the soft cost of an allocation."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass

from auditloop.programme.allocation.rules import is_eligible
from auditloop.programme.allocation.types import Auditor, Problem, Slot

# Soft costs, in the unit of "one more audit for one auditor this year" (an auditor's k-th
# case this cycle costs load_this_year + k). Keeping a pair on its two cases (001 2.11)
# outweighs giving a third auditor one case to spread the load; a repeated pairing costs
# more than a split pair, since varying pairings is the point of pairs "formed at random".
REPEAT_PAIR_COST = 5
SPLIT_PAIR_COST = 4


@dataclass(frozen=True)
class Prepared:
    problem: Problem
    auditors: tuple[Auditor, ...]  # in the seed's order; the solver's indexes point here
    slots: tuple[Slot, ...]  # in the seed's order
    eligible: dict[str, tuple[int, ...]]  # slot key -> auditors allowed on their own terms
    bundles: tuple[tuple[str, str], ...]  # paired slots grouped two by two
    partners: dict[int, frozenset[int]]  # person id -> people they were paired with before

    def load_cost(self, i: int, taken: int) -> int:
        """What auditor i's first `taken` cases this cycle cost."""
        base = self.auditors[i].load_this_year
        return taken * base + taken * (taken + 1) // 2


def validate(problem: Problem) -> None:
    keys = [slot.key for slot in problem.slots]
    if len(set(keys)) != len(keys):
        raise ValueError("Slot keys must be unique.")
    people = [auditor.person_id for auditor in problem.auditors]
    if len(set(people)) != len(people):
        raise ValueError("Each auditor may appear only once.")
    for slot in problem.slots:
        if slot.auditors_needed < 1:
            raise ValueError(f"Slot {slot.key} needs at least one auditor.")


def prepare(problem: Problem) -> Prepared:
    validate(problem)
    rng = random.Random(problem.seed)
    auditors = list(problem.auditors)
    rng.shuffle(auditors)
    slots = list(problem.slots)
    rng.shuffle(slots)
    eligible = {
        slot.key: tuple(i for i, a in enumerate(auditors) if is_eligible(problem, a, slot))
        for slot in slots
    }
    # 001 2.11: a pair is "allocated with two cases". Re-audits (senior managers only) are
    # grouped with re-audits, the rest in the seed's order.
    bundles: list[tuple[str, str]] = []
    for re_audit in (True, False):
        paired = [s for s in slots if s.auditors_needed == 2 and s.re_audit == re_audit]
        bundles += [(paired[i].key, paired[i + 1].key) for i in range(0, len(paired) - 1, 2)]
    partners: dict[int, set[int]] = {}
    for pair in problem.previous_pairs:
        if len(pair) == 2:
            first, second = sorted(pair)
            partners.setdefault(first, set()).add(second)
            partners.setdefault(second, set()).add(first)
    return Prepared(
        problem=problem,
        auditors=tuple(auditors),
        slots=tuple(slots),
        eligible=eligible,
        bundles=tuple(bundles),
        partners={person: frozenset(others) for person, others in partners.items()},
    )


def cost_of(prepared: Prepared, assignments: Mapping[str, tuple[int, ...]]) -> int:
    """The soft cost of an allocation (person ids per slot key); lower is better."""
    index = {auditor.person_id: i for i, auditor in enumerate(prepared.auditors)}
    taken = [0] * len(prepared.auditors)
    for people in assignments.values():
        for person in people:
            taken[index[person]] += 1
    cost = sum(prepared.load_cost(i, n) for i, n in enumerate(taken))
    needed = {slot.key: slot.auditors_needed for slot in prepared.slots}
    for key, people in assignments.items():
        if needed[key] == 2:
            cost += SPLIT_PAIR_COST
            if people[1] in prepared.partners.get(people[0], ()):
                cost += REPEAT_PAIR_COST
    for first, second in prepared.bundles:
        if first in assignments and set(assignments[first]) == set(assignments.get(second, ())):
            cost -= 2 * SPLIT_PAIR_COST
    return cost
