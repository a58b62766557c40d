"""Choosing cases, as plain data: which cases may be chosen (and why the others may not),
and the reproducible random draw. No database, so a property test can check them against
slow exact methods, and anyone can re-run a stored draw.

The draw ranks each case by a hash of the seed and its id (SHA-256), not by a random
number generator's stream, so the same seed and population give the same list on any
machine and any Python version, whatever order the population is listed in.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from auditloop.common.dates import add_months

METHOD = "sha256-rank-1"  # stored with each draw: a change of method must not pass unseen
AVOID = 1  # the key worker was audited in the previous cycle (002: "efforts will be made")
FAVOUR = 2  # the case's team or locality is short of the coverage target (003)


@dataclass(frozen=True)
class Entry:
    """One case of the eligible population, as it was when the draw was made."""

    case_id: int
    stratum: str = ""
    flags: int = 0

    def as_row(self) -> list[object]:
        return [self.case_id, self.stratum, self.flags]

    @classmethod
    def from_row(cls, row: Sequence[object]) -> Entry:
        return cls(int(row[0]), str(row[1]), int(row[2]))  # type: ignore[call-overload]


def rank(seed: int, case_id: int, salt: str = "") -> int:
    """The case's place in the seed's random order (a 64-bit number)."""
    digest = hashlib.sha256(f"{seed}:{salt}:{case_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def preference(entry: Entry, seed: int, salt: str = "") -> tuple[bool, bool, int]:
    """Cases whose key worker was not audited last cycle first, then favoured teams and
    localities, then the seed's random order."""
    return (bool(entry.flags & AVOID), not entry.flags & FAVOUR, rank(seed, entry.case_id, salt))


def quotas(sizes: dict[str, int], n: int, seed: int) -> dict[str, int]:
    """How many of `n` each stratum gets: in proportion to its size, by largest remainder
    (each stratum gets the floor or the ceiling of its exact share). Equal remainders are
    ordered by the seed."""
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    share = {s: divmod(n * size, total) for s, size in sizes.items()}
    out = {s: whole for s, (whole, _) in share.items()}
    left = n - sum(out.values())
    order = sorted(sizes, key=lambda s: (-share[s][1], rank(seed, 0, f"stratum:{s}")))
    for s in order[:left]:
        out[s] += 1
    return out


def draw(entries: Iterable[Entry], n: int, seed: int, *, stratified: bool,
         salt: str = "") -> list[int]:
    """The draw: `n` case ids (all of them when there are fewer), best first."""
    population = sorted(set(entries), key=lambda e: e.case_id)
    if n <= 0 or not population:
        return []
    groups: dict[str, list[Entry]] = defaultdict(list)
    for e in population:
        groups[e.stratum if stratified else ""].append(e)
    wanted = quotas({s: len(g) for s, g in groups.items()}, n, seed)
    chosen: list[Entry] = []
    for s, group in groups.items():
        group.sort(key=lambda e: preference(e, seed, salt))
        chosen.extend(group[: wanted[s]])
    chosen.sort(key=lambda e: preference(e, seed, salt))
    return [e.case_id for e in chosen]


def next_in_draw(entries: Iterable[Entry], seed: int, *, taken: set[int],
                 stratum: str | None = None, salt: str = "") -> int | None:
    """The best case the draw has not used yet (from the same stratum when there is one
    left there), for swapping a case out."""
    left = [e for e in entries if e.case_id not in taken]
    same = [e for e in left if stratum is not None and e.stratum == stratum]
    pool = same or left
    if not pool:
        return None
    return min(pool, key=lambda e: preference(e, seed, salt)).case_id


# Which cases may be chosen ------------------------------------------------------------


@dataclass(frozen=True)
class CaseFacts:
    """What the rules need to know about one case."""

    case_id: int
    is_open: bool
    service_kind: str
    service_id: int
    team_id: int | None = None
    locality_id: int | None = None
    agency_type: str = ""
    opened_on: dt.date | None = None
    closed_on: dt.date | None = None
    step_down: bool = False
    themes: frozenset[str] = frozenset()
    last_audited_on: dt.date | None = None
    key_worker_id: int | None = None


@dataclass(frozen=True)
class Rules:
    """The framework's exclusions and what the QA manager asked for."""

    on: dt.date
    services: frozenset[str] = frozenset()  # eligible service kinds; empty means all
    include_closed: bool = False
    audited_within_months: int | None = None
    closed_longer_than_months: int | None = None
    excluded_services: frozenset[str] = frozenset()
    service_ids: frozenset[int] = frozenset()
    team_ids: frozenset[int] = frozenset()
    locality_ids: frozenset[int] = frozenset()
    case_ids: frozenset[int] = frozenset()  # the cases named (a signal's own); empty: any
    agency_types: frozenset[str] = frozenset()  # lower case
    open_longer_than_months: int | None = None
    step_down_only: bool = False
    themes: frozenset[str] = frozenset()  # lower case; any of them
    exempt: frozenset[int] = field(default_factory=frozenset)  # planned audits, requests


# The reasons, as the page counts them.
CLOSED = "closed"
CLOSED_TOO_LONG = "closed too long ago"
NOT_ELIGIBLE_SERVICE = "not a service whose cases are audited"
SERVICE_LEFT_OUT = "in a service the framework leaves out"
AUDITED_RECENTLY = "audited recently"
NOT_ASKED = "not what was asked for"


def left_out_because(c: CaseFacts, r: Rules) -> str | None:
    """Why the case may not be chosen at random, or None when it may."""
    if r.services and c.service_kind not in r.services:
        return NOT_ELIGIBLE_SERVICE
    if c.service_kind in r.excluded_services:
        return SERVICE_LEFT_OUT
    if not c.is_open:
        if not r.include_closed:
            return CLOSED
        if (r.closed_longer_than_months is not None and c.closed_on is not None
                and c.closed_on < add_months(r.on, -r.closed_longer_than_months)):
            return CLOSED_TOO_LONG
    if (r.audited_within_months is not None and c.last_audited_on is not None
            and c.last_audited_on > add_months(r.on, -r.audited_within_months)):
        return AUDITED_RECENTLY
    if not matches_filters(c, r):
        return NOT_ASKED
    return None


def matches_filters(c: CaseFacts, r: Rules) -> bool:
    if r.case_ids and c.case_id not in r.case_ids:
        return False
    if r.service_ids and c.service_id not in r.service_ids:
        return False
    if r.team_ids and c.team_id not in r.team_ids:
        return False
    if r.locality_ids and c.locality_id not in r.locality_ids:
        return False
    if r.agency_types and c.agency_type.strip().lower() not in r.agency_types:
        return False
    if r.open_longer_than_months is not None and (
        c.opened_on is None or c.opened_on > add_months(r.on, -r.open_longer_than_months)
    ):
        return False
    if r.step_down_only and not c.step_down:
        return False
    return not (r.themes and not {t.lower() for t in c.themes} & r.themes)


def eligible(cases: Iterable[CaseFacts], rules: Rules) -> tuple[list[CaseFacts], dict[str, int]]:
    """The cases that may be drawn, and how many were left out for each reason."""
    keep: list[CaseFacts] = []
    counts: dict[str, int] = defaultdict(int)
    for c in cases:
        if c.case_id in rules.exempt:
            continue  # on the list already, for another reason
        why = left_out_because(c, rules)
        if why is None:
            keep.append(c)
        else:
            counts[why] += 1
    return keep, dict(counts)
