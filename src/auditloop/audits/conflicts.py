"""Conflicts of interest: who may not audit (or moderate) a case, and why, in plain words.

The one policy that the allocation of auditors, the QA manager's hand-made audits, planned
re-audits and the moderation panel all ask. Nobody audits a case:
- that they hold, or held (key worker or team manager) during the period under review;
- that they were ever involved with, where the framework says so
  (`conflict_involved_with_case`; 003: "they should ask for a different case");
- held (now or during the period) by someone they line-manage directly (001: "Team Managers
  are not auditing their own practitioner's case"), whatever the depth setting;
  `conflict_line_management_depth` only extends this further up the line (2: their
  reports' reports too).
An audit of the whole family applies the rules to each of the family's cases.

One call answers for many people and many cases with a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q

from auditloop.audits.services import period_under_review
from auditloop.cases.models import Case, Involvement
from auditloop.people.models import Person
from auditloop.standards.selectors import framework_settings_row

HOLDING = (Involvement.Role.KEY_WORKER, Involvement.Role.TEAM_MANAGER)


@dataclass(frozen=True)
class Subject:
    """A case to audit or moderate, over its period of practice under review. Without
    `period_start`, the framework's period under review ending on `period_end` (002: six
    months), as an audit made that day looks at. With `family` (an audit of the whole
    family) the family's other cases count too."""

    case_id: int
    period_end: dt.date
    period_start: dt.date | None = None
    family: bool = False


def management_depth(depth_setting: int | None) -> int:
    """How many levels down a manager may not audit: their direct reports always (001),
    further when the framework's `conflict_line_management_depth` says so."""
    return max(depth_setting or 0, 1)


def join_words(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def refusal(name: str, reasons: Sequence[str], *, doing: str = "audit") -> str:
    """One sentence for a form or an error: who, why, and what to do instead."""
    return (f"{name} {join_words(list(reasons))}, so cannot {doing} it. "
            f"Choose someone else")


@dataclass(frozen=True)
class _CaseFacts:
    reference: str
    family: str
    key_worker_id: int | None
    team_manager_id: int | None


def conflicts_of_interest[K: Hashable](
    people: Iterable[int], subjects: Mapping[K, Subject],
) -> dict[tuple[int, K], list[str]]:
    """(person id, the caller's key for the subject) -> why the person may not audit or
    moderate it, each reason in words that follow the person's name ("holds the case (key
    worker / lead professional)"). Pairs with no conflict are left out."""
    ids = set(people)
    out: dict[tuple[int, K], list[str]] = {}
    if not ids or not subjects:
        return out
    row = framework_settings_row()
    starts = {s.period_end: period_under_review(s.period_end, row.period_under_review_months)[0]
              for s in subjects.values() if s.period_start is None}
    wanted = {s.case_id for s in subjects.values()}
    family_of_subjects = Case.objects.filter(
        pk__in={s.case_id for s in subjects.values() if s.family}).exclude(
        family_identifier="").values("family_identifier")
    cases = {
        pk: _CaseFacts(reference, family, kw, tm)
        for pk, reference, family, kw, tm in Case.objects.filter(
            Q(pk__in=wanted) | Q(family_identifier__in=family_of_subjects)).values_list(
            "pk", "reference", "family_identifier", "key_worker_id", "team_manager_id")
    }
    by_family: dict[str, list[int]] = defaultdict(list)
    for pk, facts in sorted(cases.items()):
        if facts.family:
            by_family[facts.family].append(pk)
    involvements: dict[int, list[tuple[int, str, dt.date, dt.date | None]]] = defaultdict(list)
    for case_id, pid, role, started, ended in Involvement.objects.filter(
            case_id__in=cases).order_by("started_on", "pk").values_list(
            "case_id", "person_id", "role", "started_on", "ended_on"):
        involvements[case_id].append((pid, role, started, ended))
    depth = management_depth(row.conflict_line_management_depth)
    line_manager = dict(Person.objects.filter(line_manager__isnull=False).values_list(
        "pk", "line_manager_id"))

    def holders(case_id: int, s: Subject) -> dict[int, tuple[str, bool]]:
        """Who holds the case now or held it during the period: person -> (role, now)."""
        found: dict[int, tuple[str, bool]] = {}
        start = s.period_start or starts[s.period_end]
        facts = cases[case_id]
        current: tuple[tuple[int | None, str], ...] = (
            (facts.key_worker_id, Involvement.Role.KEY_WORKER),
            (facts.team_manager_id, Involvement.Role.TEAM_MANAGER))
        for holder, held_as in current:
            if holder is not None:
                found[holder] = (held_as, True)
        for pid, role, started, ended in involvements[case_id]:
            if role not in HOLDING or pid in found:
                continue
            if ended is None:
                found[pid] = (role, True)
            elif started <= s.period_end and ended >= start:
                found[pid] = (role, False)
        return found

    named: set[int] = set()
    pending: list[tuple[int, K, int, int, int, bool, str]] = []  # line management, named later
    for key, s in subjects.items():
        if s.case_id not in cases:
            continue
        family = cases[s.case_id].family
        scope = by_family[family] if s.family and family else [s.case_id]
        for case_id in sorted(scope, key=lambda c: c != s.case_id):
            which = ("the case" if case_id == s.case_id
                     else f"case {cases[case_id].reference} in the same family")
            held = holders(case_id, s)
            for pid, (role, now) in held.items():
                if pid in ids:
                    label = Involvement.Role(role).label.lower()
                    out.setdefault((pid, key), []).append(
                        f"holds {which} ({label})" if now
                        else f"held {which} ({label}) during the period under review")
            if row.conflict_involved_with_case:
                for pid, role, _, _ in involvements[case_id]:
                    if pid in ids and pid not in held:
                        why = (f"was involved with {which} "
                               f"({Involvement.Role(role).label.lower()})")
                        if why not in out.get((pid, key), []):
                            out.setdefault((pid, key), []).append(why)
            for holder, (_, now) in held.items():
                manager, level = line_manager.get(holder), 1
                while manager is not None and level <= depth:
                    if manager in ids and manager != holder:
                        pending.append((manager, key, holder, level, case_id, now, which))
                        named.add(holder)
                    manager, level = line_manager.get(manager), level + 1
    names = dict(Person.objects.filter(pk__in=named).values_list("pk", "full_name")) \
        if named else {}
    for manager, key, holder, level, _, now, which in pending:
        whom = names.get(holder, "someone")
        how = f"line-manages {whom}" if level == 1 else f"manages {whom} ({level} levels down)"
        verb = "holds" if now else "held"
        during = "" if now else " during the period under review"
        why = f"{how}, who {verb} {which}{during}"
        if why not in out.get((manager, key), []):
            out.setdefault((manager, key), []).append(why)
    return out

