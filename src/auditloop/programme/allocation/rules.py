"""The hard rules that concern one auditor and one slot, shared by the solver, the
explanations and the tests' brute-force oracle (tests/programme/allocation_oracle.py)."""

from __future__ import annotations

from auditloop.programme.allocation.types import Auditor, Problem, Slot


def is_eligible(problem: Problem, auditor: Auditor, slot: Slot) -> bool:
    """Whether the auditor may take the slot on its own terms (the shadowing partner rule
    and capacity are checked over the whole allocation)."""
    if auditor.capacity < 1 or slot.auditors_needed < 1:
        return False
    if (auditor.person_id, slot.case_id) in problem.forbidden:
        return False
    if slot.re_audit and not auditor.senior:  # planned re-audits go to senior managers (001)
        return False
    if auditor.shadowing:  # a new manager audits only beside a trained auditor
        return slot.auditors_needed >= 2
    return auditor.trained or problem.untrained_allowed


def leads(auditor: Auditor) -> bool:
    """A trained auditor who is not shadowing: the partner a shadowing auditor needs."""
    return auditor.trained and not auditor.shadowing


def team_is_valid(problem: Problem, slot: Slot, team: tuple[Auditor, ...]) -> bool:
    """Every hard rule that concerns one slot's team (capacity is over all slots)."""
    if len(team) != slot.auditors_needed:
        return False
    if len({a.person_id for a in team}) != len(team):
        return False
    if not all(is_eligible(problem, a, slot) for a in team):
        return False
    return not any(a.shadowing for a in team) or any(leads(a) for a in team)
