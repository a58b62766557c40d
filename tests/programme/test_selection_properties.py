"""Properties of choosing cases, on random instances: the draw is reproducible from its
stored seed and population, stays within it, keeps each stratum's share, prefers what it
should, and the eligibility rules always hold. Slow exact methods are the oracles."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from auditloop.common.dates import add_months
from auditloop.programme import sampling
from auditloop.programme.sampling import AVOID, FAVOUR, CaseFacts, Entry, Rules

STRATA = ["", "locality:1", "locality:2", "service:3"]


@st.composite
def populations(draw: st.DrawFn, max_size: int = 30) -> list[Entry]:
    ids = draw(st.lists(st.integers(1, 10_000), min_size=0, max_size=max_size, unique=True))
    return [Entry(i, draw(st.sampled_from(STRATA)), draw(st.sampled_from([0, AVOID, FAVOUR,
                                                                          AVOID | FAVOUR])))
            for i in ids]


seeds = st.integers(0, 2**48)


@given(populations(), st.integers(0, 35), seeds, st.booleans(), st.randoms())
def test_the_stored_seed_and_population_give_the_same_list(entries, n, seed, stratified, rnd):
    first = sampling.draw(entries, n, seed, stratified=stratified)
    stored = [Entry.from_row(e.as_row()) for e in entries]  # as kept in the database
    rnd.shuffle(stored)
    assert sampling.draw(stored, n, seed, stratified=stratified) == first


@given(populations(), st.integers(0, 35), seeds, st.booleans())
def test_the_draw_takes_only_cases_from_the_population_once_each(entries, n, seed, stratified):
    chosen = sampling.draw(entries, n, seed, stratified=stratified)
    assert len(chosen) == len(set(chosen)) == min(n, len(entries))
    assert set(chosen) <= {e.case_id for e in entries}


def _exact_shares(sizes: dict[str, int], n: int) -> dict[str, Fraction]:
    total = sum(sizes.values())
    return {s: Fraction(n * size, total) for s, size in sizes.items()}


@given(st.dictionaries(st.sampled_from(STRATA), st.integers(1, 7), min_size=1),
       st.integers(0, 30), seeds)
@settings(max_examples=150)
def test_quotas_keep_each_stratums_share_as_closely_as_any_split(sizes, n, seed):
    quotas = sampling.quotas(sizes, n, seed)
    total = sum(sizes.values())
    if n >= total:
        assert quotas == sizes
        return
    assert sum(quotas.values()) == n
    exact = _exact_shares(sizes, n)
    for s, q in quotas.items():
        assert exact[s] - 1 < q < exact[s] + 1 and 0 <= q <= sizes[s]
    # Oracle: every split of n over the strata; none is closer to the exact shares.
    mine = sum(abs(quotas[s] - exact[s]) for s in sizes)
    keys = sorted(sizes)
    for split in itertools.product(*(range(sizes[s] + 1) for s in keys)):
        if sum(split) == n:
            assert mine <= sum(abs(q - exact[s]) for q, s in zip(split, keys, strict=True))


@given(populations(max_size=9), st.integers(0, 9), seeds, st.booleans())
@settings(max_examples=120)
def test_the_draw_is_the_best_list_the_quotas_allow(entries, n, seed, stratified):
    """Oracle: every subset with the stratum counts the quotas set; the best has the fewest
    cases whose key worker was audited last cycle, then the most favoured, then the
    smallest random ranks (compared as sorted lists)."""
    chosen = sampling.draw(entries, n, seed, stratified=stratified)
    groups = Counter(e.stratum if stratified else "" for e in entries)
    quotas = sampling.quotas(dict(groups), n, seed) if entries else {}

    def key(e: Entry) -> tuple[bool, bool, int]:
        return sampling.preference(e, seed)

    best = None
    for subset in itertools.combinations(entries, min(n, len(entries))):
        counts = Counter(e.stratum if stratified else "" for e in subset)
        if any(counts.get(s, 0) != q for s, q in quotas.items()):
            continue
        score = sorted(key(e) for e in subset)
        if best is None or score < best[0]:
            best = (score, {e.case_id for e in subset})
    assert set(chosen) == (best[1] if best else set())


@given(populations(), st.integers(0, 35), seeds, st.booleans())
def test_a_key_worker_audited_last_cycle_is_chosen_only_when_nothing_else_is_left(
        entries, n, seed, stratified):
    chosen = set(sampling.draw(entries, n, seed, stratified=stratified))
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        groups.setdefault(e.stratum if stratified else "", []).append(e)
    for group in groups.values():
        picked = [e for e in group if e.case_id in chosen]
        avoided = [e for e in picked if e.flags & AVOID]
        others_left = [e for e in group if not e.flags & AVOID and e.case_id not in chosen]
        assert not (avoided and others_left)


@given(populations(), seeds)
def test_next_in_the_draw_is_never_a_case_already_used(entries, seed):
    taken = {e.case_id for e in entries[: len(entries) // 2]}
    found = sampling.next_in_draw(entries, seed, taken=taken)
    if len(taken) == len(entries):
        assert found is None
    else:
        assert found is not None and found not in taken


# Eligibility --------------------------------------------------------------------------

ON = dt.date(2026, 6, 1)
KINDS = ["early_help", "cin", "cp"]
dates = st.one_of(st.none(), st.dates(dt.date(2022, 1, 1), dt.date(2026, 5, 31)))


@st.composite
def cases(draw: st.DrawFn) -> CaseFacts:
    is_open = draw(st.booleans())
    return CaseFacts(
        case_id=draw(st.integers(1, 10**6)), is_open=is_open,
        service_kind=draw(st.sampled_from(KINDS)), service_id=draw(st.integers(1, 3)),
        team_id=draw(st.one_of(st.none(), st.integers(1, 3))),
        locality_id=draw(st.one_of(st.none(), st.integers(1, 3))),
        agency_type=draw(st.sampled_from(["", "Health visitor", "school"])),
        opened_on=draw(dates), closed_on=None if is_open else draw(dates),
        step_down=draw(st.booleans()),
        themes=frozenset(draw(st.sets(st.sampled_from(["Neglect", "Young carers"])))),
        last_audited_on=draw(dates),
    )


@st.composite
def rule_sets(draw: st.DrawFn) -> Rules:
    return Rules(
        on=ON, services=frozenset(draw(st.sets(st.sampled_from(KINDS)))),
        include_closed=draw(st.booleans()),
        audited_within_months=draw(st.one_of(st.none(), st.integers(1, 24))),
        closed_longer_than_months=draw(st.one_of(st.none(), st.integers(1, 24))),
        excluded_services=frozenset(draw(st.sets(st.sampled_from(KINDS), max_size=1))),
        team_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
        locality_ids=frozenset(draw(st.sets(st.integers(1, 3), max_size=2))),
        agency_types=frozenset(draw(st.sets(st.sampled_from(["health visitor"]), max_size=1))),
        open_longer_than_months=draw(st.one_of(st.none(), st.integers(1, 30))),
        step_down_only=draw(st.booleans()),
        themes=frozenset(draw(st.sets(st.sampled_from(["neglect", "young carers"]),
                                      max_size=1))),
    )


def allowed(c: CaseFacts, r: Rules) -> bool:
    """The rules written out again, one by one: the oracle."""
    checks = [
        not r.services or c.service_kind in r.services,
        c.service_kind not in r.excluded_services,
        c.is_open or r.include_closed,
        c.is_open or r.closed_longer_than_months is None or c.closed_on is None
        or c.closed_on >= add_months(ON, -r.closed_longer_than_months),
        r.audited_within_months is None or c.last_audited_on is None
        or c.last_audited_on <= add_months(ON, -r.audited_within_months),
        not r.case_ids or c.case_id in r.case_ids,
        not r.team_ids or c.team_id in r.team_ids,
        not r.locality_ids or c.locality_id in r.locality_ids,
        not r.agency_types or c.agency_type.lower() in r.agency_types,
        r.open_longer_than_months is None or (
            c.opened_on is not None
            and c.opened_on <= add_months(ON, -r.open_longer_than_months)),
        not r.step_down_only or c.step_down,
        not r.themes or any(t.lower() in r.themes for t in c.themes),
    ]
    return all(checks)


@given(st.lists(cases(), max_size=40, unique_by=lambda c: c.case_id), rule_sets())
@settings(max_examples=200)
def test_exclusions_and_filters_always_hold(facts, rules):
    keep, left_out = sampling.eligible(facts, rules)
    kept = {c.case_id for c in keep}
    for c in facts:
        assert (c.case_id in kept) == allowed(c, rules), c
    assert sum(left_out.values()) == len(facts) - len(keep)


@given(st.lists(cases(), min_size=1, max_size=40, unique_by=lambda c: c.case_id),
       rule_sets(), st.data())
@settings(max_examples=100)
def test_named_cases_hold_with_every_other_rule(facts, rules, data):
    named = data.draw(st.sets(st.sampled_from([c.case_id for c in facts])))
    named |= data.draw(st.sets(st.integers(10**6 + 1, 10**6 + 9), max_size=2))  # not there
    rules = Rules(**{**rules.__dict__, "case_ids": frozenset(named)})
    keep, left_out = sampling.eligible(facts, rules)
    kept = {c.case_id for c in keep}
    assert not named or kept <= named  # none named: no limit
    for c in facts:
        assert (c.case_id in kept) == allowed(c, rules), c
    assert sum(left_out.values()) == len(facts) - len(keep)


@given(st.lists(cases(), max_size=30, unique_by=lambda c: c.case_id), rule_sets())
def test_cases_already_on_the_list_are_neither_drawn_nor_counted_as_left_out(facts, rules):
    exempt = frozenset(c.case_id for c in facts[::2])
    keep, left_out = sampling.eligible(facts, Rules(**{**rules.__dict__, "exempt": exempt}))
    assert not {c.case_id for c in keep} & exempt
    assert sum(left_out.values()) + len(keep) == len(facts) - len(exempt)


def test_a_known_draw_never_changes():
    """The method is fixed (SHA-256 ranks, not Python's generator): a stored draw must give
    the same list on any machine and any Python. A change here breaks every stored draw."""
    entries = [Entry(i, f"locality:{i % 3}") for i in range(1, 41)]
    assert sampling.METHOD == "sha256-rank-1"
    assert sampling.draw(entries, 6, 20260601, stratified=True) == [8, 3, 10, 14, 16, 12]
    assert sampling.draw(entries, 5, 7, stratified=False) == [8, 33, 14, 15, 22]
