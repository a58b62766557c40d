"""The allocation problem stored with each proposal (as JSON), so it can be solved again
and an override checked against the rules as they were."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the allocation package loads OR-Tools: only when solving
    from auditloop.programme.allocation.types import Problem


def problem_json(problem: Problem) -> dict[str, Any]:
    return {
        "slots": [[s.key, s.case_id, s.auditors_needed, s.re_audit] for s in problem.slots],
        "auditors": [[a.person_id, a.senior, a.trained, a.shadowing, a.load_this_year,
                      a.capacity] for a in problem.auditors],
        "forbidden": [[p, c, list(r)] for (p, c), r in sorted(problem.forbidden.items())],
        "untrained_allowed": problem.untrained_allowed,
        "previous_pairs": sorted(sorted(p) for p in problem.previous_pairs),
        "seed": problem.seed,
    }


def problem_from_json(data: dict[str, Any]) -> Problem:
    """The problem a run was given, to solve it again or check an override."""
    from auditloop.programme.allocation.types import Auditor, Problem, Slot

    return Problem(
        slots=tuple(Slot(key=k, case_id=c, auditors_needed=n, re_audit=r)
                    for k, c, n, r in data["slots"]),
        auditors=tuple(Auditor(person_id=p, senior=s, trained=t, shadowing=sh,
                               load_this_year=ld, capacity=cap)
                       for p, s, t, sh, ld, cap in data["auditors"]),
        forbidden={(p, c): tuple(r) for p, c, r in data["forbidden"]},
        untrained_allowed=data["untrained_allowed"],
        previous_pairs=frozenset(frozenset(p) for p in data["previous_pairs"]),
        seed=data["seed"],
    )
