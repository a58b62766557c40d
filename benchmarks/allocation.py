"""Time the auditor allocation on the large council's month: every auditor, a 200-case themed
audit, in pairs (001) and as single auditors (003).

    .venv/bin/python benchmarks/allocation.py --runs 7

The instance is made here as plain data (no database), shaped like the large demo council
(benchmarks/generate.py --scale large): 132 teams of 7-10 practitioners with their team
manager, a service manager for every 5 teams, 6 heads of service; the auditors are the team
and service managers, the heads of service, and the senior practitioners who trained (or are
shadowing). Each case forbids its key worker, their team manager and the managers above
them, an earlier key worker and their manager, the key worker's team's senior practitioner
(own team) and the auditors on leave in the audit period: about 5-10 people a case. One in
twenty cases is a planned re-audit (senior managers only). Auditors carry this year's load
and the pairs they met in the last 11 cycles.

Each run times `solve` as the programme calls it (building the model, solving, explaining),
with the solver's seed changing from run to run; the median and the slowest are reported.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from auditloop.programme.allocation.flow import Unit, fill  # noqa: E402
from auditloop.programme.allocation.prepared import SPLIT_PAIR_COST, prepare  # noqa: E402
from auditloop.programme.allocation.solver import solve  # noqa: E402
from auditloop.programme.allocation.types import Auditor, Problem, Slot  # noqa: E402

TEAMS = 132
TEAMS_PER_SERVICE_MANAGER = 5
HEADS_OF_SERVICE = 6
PRACTITIONERS_PER_TEAM = (7, 10)
CASES = 200
RE_AUDIT_SHARE = 0.05
LEAVE_SHARE = 0.025  # auditors on leave in the audit period
EARLIER_KEY_WORKER_SHARE = 0.4
PREVIOUS_CYCLES = 11
PAIRS_PER_PREVIOUS_CYCLE = 30


@dataclass
class Council:
    staff: int
    auditors: list[Auditor]
    team_of: dict[int, int]  # practitioner -> team
    team_manager: dict[int, int]  # team -> its manager
    service_manager: dict[int, int]  # team -> its service manager
    head_of_service: dict[int, int]  # service manager -> head of service
    senior_practitioner: dict[int, int]  # team -> its senior practitioner
    on_leave: list[int]
    previous_pairs: frozenset[frozenset[int]]


def make_council(rng: random.Random) -> Council:
    next_id = iter(range(1, 10**6))
    heads = [next(next_id) for _ in range(HEADS_OF_SERVICE)]
    service_managers = [next(next_id) for _ in range(-(-TEAMS // TEAMS_PER_SERVICE_MANAGER))]
    head_of_service = {sm: heads[i % len(heads)] for i, sm in enumerate(service_managers)}
    team_of: dict[int, int] = {}
    team_manager: dict[int, int] = {}
    service_manager: dict[int, int] = {}
    senior_practitioner: dict[int, int] = {}
    for team in range(TEAMS):
        team_manager[team] = next(next_id)
        service_manager[team] = service_managers[team // TEAMS_PER_SERVICE_MANAGER]
        for k in range(rng.randint(*PRACTITIONERS_PER_TEAM)):
            person = next(next_id)
            team_of[person] = team
            if k == 0:
                senior_practitioner[team] = person
    # The rest of the 1,500: QA officers, IROs and CP Chairs, partner agencies' staff.
    staff = len(heads) + len(service_managers) + len(team_manager) + len(team_of) + 180

    auditors = [Auditor(p, senior=True, load_this_year=rng.randint(0, 6)) for p in heads]
    auditors += [Auditor(p, senior=True, load_this_year=rng.randint(0, 10))
                 for p in service_managers]
    auditors += [Auditor(p, load_this_year=rng.randint(0, 12)) for p in team_manager.values()]
    for person in senior_practitioner.values():  # as in the demo: half train, 60% of them pass
        if rng.random() < 0.5:
            if rng.random() < 0.6:
                auditors.append(Auditor(person, load_this_year=rng.randint(0, 8)))
            else:
                auditors.append(Auditor(person, trained=False, shadowing=True))
    ids = [a.person_id for a in auditors]
    on_leave = rng.sample(ids, round(LEAVE_SHARE * len(ids)))
    previous_pairs = frozenset(
        frozenset(rng.sample(ids, 2))
        for _ in range(PREVIOUS_CYCLES)
        for _ in range(PAIRS_PER_PREVIOUS_CYCLE)
    )
    return Council(staff, auditors, team_of, team_manager, service_manager, head_of_service,
                   senior_practitioner, on_leave, previous_pairs)


def make_problem(council: Council, rng: random.Random, *, pairs: bool, cases: int) -> Problem:
    auditor_ids = {a.person_id for a in council.auditors}
    practitioners = sorted(council.team_of)
    forbidden: dict[tuple[int, int], tuple[str, ...]] = {}
    slots = []
    for n in range(cases):
        case_id = 100_000 + n
        reasons: dict[int, list[str]] = {}
        key_worker = rng.choice(practitioners)
        team = council.team_of[key_worker]
        sm = council.service_manager[team]
        reasons.setdefault(key_worker, []).append("is the key worker")
        reasons.setdefault(council.team_manager[team], []).append("line-manages the key worker")
        reasons.setdefault(sm, []).append("manages the key worker's team manager")
        reasons.setdefault(council.head_of_service[sm], []).append(
            "manages the key worker's service manager")
        reasons.setdefault(council.senior_practitioner[team], []).append(
            "works in the key worker's team")
        if rng.random() < EARLIER_KEY_WORKER_SHARE:
            earlier = rng.choice(practitioners)
            reasons.setdefault(earlier, []).append("was an earlier key worker")
            reasons.setdefault(council.team_manager[council.team_of[earlier]], []).append(
                "line-managed an earlier key worker")
        for person in council.on_leave:
            reasons.setdefault(person, []).append("is on leave during the audit period")
        for person, why in reasons.items():
            if person in auditor_ids:
                forbidden[person, case_id] = tuple(why)
        slots.append(Slot(key=f"case:{case_id}", case_id=case_id,
                          auditors_needed=2 if pairs else 1,
                          re_audit=rng.random() < RE_AUDIT_SHARE))
    return Problem(slots=tuple(slots), auditors=tuple(council.auditors), forbidden=forbidden,
                   previous_pairs=council.previous_pairs)


def soft_cost_lower_bound(problem: Problem) -> int | None:
    """No allocation of every slot costs less: the load cost of the cheapest seating that
    ignores pairings (a min-cost flow, each pair with a trained auditor), plus the split
    cost of the paired cases left outside the two-case groups. None if no seating fills
    every seat."""
    prepared = prepare(problem)
    units = [Unit((s.key,), s.auditors_needed, prepared.eligible[s.key]) for s in prepared.slots]
    capacity = [a.capacity for a in prepared.auditors]
    seated = fill(prepared, units, capacity)
    if any(len(people) < unit.needed for unit, people in zip(units, seated, strict=True)):
        return None
    load = sum(prepared.load_cost(i, a.capacity - left)
               for i, (a, left) in enumerate(zip(prepared.auditors, capacity, strict=True)))
    grouped = {key for bundle in prepared.bundles for key in bundle}
    alone = sum(1 for s in prepared.slots if s.auditors_needed == 2 and s.key not in grouped)
    return load + SPLIT_PAIR_COST * alone


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2026, help="the council's and cases' draw")
    parser.add_argument("--cases", type=int, default=CASES)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    council = make_council(rng)
    trained = sum(1 for a in council.auditors if a.trained)
    print(f"Staff {council.staff:,}; auditors {len(council.auditors)} ({trained} trained, "
          f"{sum(a.senior for a in council.auditors)} senior, "
          f"{sum(a.shadowing for a in council.auditors)} shadowing); "
          f"{len(council.on_leave)} on leave; {len(council.previous_pairs)} earlier pairs")
    for pairs in (True, False):
        problem = make_problem(council, random.Random(args.seed + 1), pairs=pairs, cases=args.cases)
        per_case = len(problem.forbidden) / len(problem.slots)
        bound = soft_cost_lower_bound(problem)
        times = []
        for run in range(args.runs):
            started = time.perf_counter()
            result = solve(replace(problem, seed=run))
            times.append(time.perf_counter() - started)
            allocated = len(result.assignments)
            teams = list(result.assignments.values())
            kept = sum(1 for first, second in prepare(replace(problem, seed=run)).bundles
                       if result.assignments.get(first) == result.assignments.get(second)
                       and first in result.assignments)
            met = sum(1 for t in teams if len(t) == 2 and frozenset(t) in problem.previous_pairs)
            print(f"  {'pairs' if pairs else 'singles'} run {run} (seed {run}): "
                  f"{times[-1]:.2f} s, {allocated}/{len(problem.slots)} allocated, "
                  f"soft cost {result.objective} "
                  f"({'proved optimal' if result.optimal else 'not proved optimal'})"
                  + (f", {kept} pairs kept on two cases, {met} cases by a pair met before"
                     if pairs else ""))
            for key, reasons in result.unallocated.items():
                print(f"    {key}: {'; '.join(reasons)}")
        print(f"{'Pairs' if pairs else 'Singles'}: {len(problem.slots)} cases "
              f"({sum(s.re_audit for s in problem.slots)} re-audits), "
              f"{per_case:.1f} forbidden auditors a case; median {statistics.median(times):.2f} s, "
              f"max {max(times):.2f} s over {args.runs} runs; soft cost lower bound {bound}")


if __name__ == "__main__":
    main()
