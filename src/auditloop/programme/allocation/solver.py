"""Allocate auditors to audit slots: every hard rule kept, as many slots as possible, then
the lowest soft cost (prepared.py: spread the load over the year, vary pairings, keep each
pair on its two cases), with the reason each slot left over cannot be allocated (explain.py).

The objective is lexicographic: first the number of allocated slots (so when a full
allocation exists it is found), then the soft cost. The steps:
1. Min-cost flows (flow.py) build an allocation in a fraction of a second, even for every
   auditor of a large council. When every slot needs one auditor (003) this is exact for
   both the slots and the soft cost, and the answer.
2. Otherwise (pairs, 001), if the flows cover fewer slots than a max-flow bound allows
   (most_slots_bound), CP-SAT (search.py) searches every eligible auditor for the most
   slots, starting from the flows' allocation and stopping at the bound.
3. While the model is small (up to EXACT_MODEL_SIZE auditor-case choices: a month's cycle
   of a small or medium council, and every property test), CP-SAT then minimises the soft
   cost over every eligible auditor, from the flows' allocation; `Result.optimal` says
   whether it proved that optimal. For larger ones (a 200-case themed audit with every
   auditor) the flows' soft cost stands: CP-SAT on that model is tens of seconds from
   proving anything, while the flows come within 2% of a lower bound there
   (benchmarks/RESULTS.md).

The seed shuffles the order of auditors and slots, so which of the equally good allocations
comes out, and which cases share a pair, follow the seed ("paired at random", 001 2.11);
it is also CP-SAT's random seed. CP-SAT runs with one worker and stops on a deterministic
work limit, not the clock: the same input always gives the same output.
"""

from __future__ import annotations

from collections.abc import Mapping

from auditloop.programme.allocation.explain import explain
from auditloop.programme.allocation.flow import construct, most_slots_bound
from auditloop.programme.allocation.prepared import Prepared, cost_of, prepare
from auditloop.programme.allocation.search import search
from auditloop.programme.allocation.types import Auditor, Problem, Result

# Auditor-case choices (eligible auditor and slot) up to which CP-SAT also minimises the
# soft cost: a few seconds at most (benchmarks/RESULTS.md).
EXACT_MODEL_SIZE = 300
# CP-SAT's deterministic time (its own measure of work, not the clock: 5 took 3-4 s on the
# development machine) for the search for the most slots, needed only when the flows fall
# short of the bound (most_slots_bound); and for the search for the lowest soft cost, which
# starts from the flows' allocation and so can stop early without loss.
DETERMINISTIC_LIMIT = 30.0
POLISH_LIMIT = 5.0


def soft_cost(problem: Problem, assignments: Mapping[str, tuple[int, ...]]) -> int:
    """The soft cost of an allocation (person ids per slot key), as the solver counts it."""
    return cost_of(prepare(problem), assignments)


def allocate(prepared: Prepared, deterministic_limit: float) -> tuple[dict[str, list[int]], bool]:
    """Auditor indexes per allocated slot, and whether that is proved optimal."""
    built = construct(prepared)
    if all(slot.auditors_needed == 1 for slot in prepared.slots):
        return built, True  # one flow: exact
    bound = most_slots_bound(prepared)
    if len(built) < bound:  # the flows may have left slots over: search for the most slots
        found = search(prepared, hint=built, at_most=bound, soft=False,
                       deterministic_limit=deterministic_limit)
        if len(found.chosen) > len(built):
            built = found.chosen
    if sum(len(people) for people in prepared.eligible.values()) > EXACT_MODEL_SIZE:
        return built, False
    found = search(prepared, hint=built, at_least=len(built),
                   deterministic_limit=min(POLISH_LIMIT, deterministic_limit))
    if found.chosen and cost_of(prepared, ids(prepared, found.chosen)) <= cost_of(
        prepared, ids(prepared, built)
    ):
        built = found.chosen
    # Optimal there means both: the objective ranks the number of slots first.
    return built, found.optimal


def ids(prepared: Prepared, chosen: Mapping[str, list[int]]) -> dict[str, tuple[int, ...]]:
    return {
        key: tuple(prepared.auditors[i].person_id for i in people)
        for key, people in chosen.items()
    }


def _lead_first(auditor: Auditor) -> tuple[bool, bool, int]:
    """Trained auditors first (the lead), then shadowing or untrained, then by person id."""
    return (auditor.shadowing, not auditor.trained, auditor.person_id)


def solve(
    problem: Problem,
    *,
    names: Mapping[int, str] | None = None,
    deterministic_limit: float = DETERMINISTIC_LIMIT,
) -> Result:
    """Allocate as many slots as possible, then at the lowest soft cost; say why each slot
    left over cannot be allocated. `names` (person id -> name) only words the reasons."""
    prepared = prepare(problem)
    chosen, optimal = allocate(prepared, deterministic_limit)
    assignments: dict[str, tuple[int, ...]] = {}
    for slot in problem.slots:  # the caller's order
        if slot.key in chosen:
            team = sorted((prepared.auditors[i] for i in chosen[slot.key]), key=_lead_first)
            assignments[slot.key] = tuple(a.person_id for a in team)
    unallocated = {
        slot.key: explain(problem, slot, assignments, names=names)
        for slot in problem.slots
        if slot.key not in assignments
    }
    return Result(
        assignments=assignments,
        unallocated=unallocated,
        objective=cost_of(prepared, assignments),
        optimal=optimal,
    )
