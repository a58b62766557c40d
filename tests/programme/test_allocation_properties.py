"""Property tests of the allocation solver on random small councils, against the brute-force
oracle: every hard rule holds, as many slots as the oracle's maximum at its lowest soft cost,
the same answer for the same seed, a reason for every slot left over. The flows used for
large councils are checked on their own too, on bigger random councils."""

from __future__ import annotations

from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from auditloop.programme.allocation import solver
from auditloop.programme.allocation.flow import construct
from auditloop.programme.allocation.prepared import cost_of, prepare
from auditloop.programme.allocation.solver import solve
from auditloop.programme.allocation.types import Auditor, Problem, Result, Slot
from tests.programme.allocation_oracle import brute_force
from tests.programme.test_allocation_solver import assert_hard_rules

CHECKS = settings(max_examples=200, deadline=None)


@st.composite
def problems(draw: st.DrawFn, *, most_auditors: int = 6, most_slots: int = 5) -> Problem:
    # Biased towards the largest sizes, where the interesting conflicts are.
    people = draw(st.one_of(st.integers(most_auditors - 2, most_auditors),
                            st.integers(0, most_auditors)))
    auditors = []
    for person in range(1, people + 1):
        shadowing = draw(st.booleans()) and draw(st.booleans())  # about one in four
        auditors.append(Auditor(
            person_id=person,
            senior=draw(st.booleans()),
            trained=not shadowing and draw(st.integers(0, 4)) > 0,
            shadowing=shadowing,
            load_this_year=draw(st.integers(0, 4)),
            capacity=draw(st.sampled_from([1, 2, 2, 2, 3, 0])),
        ))
    slots = tuple(
        Slot(key=f"case:{n}", case_id=n, auditors_needed=draw(st.integers(1, 2)),
             re_audit=draw(st.integers(0, 3)) == 0)
        for n in range(draw(st.one_of(st.integers(most_slots - 1, most_slots),
                                      st.integers(0, most_slots))))
    )
    pairs = [(a.person_id, s.case_id) for a in auditors for s in slots]
    forbidden = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs) // 3)
                     if pairs else st.just([]))
    ids = [a.person_id for a in auditors]
    met = (draw(st.lists(st.lists(st.sampled_from(ids), min_size=2, max_size=2, unique=True)))
           if len(ids) >= 2 else [])
    return Problem(
        slots=slots,
        auditors=tuple(auditors),
        forbidden={pair: ("was the key worker",) for pair in forbidden},
        untrained_allowed=draw(st.booleans()),
        previous_pairs=frozenset(frozenset(pair) for pair in met),
        seed=draw(st.integers(0, 2**32)),
    )


@CHECKS
@given(problems())
def test_every_hard_rule_holds_and_the_most_slots_are_allocated(problem: Problem) -> None:
    result = solve(problem)
    assert_hard_rules(problem, result)
    best = brute_force(problem)
    assert len(result.assignments) == best.allocated
    assert result.objective == best.cost
    assert result.optimal


@CHECKS
@given(problems())
def test_the_same_seed_gives_the_same_allocation(problem: Problem) -> None:
    assert solve(problem) == solve(problem)


@CHECKS
@given(problems())
def test_every_slot_left_over_has_a_reason(problem: Problem) -> None:
    result = solve(problem)
    for reasons in result.unallocated.values():
        assert reasons
        assert all("search stopped" not in reason for reason in reasons)


def as_result(problem: Problem, chosen: dict[str, list[int]]) -> Result:
    prepared = prepare(problem)
    assignments = {key: tuple(prepared.auditors[i].person_id for i in people)
                   for key, people in chosen.items()}
    unallocated: dict[str, list[str]] = {
        s.key: [] for s in problem.slots if s.key not in assignments
    }
    return Result(assignments, unallocated, cost_of(prepared, assignments))


@CHECKS
@given(problems(most_auditors=25, most_slots=20))
def test_the_flows_for_large_councils_keep_every_hard_rule(problem: Problem) -> None:
    assert_hard_rules(problem, as_result(problem, construct(prepare(problem))))


@CHECKS
@given(problems())
def test_the_large_council_path_still_allocates_the_most_slots(problem: Problem) -> None:
    # The flows, then (when they leave slots over) the search for the most slots alone.
    with patch.object(solver, "EXACT_MODEL_SIZE", 0):
        result = solve(problem)
    assert_hard_rules(problem, result)
    assert len(result.assignments) == brute_force(problem).allocated
