"""The exact search: CP-SAT over who may audit which slot, maximising the allocated slots
and then minimising the soft cost (prepared.cost_of), with one worker and a deterministic
work limit so that the same input always gives the same output."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from ortools.sat.python import cp_model

from auditloop.programme.allocation.prepared import (
    REPEAT_PAIR_COST,
    SPLIT_PAIR_COST,
    Prepared,
)
from auditloop.programme.allocation.rules import leads

WALL_CLOCK_LIMIT_SECONDS = 300.0  # a safety net only: the deterministic limit stops first


@dataclass
class Found:
    chosen: dict[str, list[int]]  # slot key -> auditor indexes, for each allocated slot
    optimal: bool  # proved optimal


def search(
    prepared: Prepared,
    *,
    hint: Mapping[str, Collection[int]] | None = None,
    at_least: int | None = None,
    at_most: int | None = None,
    soft: bool = True,
    deterministic_limit: float,
) -> Found:
    """Over every eligible auditor. With `soft`, the most slots then the lowest soft cost
    (at least `at_least` slots, when given); without, only the most slots (a smaller model:
    no costs). `at_most` is a bound known from elsewhere: the search stops on reaching it.
    `hint`: an allocation to start from (auditor indexes per slot key)."""
    auditors, slots, eligible = prepared.auditors, prepared.slots, prepared.eligible
    model = cp_model.CpModel()

    # x[i, key]: auditor i audits the slot
    x: dict[tuple[int, str], cp_model.IntVar] = {}
    for slot in slots:
        for i in eligible[slot.key]:
            x[i, slot.key] = model.new_bool_var(f"x{i}_{slot.key}")
    on_slot: dict[str, list[cp_model.IntVar]] = {slot.key: [] for slot in slots}
    of_auditor: list[list[cp_model.IntVar]] = [[] for _ in auditors]
    for (i, key), var in x.items():
        on_slot[key].append(var)
        of_auditor[i].append(var)

    allocated: dict[str, cp_model.IntVar] = {}
    for slot in slots:
        allocated[slot.key] = var = model.new_bool_var(f"y_{slot.key}")
        model.add(sum(on_slot[slot.key]) == slot.auditors_needed * var)
        trained_here = [x[i, slot.key] for i in eligible[slot.key] if leads(auditors[i])]
        for i in eligible[slot.key]:
            if auditors[i].shadowing:  # only beside a trained auditor on the same slot
                model.add(sum(trained_here) >= x[i, slot.key])

    if at_least is not None:
        model.add(sum(allocated.values()) >= at_least)
    if at_most is not None:
        model.add(sum(allocated.values()) <= at_most)
    if not soft:
        for i, auditor in enumerate(auditors):
            if len(of_auditor[i]) > auditor.capacity:
                model.add(sum(of_auditor[i]) <= auditor.capacity)
        model.maximize(sum(allocated.values()))
        return _solve(prepared, model, x, allocated, hint, deterministic_limit)

    costs: list[tuple[cp_model.IntVar, int]] = []
    worst = 0  # the largest soft cost any allocation can reach, to rank completeness first

    # Load: the k-th case of an auditor this cycle costs load_this_year + k.
    for i, auditor in enumerate(auditors):
        limit = min(auditor.capacity, len(of_auditor[i]))
        if limit <= 0:
            continue
        steps = [model.new_bool_var(f"load{i}_{k}") for k in range(1, limit + 1)]
        model.add(sum(of_auditor[i]) == sum(steps))
        for earlier, later in zip(steps, steps[1:], strict=False):
            model.add_implication(later, earlier)
        for k, step in enumerate(steps, start=1):
            costs.append((step, auditor.load_this_year + k))
            worst += auditor.load_this_year + k

    # Vary pairings: a paired case audited by two people who met before. Counted once, on
    # the pair's first member in the seed's order.
    index = {auditor.person_id: i for i, auditor in enumerate(auditors)}
    for slot in slots:
        if slot.auditors_needed != 2:
            continue
        worst += REPEAT_PAIR_COST + SPLIT_PAIR_COST
        costs.append((allocated[slot.key], SPLIT_PAIR_COST))
        here = set(eligible[slot.key])
        for i in eligible[slot.key]:
            met_before = [
                x[index[p], slot.key]
                for p in prepared.partners.get(auditors[i].person_id, ())
                if p in index and index[p] > i and index[p] in here
            ]
            if met_before:
                repeat = model.new_bool_var(f"repeat{i}_{slot.key}")
                model.add(sum(met_before) <= repeat).only_enforce_if(x[i, slot.key])
                costs.append((repeat, REPEAT_PAIR_COST))

    # Two cases per pair: each paired case costs SPLIT_PAIR_COST (above), refunded for both
    # cases of a group that the same two people take.
    for first, second in prepared.bundles:
        both = [
            i
            for i in sorted(set(eligible[first]) & set(eligible[second]))
            if auditors[i].capacity >= 2
        ]
        if len(both) < 2:
            continue
        together = []
        for i in both:
            stays = model.new_bool_var(f"stays{i}_{first}")
            model.add_implication(stays, x[i, first])
            model.add_implication(stays, x[i, second])
            together.append(stays)
        pair_kept = model.new_bool_var(f"kept_{first}")
        model.add(sum(together) >= 2 * pair_kept)
        costs.append((pair_kept, -2 * SPLIT_PAIR_COST))

    weight = worst + 1  # one more allocated slot beats any saving in soft cost
    model.minimize(sum(var * cost for var, cost in costs) - weight * sum(allocated.values()))

    return _solve(prepared, model, x, allocated, hint, deterministic_limit)


def _solve(
    prepared: Prepared,
    model: cp_model.CpModel,
    x: Mapping[tuple[int, str], cp_model.IntVar],
    allocated: Mapping[str, cp_model.IntVar],
    hint: Mapping[str, Collection[int]] | None,
    deterministic_limit: float,
) -> Found:
    if hint is not None:
        for key, var in allocated.items():
            model.add_hint(var, key in hint)
        for (i, key), var in x.items():
            model.add_hint(var, i in hint.get(key, ()))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = prepared.problem.seed % (2**31)
    solver.parameters.max_deterministic_time = deterministic_limit
    solver.parameters.max_time_in_seconds = WALL_CLOCK_LIMIT_SECONDS
    status = solver.solve(model)
    chosen: dict[str, list[int]] = {}
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        for slot in prepared.slots:
            if solver.boolean_value(allocated[slot.key]):
                chosen[slot.key] = [
                    i for i in prepared.eligible[slot.key]
                    if solver.boolean_value(x[i, slot.key])
                ]
    return Found(chosen=chosen, optimal=status == cp_model.OPTIMAL)
