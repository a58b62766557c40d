"""The slow exact oracle for the allocation tests: every valid allocation of a small
problem, by enumeration, for the most slots and, among those, the lowest soft cost."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from auditloop.programme.allocation.prepared import cost_of, prepare
from auditloop.programme.allocation.rules import team_is_valid
from auditloop.programme.allocation.types import Problem


@dataclass(frozen=True)
class Best:
    allocated: int  # the most slots any valid allocation covers
    cost: int  # the lowest soft cost among the allocations that cover that many
    example: dict[str, tuple[int, ...]]  # one allocation that reaches both


def brute_force(problem: Problem) -> Best:
    prepared = prepare(problem)
    slots = problem.slots
    teams = [
        [team for team in combinations(problem.auditors, slot.auditors_needed)
         if team_is_valid(problem, slot, team)]
        for slot in slots
    ]
    used = {auditor.person_id: 0 for auditor in problem.auditors}
    capacity = {auditor.person_id: auditor.capacity for auditor in problem.auditors}
    chosen: dict[str, tuple[int, ...]] = {}
    best = Best(allocated=0, cost=cost_of(prepared, {}), example={})

    def visit(n: int) -> None:
        nonlocal best
        if len(chosen) + len(slots) - n < best.allocated:
            return  # cannot reach the most slots any more
        if n == len(slots):
            cost = cost_of(prepared, chosen)
            if (len(chosen), -cost) > (best.allocated, -best.cost):
                best = Best(allocated=len(chosen), cost=cost, example=dict(chosen))
            return
        for team in teams[n]:
            people = tuple(a.person_id for a in team)
            if all(used[p] < capacity[p] for p in people):
                for p in people:
                    used[p] += 1
                chosen[slots[n].key] = people
                visit(n + 1)
                del chosen[slots[n].key]
                for p in people:
                    used[p] -= 1
        visit(n + 1)  # or leave the slot unallocated

    visit(0)
    return best
