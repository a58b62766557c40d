"""Allocating moderators (moderation.services.problem_for, solved by the programme's solver)
against the programme's brute-force oracle on small random panels: every audit that can be
moderated is, nobody conflicted moderates, and the load is as even as it can be."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from auditloop.moderation.services import problem_for
from auditloop.programme.allocation.solver import soft_cost, solve
from tests.programme.allocation_oracle import brute_force


@st.composite
def panels(draw):  # type: ignore[no-untyped-def]
    audits = list(range(100, 100 + draw(st.integers(1, 4))))
    people = list(range(1, 1 + draw(st.integers(1, 3))))
    conflicts = draw(st.sets(st.tuples(st.sampled_from(people), st.sampled_from(audits))))
    loads = {p: draw(st.integers(0, 3)) for p in people}
    return audits, people, {c: ("audited it",) for c in conflicts}, loads, draw(
        st.integers(0, 2**31 - 1))


@settings(max_examples=60, deadline=None)
@given(panels())
def test_the_allocation_matches_the_oracle(data):  # type: ignore[no-untyped-def]
    audits, people, forbidden, loads, seed = data
    problem = problem_for(audits, people, loads, forbidden, seed)
    result = solve(problem)
    best = brute_force(problem)
    assert len(result.assignments) == best.allocated
    assert soft_cost(problem, result.assignments) == best.cost
    for key, (person,) in result.assignments.items():
        audit = int(key.split(":")[1])
        assert (person, audit) not in forbidden
    # An audit no one is free to moderate is the only kind left over.
    for key in result.unallocated:
        audit = int(key.split(":")[1])
        assert all((p, audit) in forbidden for p in people)


def test_equal_loads_split_evenly():
    problem = problem_for([1, 2, 3, 4], [7, 8], {}, {}, seed=3)
    taken = [p for (p,) in solve(problem).assignments.values()]
    assert sorted(taken.count(p) for p in (7, 8)) == [2, 2]


def test_a_busier_moderator_gets_fewer():
    problem = problem_for([1, 2, 3], [7, 8], {7: 5}, {}, seed=3)
    taken = [p for (p,) in solve(problem).assignments.values()]
    assert taken.count(8) == 3
