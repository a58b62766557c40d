"""Allocation by min-cost flow, for a large council: fast, and exact when every slot needs
one auditor.

A flow fills seats: as many as possible, then at the lowest load cost. It cannot say that a
pair counts only when whole, or anything about pairings; so for pairs `construct` builds the
allocation in three flows (the slots outside the two-case groups first, since they are few
and may need scarce senior managers; then each group of two paired cases for one pair, as
001 2.11 has it; then the cases of groups left over, one by one), drops half-filled pairs,
and swaps partners between pairs to undo pairings met before. Every pair it makes has a
trained auditor in the first seat, so a shadowing auditor is always beside one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from auditloop.programme.allocation.prepared import Prepared
from auditloop.programme.allocation.rules import leads
from auditloop.programme.allocation.types import Slot


@dataclass(frozen=True)
class Unit:
    """What one auditor takes in a flow: one slot, or both cases of a group."""

    keys: tuple[str, ...]
    needed: int
    allowed: tuple[int, ...]  # auditor indexes eligible for every key


def fill(prepared: Prepared, units: Sequence[Unit], capacity: list[int]) -> list[list[int]]:
    """The auditors (indexes) seated on each unit by a min-cost flow: as many seats as
    possible, then the lowest load cost. Every unit holds the same number of cases;
    `capacity` (cases left per auditor) is reduced by what is taken."""
    if not units:
        return []
    auditors = prepared.auditors
    weight = len(units[0].keys)
    taken_before = [a.capacity - left for a, left in zip(auditors, capacity, strict=True)]
    nodes = iter(range(10**9))
    source, sink = next(nodes), next(nodes)
    auditor_node = [next(nodes) for _ in auditors]
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []

    def arc(tail: int, head: int, cap: int, cost: int = 0) -> int:
        tails.append(tail)
        heads.append(head)
        capacities.append(cap)
        costs.append(cost)
        return len(tails) - 1

    seat_arcs: list[tuple[int, int, int]] = []  # (arc, unit, auditor)
    offered = [0] * len(auditors)
    for u, unit in enumerate(units):
        # A pair's first seat takes a trained auditor, the others anyone allowed.
        first = next(nodes)
        arc(source, first, 1)
        rest = next(nodes) if unit.needed > 1 else None
        if rest is not None:
            arc(source, rest, unit.needed - 1)
        for i in unit.allowed:
            auditor = auditors[i]
            can_lead = leads(auditor) or (unit.needed == 1 and not auditor.shadowing)
            if not can_lead and rest is None:
                continue
            offered[i] += 1
            if rest is None:
                seat = first
            elif can_lead:  # may fill either seat, but only one
                seat = next(nodes)
                arc(first, seat, 1)
                arc(rest, seat, 1)
            else:
                seat = rest
            seat_arcs.append((arc(seat, auditor_node[i], 1), u, i))
    dearest = 0
    for i, auditor in enumerate(auditors):
        for j in range(min(capacity[i] // weight, offered[i])):
            # the load cost of this unit's cases: load_this_year + k for the k-th case
            before = taken_before[i] + j * weight
            cost = sum(auditor.load_this_year + before + c for c in range(1, weight + 1))
            arc(auditor_node[i], sink, 1, cost)
            dearest = max(dearest, cost)
    seats = sum(unit.needed for unit in units)
    arc(source, sink, seats, dearest + 1)  # an empty seat costs more than any filled one

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails), np.array(heads), np.array(capacities), np.array(costs)
    )
    flow.set_node_supply(source, seats)
    flow.set_node_supply(sink, -seats)
    if flow.solve() != flow.OPTIMAL:  # cannot happen: the last arc takes any excess
        raise RuntimeError("The allocation flow found no solution.")
    seated: list[list[int]] = [[] for _ in units]
    for a, u, i in seat_arcs:
        if flow.flow(a):
            seated[u].append(i)
            capacity[i] -= weight
    return seated


def construct(prepared: Prepared) -> dict[str, list[int]]:
    """Auditor indexes per allocated slot (see the module's docstring)."""
    eligible = prepared.eligible
    capacity = [a.capacity for a in prepared.auditors]
    chosen: dict[str, list[int]] = {}

    def place(units: list[Unit]) -> None:
        for unit, seated in zip(units, fill(prepared, units, capacity), strict=True):
            if len(seated) == unit.needed:
                for key in unit.keys:
                    chosen[key] = list(seated)
            else:  # half a pair is no pair: give the seats back
                for i in seated:
                    capacity[i] += len(unit.keys)

    grouped = {key for bundle in prepared.bundles for key in bundle}
    place([Unit((s.key,), s.auditors_needed, eligible[s.key])
           for s in prepared.slots if s.key not in grouped])
    place([Unit(bundle, 2, tuple(sorted(set(eligible[bundle[0]]) & set(eligible[bundle[1]]))))
           for bundle in prepared.bundles])
    place([Unit((key,), 2, eligible[key])
           for bundle in prepared.bundles for key in bundle if key not in chosen])
    fill_gaps(prepared, chosen, capacity)
    vary_pairings(prepared, chosen)
    return chosen


def fill_gaps(prepared: Prepared, chosen: dict[str, list[int]], capacity: list[int]) -> None:
    """Seat pairs from the places the flows left, one slot at a time: a flow may fill one
    seat of one pair and one of another where the same places make a whole pair."""
    auditors = prepared.auditors
    for slot in prepared.slots:
        if slot.key in chosen:
            continue
        free = sorted(
            (i for i in prepared.eligible[slot.key] if capacity[i] > 0),
            key=lambda i: (auditors[i].load_this_year + auditors[i].capacity - capacity[i], i),
        )
        lead = next((i for i in free if leads(auditors[i])
                     or (slot.auditors_needed == 1 and not auditors[i].shadowing)), None)
        if lead is None:
            continue
        # Those who cannot lead first: their places are no use otherwise.
        others = sorted((i for i in free if i != lead), key=lambda i: leads(auditors[i]))
        team = [lead, *others[: slot.auditors_needed - 1]]
        if len(team) == slot.auditors_needed:
            chosen[slot.key] = team
            for i in team:
                capacity[i] -= 1
    make_room_for_shadowing(prepared, chosen, capacity)


def make_room_for_shadowing(
    prepared: Prepared, chosen: dict[str, list[int]], capacity: list[int]
) -> None:
    """Places left to shadowing auditors are no use without a trained partner: for a pair
    left over, take a trained auditor from a pair of two trained ones, put a shadowing
    auditor in their place there, and pair them with another here."""
    auditors, eligible = prepared.auditors, prepared.eligible
    for slot in prepared.slots:
        if slot.key in chosen or slot.auditors_needed != 2:
            continue
        here = [i for i in eligible[slot.key] if capacity[i] > 0 and auditors[i].shadowing]
        if not here:
            continue
        for key, team in chosen.items():
            if len(team) != 2 or not all(leads(auditors[i]) for i in team):
                continue
            for mover, stays in ((team[0], team[1]), (team[1], team[0])):
                if mover not in eligible[slot.key]:
                    continue
                there = next((i for i in eligible[key] if capacity[i] > 0
                              and auditors[i].shadowing and i != here[0]), None)
                if there is None:
                    continue
                chosen[key] = [stays, there]
                chosen[slot.key] = [mover, here[0]]
                capacity[there] -= 1
                capacity[here[0]] -= 1
                break
            if slot.key in chosen:
                break


def vary_pairings(prepared: Prepared, chosen: dict[str, list[int]]) -> None:
    """Swap partners between pairs while that undoes pairings met before (the load is the
    same: each person keeps as many cases)."""
    auditors, partners = prepared.auditors, prepared.partners
    needed = {slot.key: slot.auditors_needed for slot in prepared.slots}
    # A pair's cases: both of a group it kept, or one.
    teams: dict[tuple[str, ...], list[int]] = {}
    kept = {key for bundle in prepared.bundles for key in bundle
            if bundle[0] in chosen and chosen[bundle[0]] == chosen.get(bundle[1])}
    for bundle in prepared.bundles:
        if bundle[0] in kept:
            teams[bundle] = chosen[bundle[0]]
    for key, people in chosen.items():
        if key not in kept and needed[key] == 2:
            teams[(key,)] = people

    if not partners:
        return
    eligible = {key: frozenset(people) for key, people in prepared.eligible.items()}

    def met(pair: Sequence[int]) -> bool:
        first, second = (auditors[i].person_id for i in pair)
        return second in partners.get(first, ())

    def fits(keys: tuple[str, ...], pair: list[int]) -> bool:
        return (pair[0] != pair[1]
                and all(i in eligible[k] for k in keys for i in pair)
                and any(leads(auditors[i]) for i in pair))

    by_size: dict[int, list[tuple[str, ...]]] = {}
    for keys in teams:
        by_size.setdefault(len(keys), []).append(keys)

    def swap_away(keys: tuple[str, ...]) -> bool:
        pair = teams[keys]
        for other in by_size[len(keys)]:
            theirs = teams[other]
            if other == keys:
                continue
            before = met(pair) + met(theirs)
            for mine in (0, 1):
                for their in (0, 1):
                    new_pair, new_theirs = list(pair), list(theirs)
                    new_pair[mine], new_theirs[their] = theirs[their], pair[mine]
                    if (fits(keys, new_pair) and fits(other, new_theirs)
                            and met(new_pair) + met(new_theirs) < before):
                        pair[:], theirs[:] = new_pair, new_theirs
                        return True
        return False

    # Each swap meets fewer earlier pairs, so this ends.
    while any(met(pair) and swap_away(keys) for keys, pair in teams.items()):
        pass
    for keys, pair in teams.items():
        for key in keys:
            chosen[key] = list(pair)


def most_slots_bound(prepared: Prepared) -> int:
    """No allocation covers more slots than this. Two bounds, the lower kept: the most seats
    any allocation can fill (each auditor at most once a slot), spent on the slots needing
    the fewest auditors; and the most slots that can each have an auditor who is not
    shadowing (no slot is audited by shadowing auditors alone)."""
    auditors, slots, eligible = prepared.auditors, prepared.slots, prepared.eligible
    coverable = [s for s in slots if len(eligible[s.key]) >= s.auditors_needed]
    seats = _max_flow(prepared, coverable, lambda s: s.auditors_needed, lambda i: True)
    by_seats = 0
    for needed in sorted(s.auditors_needed for s in coverable):
        if needed > seats:
            break
        seats -= needed
        by_seats += 1
    by_leads = _max_flow(prepared, coverable, lambda s: 1, lambda i: not auditors[i].shadowing)
    return min(by_seats, by_leads)


def _max_flow(
    prepared: Prepared,
    slots: Sequence[Slot],
    seats: Callable[[Slot], int],
    counts: Callable[[int], bool],
) -> int:
    """The most seats filled: `seats(slot)` a slot, by eligible auditors for whom `counts`,
    each at most once a slot and within their capacity."""
    source, sink = 0, 1
    first_auditor = 2 + len(slots)
    arcs: list[tuple[int, int, int]] = []  # (tail, head, capacity)
    for n, slot in enumerate(slots):
        arcs.append((source, 2 + n, seats(slot)))
        arcs += [(2 + n, first_auditor + i, 1) for i in prepared.eligible[slot.key] if counts(i)]
    arcs += [(first_auditor + i, sink, a.capacity) for i, a in enumerate(prepared.auditors)]
    if not slots:
        return 0
    flow = max_flow.SimpleMaxFlow()
    tails, heads, capacities = zip(*arcs, strict=True)
    flow.add_arcs_with_capacity(np.array(tails), np.array(heads), np.array(capacities))
    if flow.solve(source, sink) != flow.OPTIMAL:  # cannot happen: small integer capacities
        raise RuntimeError("The allocation bound's flow found no solution.")
    return int(flow.optimal_flow())
