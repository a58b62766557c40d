"""The allocation problem as plain data: no database, so the solver can be tested on random
instances against a brute-force oracle and timed on a large council.

The programme's allocation service builds these from the register and the framework
settings (who is absent, trained, involved, line-managed...), calls `solve`, and turns the
result into audits and assignments through the audits' services.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Auditor:
    person_id: int
    senior: bool = False  # may re-audit (planned re-audits go to senior managers)
    trained: bool = True  # trained or accredited
    shadowing: bool = False  # a new manager who may audit only beside a trained auditor
    load_this_year: int = 0  # audits already done this year: spread the load fairly
    capacity: int = 2  # at most this many cases (or pair-cases) this cycle


@dataclass(frozen=True)
class Slot:
    """One audit to allocate."""

    key: str  # unique, e.g. "case:123" or "audit:45"
    case_id: int
    auditors_needed: int = 1  # 2 when the framework pairs auditors
    re_audit: bool = False  # only senior auditors


@dataclass(frozen=True)
class Problem:
    slots: tuple[Slot, ...]
    auditors: tuple[Auditor, ...]
    # Hard conflicts: (person_id, case_id) -> the reasons in plain words ("was the case's key
    # worker", "line-manages the key worker", "absent 3-14 June", "same team").
    forbidden: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    untrained_allowed: bool = False  # untrained (not shadowing) auditors may audit
    # Pairs met in earlier cycles, to vary pairings (soft).
    previous_pairs: frozenset[frozenset[int]] = frozenset()
    seed: int = 0


@dataclass
class Result:
    # slot key -> the person ids auditing it (pairs in a stable order)
    assignments: dict[str, tuple[int, ...]]
    # slot key -> why it could not be allocated: each constraint that blocks it, in words
    unallocated: dict[str, list[str]]
    objective: int | None = None  # the soft-cost the solver reached (lower is better)
    # True when the search proved that no allocation covers more slots at a lower soft cost
    optimal: bool = False
